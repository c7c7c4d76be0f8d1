/**
 * `docker-layers diff` from its three sources gives one answer: as root from the overlay2 layer
 * folders, from a `docker save` archive on disk, and as the unprivileged test user (who cannot read
 * /var/lib/docker) from the image archive the CLI downloads from the Engine into its cache. For a
 * legacy-builder image (dle-app, dle-shared) and a BuildKit one (dle-buildkit), whose history and
 * folders differ. Reading must change nothing under the data root.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { skipBecause } from '../helpers/skip';
import { CLI, Daemon, REPO_ROOT, RunResult, TEST_USER, ensureCliBuilt, requireDaemon, run } from './helpers/daemon';

/** The `diff --json` contract (README), written out here so the test checks the shape, not a type. */
interface DeletedJson {
  path: string;
  opaque?: true;
}
interface FileJson {
  path: string;
  size: number;
}
interface LayerDiffJson {
  index: number;
  chainId: string;
  added: FileJson[];
  modified: FileJson[];
  deleted: DeletedJson[];
}
interface ImageDiffJson {
  image: string;
  layers: LayerDiffJson[];
}
interface LsLayerJson {
  index: number;
  chainId: string;
  createdBy: string | null;
}

const REQUIRE_DOCKER = process.env.DOCKER_LAYERS_REQUIRE_DOCKER === '1';

/** The CLI with its own cache folder ($XDG_CACHE_HOME), as root or as the test user. */
function runCliWithCache(args: readonly string[], cacheHome: string, asTestUser = false): Promise<RunResult> {
  if (asTestUser) {
    // runuser keeps most of the environment, but say it explicitly: `env` sets the cache for the user.
    return run('runuser', ['-u', TEST_USER, '--', 'env', `XDG_CACHE_HOME=${cacheHome}`, process.execPath, CLI, ...args]);
  }
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, XDG_CACHE_HOME: cacheHome } });
}

function parseDiff(result: RunResult, what: string): ImageDiffJson {
  assert.equal(result.code, 0, `${what} exited ${result.code}:\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as ImageDiffJson;
  assert.deepEqual(Object.keys(parsed).sort(), ['image', 'layers', 'platform'], `${what}: top-level keys`);
  assert.ok(Array.isArray(parsed.layers), `${what}: layers is an array`);
  return parsed;
}

/** Key by key, so a failure names the layer and the field that differ. */
function assertSameDiff(actual: ImageDiffJson, expected: ImageDiffJson, what: string): void {
  assert.equal(actual.image, expected.image, `${what}: image`);
  assert.equal(actual.layers.length, expected.layers.length, `${what}: number of layers`);
  expected.layers.forEach((want, i) => {
    const got = actual.layers[i];
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: layer ${i} keys`);
    for (const key of ['index', 'chainId', 'added', 'modified', 'deleted'] as const) {
      assert.deepEqual(got[key], want[key], `${what}: layer ${i} ${key}`);
    }
  });
}

const byPath = <T extends { path: string }>(list: readonly T[]): T[] => [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

interface Entry {
  mode: number;
  size: number;
  mtimeMs: number;
}
const show = (entry: Entry): string => `mode=${entry.mode.toString(8)} size=${entry.size} mtime=${new Date(entry.mtimeMs).toISOString()}`;

/** path → mode, size, mtime of everything under the folders (lstat: links and whiteouts as they are). */
async function snapshot(folders: readonly string[]): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const visit = async (file: string): Promise<void> => {
    const stat = await fs.promises.lstat(file);
    entries.set(file, { mode: stat.mode, size: stat.size, mtimeMs: stat.mtimeMs });
    if (stat.isDirectory()) {
      for (const name of (await fs.promises.readdir(file)).sort()) {
        await visit(path.join(file, name));
      }
    }
  };
  for (const folder of folders) {
    await visit(folder);
  }
  return entries;
}

interface Change {
  file: string;
  was?: Entry;
  now?: Entry;
}
const describeChange = ({ file, was, now }: Change): string =>
  !now ? `removed ${file} (${show(was as Entry)})` : !was ? `added ${file} (${show(now)})` : `changed ${file}: ${show(was)} → ${show(now)}`;

function snapshotChanges(before: Map<string, Entry>, after: Map<string, Entry>): Change[] {
  const changes: Change[] = [];
  for (const [file, was] of before) {
    const now = after.get(file);
    if (!now || now.mode !== was.mode || now.size !== was.size || now.mtimeMs !== was.mtimeMs) {
      changes.push({ file, was, now });
    }
  }
  for (const [file, now] of after) {
    if (!before.has(file)) {
      changes.push({ file, now });
    }
  }
  return changes;
}

/**
 * What dockerd 20.10 itself does when it exports an image (`docker save`, GET /images/{id}/get, the
 * test user's fallback), observed here: every layer with a parent is mounted to stream its files
 * (moby's layer store reads a layer through the driver's Get when the driver has no DiffGetter), which
 * makes and removes `<layer>/merged` (the layer folder's mtime) and resets `<layer>/work/work`. Not
 * the product's doing; anything else (image/, diff/, link, lower) must stay as it was.
 */
function isExportMount(change: Change, layerFolders: ReadonlySet<string>): boolean {
  const { file, was, now } = change;
  if (layerFolders.has(file)) {
    return !!was && !!now && was.mode === now.mode && was.size === now.size;
  }
  return [...layerFolders].some((layer) => ['work', 'merged'].some((name) => file === path.join(layer, name) || file.startsWith(`${path.join(layer, name)}/`)));
}

interface ImageCase {
  tag: string;
  layers: number;
  /** Built with BuildKit: skipped (loudly) when missing, unless DOCKER_LAYERS_REQUIRE_DOCKER=1. */
  buildkit?: boolean;
  /** The changes the Dockerfile makes, checked against root's diff and its steps. */
  known(diff: ImageDiffJson, steps: LsLayerJson[]): void;
}

function layerOfStep(steps: LsLayerJson[], pattern: RegExp): number {
  const found = steps.filter((step) => pattern.test(step.createdBy ?? ''));
  assert.equal(found.length, 1, `one layer whose step matches ${pattern}; steps: ${JSON.stringify(steps.map((step) => step.createdBy))}`);
  return found[0].index;
}

/** dle-app and dle-buildkit: a RUN writes files, a later RUN deletes one and replaces a folder. */
function writesThenDeletes(diff: ImageDiffJson, steps: LsLayerJson[], firstRunAdds: FileJson[]): void {
  const first = diff.layers[1];
  assert.ok(
    first.added.some((file) => file.path === '/app/hello.txt' && file.size === 6),
    `layer 1 added /app/hello.txt (6 bytes): ${JSON.stringify(first.added)}`,
  );
  assert.deepEqual(byPath(first.added), byPath(firstRunAdds), 'layer 1 added exactly the RUN step\'s files');
  assert.deepEqual(first.deleted, [], 'layer 1 deleted nothing');
  const rm = layerOfStep(steps, /\brm \/data\/doomed\.txt\b/);
  const removing = diff.layers[rm];
  assert.deepEqual(byPath(removing.deleted), [{ path: '/app/old', opaque: true }, { path: '/data/doomed.txt' }], `layer ${rm} (RUN rm /data/doomed.txt …) deleted`);
  assert.deepEqual(removing.added, [{ path: '/app/old/new.txt', size: 4 }], `layer ${rm} added`);
  assert.deepEqual(removing.modified, [], `layer ${rm} modified`);
}

const CASES: ImageCase[] = [
  {
    tag: 'dle-app:1.0',
    layers: 6,
    known(diff, steps) {
      writesThenDeletes(diff, steps, [
        { path: '/app/hello.txt', size: 6 },
        { path: '/app/old/old.txt', size: 4 },
        { path: '/data/doomed.txt', size: 7 },
        { path: '/data/keep.txt', size: 5 },
      ]);
      // The same COPY twice: added, then modified (same content, a layer of its own).
      assert.deepEqual(diff.layers[2].added.map((file) => file.path), ['/payload.txt']);
      assert.deepEqual(diff.layers[3].modified.map((file) => file.path), ['/payload.txt']);
      assert.deepEqual(diff.layers[5].added, [{ path: '/empty', size: 0 }]);
    },
  },
  {
    tag: 'dle-shared:latest',
    layers: 2,
    known(diff) {
      assert.deepEqual(diff.layers[1], { ...diff.layers[1], added: [{ path: '/shared.txt', size: 7 }], modified: [], deleted: [] });
    },
  },
  {
    tag: 'dle-buildkit:latest',
    layers: 5,
    buildkit: true,
    known(diff, steps) {
      // BuildKit's history: `RUN /bin/sh -c … # buildkit`, COPY with the suffix, WORKDIR as a layer.
      assert.match(steps[1].createdBy ?? '', /^RUN \/bin\/sh -c mkdir -p \/app\/old \/data .* # buildkit$/);
      assert.match(steps[2].createdBy ?? '', /^COPY payload\.txt \/payload\.txt # buildkit$/);
      assert.equal(steps[3].createdBy, 'WORKDIR /work');
      writesThenDeletes(diff, steps, [
        { path: '/app/hello.txt', size: 6 },
        { path: '/app/old/a.txt', size: 2 },
        { path: '/data/doomed.txt', size: 7 },
      ]);
      assert.equal(layerOfStep(steps, /\brm \/data\/doomed\.txt\b.* # buildkit$/), 4);
      const payload = fs.statSync(path.join(REPO_ROOT, 'test', 'setup', 'images', 'dle-buildkit', 'payload.txt')).size;
      assert.deepEqual(diff.layers[2].added, [{ path: '/payload.txt', size: payload }]);
    },
  },
];

describe('docker-layers diff: layer folders, a saved archive and the Engine archive agree', function () {
  let daemon: Daemon;
  let scratch: string;
  let userUid: number;
  let userGid: number;
  let dataRoot: string;
  /** Everything snapshotted before the first test, compared after the last. */
  let watched: string[] = [];
  /** The overlay2 folders (`/var/lib/docker/overlay2/<cache id>`) of the layers watched. */
  let layerFolders = new Set<string>();
  let initial: Map<string, Entry> | undefined;

  /** A fresh $XDG_CACHE_HOME; the test user's is theirs (under a 0755 scratch folder they can reach). */
  const newCacheHome = (name: string, forTestUser = false): string => {
    const folder = fs.mkdtempSync(path.join(scratch, `${name}-`));
    if (forTestUser) {
      fs.chownSync(folder, userUid, userGid);
    }
    return folder;
  };

  before(async function () {
    daemon = await requireDaemon(this);
    if (process.getuid?.() !== 0) {
      skipBecause(this, `not root (uid ${process.getuid?.()}): cannot read the layer folders or switch to the test user`);
    }
    await ensureCliBuilt();
    const ensured = await run('bash', [path.join(REPO_ROOT, 'test', 'setup', 'ensure-test-user.sh')], { env: { ...process.env, DLE_TEST_USER: TEST_USER } });
    assert.equal(ensured.code, 0, `test/setup/ensure-test-user.sh failed:\n${ensured.stdout}\n${ensured.stderr}`);
    const uid = await run('id', ['-u', TEST_USER]);
    const gid = await run('id', ['-g', TEST_USER]);
    userUid = Number(uid.stdout.trim());
    userGid = Number(gid.stdout.trim());
    assert.ok(userUid > 0 && Number.isInteger(userGid), `ids of ${TEST_USER}: ${uid.stdout} ${gid.stdout}`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-layer-sources-'));
    fs.chmodSync(scratch, 0o755);

    // The data root and the overlay2 folders of every layer of the images under test.
    dataRoot = daemon.info.DockerRootDir ?? '/var/lib/docker';
    const listed = await daemon.engine.listImages();
    layerFolders = new Set<string>();
    for (const { tag } of CASES) {
      const image = listed.find((entry) => (entry.RepoTags ?? []).includes(tag));
      if (!image) {
        continue;
      }
      const data = (await daemon.engine.inspectImage(image.Id)).GraphDriver?.Data ?? {};
      for (const diff of [data.UpperDir, ...(data.LowerDir ?? '').split(':')].filter(Boolean)) {
        layerFolders.add(path.dirname(diff));
      }
    }
    watched = [path.join(dataRoot, 'image'), ...layerFolders];
    initial = await snapshot(watched);
  });

  after(function () {
    if (scratch) {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  for (const testCase of CASES) {
    describe(testCase.tag, function () {
      let id: string;
      let hex: string;
      let fromFolders: ImageDiffJson;
      let steps: LsLayerJson[];
      /** Changes under the data root while root's CLI read the layer folders: must be none at all. */
      let readChanges: string[] = [];

      before(async function () {
        const listed = await daemon.engine.listImages();
        const image = listed.find((entry) => (entry.RepoTags ?? []).includes(testCase.tag));
        if (!image) {
          const message = `${testCase.tag} does not exist on ${daemon.endpoint.host}: build it with bash test/setup/build-test-images.sh${testCase.buildkit ? ' (needs docker buildx: test/setup/install-buildx.sh)' : ''}`;
          if (testCase.buildkit && !REQUIRE_DOCKER) {
            skipBecause(this, `${message}; with DOCKER_LAYERS_REQUIRE_DOCKER=1 this fails`);
          }
          throw new Error(message);
        }
        id = image.Id;
        hex = id.replace(/^sha256:/, '');

        // Root: read from the layer folders, so nothing is downloaded into the cache.
        const beforeRead = await snapshot(watched);
        const cache = newCacheHome('root');
        fromFolders = parseDiff(await runCliWithCache(['diff', testCase.tag, '--json'], cache), `diff ${testCase.tag} --json (root)`);
        assert.equal(fromFolders.image, id);
        assert.ok(
          !fs.existsSync(path.join(cache, 'docker-layer-explorer', 'images', hex, 'archive.tar')),
          'as root the layers come from the folders, not from an image archive',
        );
        const ls = await runCliWithCache(['ls', testCase.tag, '--json'], cache);
        assert.equal(ls.code, 0, ls.stderr);
        steps = (JSON.parse(ls.stdout) as { layers: LsLayerJson[] }[])[0].layers;
        assert.equal(steps.length, testCase.layers, `${testCase.tag} has ${testCase.layers} layers`);
        assert.deepEqual(
          fromFolders.layers.map((layer) => [layer.index, layer.chainId]),
          steps.map((layer) => [layer.index, layer.chainId]),
          'diff and ls name the same layers',
        );
        // Every other command that reads layers: analyze (dive's figures) and compare (content digests).
        const analyzed = await runCliWithCache(['analyze', testCase.tag, '--json'], cache);
        assert.ok(analyzed.code === 0 || analyzed.code === 1, analyzed.stderr);
        const compared = await runCliWithCache(['compare', 'dle-base:latest', testCase.tag, '--json'], cache);
        assert.equal(compared.code, 0, compared.stderr);
        readChanges = snapshotChanges(beforeRead, await snapshot(watched)).map(describeChange);
      });

      it('as root: reading the layer folders (diff, ls, analyze, compare) changes nothing under the data root', () => {
        assert.deepEqual(readChanges.slice(0, 40), [], `${readChanges.length} change(s) while root's CLI read ${testCase.tag}`);
      });

      it('as root: diff IMAGE (layer folders) equals diff of its `docker save` archive', async () => {
        const tar = path.join(fs.mkdtempSync(path.join(scratch, 'save-')), 'x.tar');
        const saved = await run('docker', ['save', testCase.tag, '-o', tar]);
        assert.equal(saved.code, 0, `docker save ${testCase.tag} failed:\n${saved.stderr}`);
        const fromArchive = parseDiff(await runCliWithCache(['diff', tar, '--json'], newCacheHome('root-archive')), `diff ${tar} --json`);
        assertSameDiff(fromArchive, fromFolders, `archive vs folders (${testCase.tag})`);
      });

      it(`as ${TEST_USER}: diff IMAGE (the Engine's archive, cached) equals root's`, async () => {
        const cache = newCacheHome('user', true);
        const asUser = parseDiff(await runCliWithCache(['diff', testCase.tag, '--json'], cache, true), `diff ${testCase.tag} --json (${TEST_USER})`);
        assertSameDiff(asUser, fromFolders, `${TEST_USER} vs root (${testCase.tag})`);
        const archive = path.join(cache, 'docker-layer-explorer', 'images', hex, 'archive.tar');
        assert.ok(fs.existsSync(archive), `${archive} exists: ${TEST_USER} read the image from the Engine's archive`);
        assert.equal(fs.statSync(archive).uid, userUid, `${archive} belongs to ${TEST_USER}`);
      });

      it('has the changes its Dockerfile makes', () => {
        testCase.known(fromFolders, steps);
      });

      if (testCase.buildkit) {
        it("is a BuildKit build (every step's comment is buildkit.dockerfile.v0)", async () => {
          const history = await daemon.engine.imageHistory(id);
          const ours = history.filter((entry) => entry.Comment !== 'dle-base: busybox rootfs');
          assert.ok(ours.length >= testCase.layers, `history: ${JSON.stringify(history)}`);
          for (const entry of ours) {
            assert.equal(entry.Comment, 'buildkit.dockerfile.v0', entry.CreatedBy);
          }
          assert.ok(ours.some((entry) => entry.CreatedBy.endsWith(' # buildkit')));
        });
      }
    });
  }

  describe('afterwards', function () {
    it("left the data root (/var/lib/docker) unchanged: path, size, mode, mtime of image/ and the layer folders, but for dockerd's export mounts", async function () {
      if (!initial) {
        skipBecause(this, 'no snapshot was taken');
      }
      assert.ok(initial.size > 10 && layerFolders.size >= 7, `snapshot of ${initial.size} entries, ${layerFolders.size} layer folders`);
      const changes = snapshotChanges(initial, await snapshot(watched));
      const exportMounts = changes.filter((change) => isExportMount(change, layerFolders));
      const others = changes.filter((change) => !isExportMount(change, layerFolders)).map(describeChange);
      if (exportMounts.length > 0) {
        console.log(`      note: ${exportMounts.length} change(s) from dockerd's own image export (layer folders' mtime, work/), allowed`);
      }
      assert.deepEqual(others.slice(0, 40), [], `${others.length} change(s) under ${dataRoot} (${watched.length} folders watched)`);
    });
  });
});
