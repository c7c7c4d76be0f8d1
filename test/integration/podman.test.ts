/**
 * Podman 4.3's Docker-compatible service, started by test/setup/start-podman-service.sh with its own
 * storage (never Docker's), rootful (DLE_PODMAN_HOST) and, where it can run, rootless as the test
 * user (DLE_PODMAN_ROOTLESS_HOST). Where the storage is readable (root; the user for rootless) each
 * layer's folder comes from containers-storage's metadata and the history from the stored image
 * config; the truth is what Podman itself reports (GraphDriver data) and what its image archive
 * holds. Without the rootful service the suite skips loudly, and with DOCKER_LAYERS_REQUIRE_DOCKER=1
 * (CI) it fails; without rootless Podman its suite skips with the reason.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EngineClient } from '../../src/core/engine/engineClient';
import { describeEngine } from '../../src/core/engine/engineDescription';
import { ImageInspect } from '../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { CLI, TEST_USER, ensureCliBuilt, requirePodmanService, run } from './helpers/daemon';

const IMAGES = ['dle-podman-app:1.0', 'dle-podman-changes:1.0'];

interface LayerJson {
  chainId: string;
  cacheId: string | null;
  diffDir: string | null;
}
interface ImageJson {
  id: string;
  layers: LayerJson[];
}
interface DiffJson {
  image: string;
  layers: { index: number; chainId: string; added: { path: string }[]; modified: { path: string }[]; deleted: { path: string; opaque?: true }[] }[];
}

/** GraphDriver folders Podman reports for an image, bottom first. */
function graphDriverDiffDirs(inspect: ImageInspect): string[] {
  const data = inspect.GraphDriver?.Data;
  assert.ok(data?.UpperDir, `Podman reports GraphDriver data for ${inspect.Id}`);
  return [data.UpperDir, ...(data.LowerDir ? data.LowerDir.split(':') : [])].reverse();
}

/** A folder the test user may write into (its cache, archives). */
function userFolder(parent: string, name: string): string {
  const folder = path.join(parent, name);
  fs.mkdirSync(folder, { recursive: true });
  fs.chownSync(folder, userIds().uid, userIds().gid);
  return folder;
}
let ids: { uid: number; gid: number } | undefined;
function userIds(): { uid: number; gid: number } {
  if (!ids) {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${TEST_USER}:`));
    assert.ok(line, `user ${TEST_USER} exists (test/setup/ensure-test-user.sh)`);
    const [, , uid, gid] = line.split(':');
    ids = { uid: Number(uid), gid: Number(gid) };
  }
  return ids;
}

/** The CLI as the test user, with its own cache folder. */
function userCli(args: readonly string[], cache: string) {
  return run('runuser', ['-u', TEST_USER, '--', 'env', `XDG_CACHE_HOME=${cache}`, process.execPath, CLI, ...args]);
}

/** `docker save` through Podman's API into a file the test user can read: the archive as Podman writes it. */
async function savedArchive(host: string, image: string, folder: string): Promise<string> {
  const file = path.join(folder, `${image.replace(/[^A-Za-z0-9.-]/g, '_')}.tar`);
  const saved = await run('docker', ['-H', host, 'save', '-o', file, image]);
  assert.equal(saved.code, 0, saved.stderr);
  fs.chmodSync(file, 0o644);
  return file;
}

async function connect(host: string) {
  const engine = await EngineClient.connect({ host, source: '--host' }, silentLogger);
  return { engine, catalog: new ImageCatalog(engine, silentLogger) };
}

describe('Podman 4.3 Docker-compatible service, rootful: layer folders from containers-storage metadata', function () {
  this.timeout(120_000);
  let HOST: string;
  let scratch: string;
  let storageRoot: string;

  before(async function () {
    HOST = requirePodmanService(this);
    await ensureCliBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-podman-it-'));
    fs.chmodSync(scratch, 0o755);
    const { engine } = await connect(HOST);
    storageRoot = (await engine.info()).DockerRootDir ?? '';
    assert.ok(storageRoot.startsWith('/') && !storageRoot.startsWith('/var/lib/docker'), `Podman's own storage, not Docker's: ${storageRoot}`);
  });
  after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

  const cli = (args: readonly string[]) => run(process.execPath, [CLI, ...args, '-H', HOST], { env: { ...process.env, XDG_CACHE_HOME: path.join(scratch, 'root-cache') } });

  it("as root, ls --json names each layer's folder under Podman's storage: the folders Podman reports, and they exist", async () => {
    const ls = await cli(['ls', ...IMAGES, '--json', '--verbose']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, /containers-storage metadata readable at /, 'the folders come from the metadata');
    assert.doesNotMatch(ls.stderr, /using GraphDriver data|using the metadata/, 'no fallback, no disagreement');
    const images = JSON.parse(ls.stdout) as ImageJson[];
    const { engine } = await connect(HOST);
    for (const [n, image] of images.entries()) {
      const inspect = await engine.inspectImage(IMAGES[n]);
      assert.equal(image.id, inspect.Id);
      assert.deepEqual(
        image.layers.map((layer) => layer.diffDir),
        graphDriverDiffDirs(inspect),
        IMAGES[n],
      );
      for (const layer of image.layers) {
        assert.equal(layer.diffDir, path.join(storageRoot, 'overlay', layer.cacheId ?? '?', 'diff'));
        assert.ok(layer.diffDir && fs.statSync(layer.diffDir).isDirectory(), `${layer.diffDir} exists`);
      }
      // Above the imported base layer (named after its diff ID), Podman's layer IDs are not chain IDs.
      assert.ok(image.layers.slice(1).every((layer) => `sha256:${layer.cacheId}` !== layer.chainId));
    }
  });

  it('takes the exact history from the image config in the storage (no guessed steps)', async () => {
    const { catalog } = await connect(HOST);
    const layers = await catalog.imageLayers('dle-podman-app:1.0');
    assert.equal(layers.historySource, 'image config');
    assert.equal(layers.steps.filter((step) => step.emptyLayer).length, 2, 'ENV and CMD');
    const text = await cli(['ls', 'dle-podman-app:1.0']);
    assert.doesNotMatch(text.stdout, /note: /, text.stdout);
  });

  it("diff --json from the folders equals diff from Podman's image archive, whiteout and opaque folder included", async () => {
    const cache = userFolder(scratch, 'user-cache');
    for (const image of IMAGES) {
      const fromFolders = await cli(['diff', image, '--json', '--verbose']);
      assert.equal(fromFolders.code, 0, fromFolders.stderr);
      // The test user cannot read root's storage: the same socket gives it the layers from the archive.
      const reach = await userCli(['ls', image, '--json', '--verbose', '-H', HOST], cache);
      let fromArchive;
      if (reach.code === 0) {
        assert.match(reach.stderr, /containers-storage metadata not readable by this user/);
        fromArchive = await userCli(['diff', image, '--json', '-H', HOST], cache);
      } else {
        // The test user cannot reach the socket: the archive as a file, read without a daemon.
        fromArchive = await run(process.execPath, [CLI, 'diff', await savedArchive(HOST, image, scratch), '--json']);
      }
      assert.equal(fromArchive.code, 0, fromArchive.stderr);
      assert.deepEqual(JSON.parse(fromFolders.stdout), JSON.parse(fromArchive.stdout), image);
    }
    const changes = JSON.parse((await cli(['diff', 'dle-podman-changes:1.0', '--json'])).stdout) as DiffJson;
    const top = changes.layers[changes.layers.length - 1];
    assert.deepEqual(top.deleted, [{ path: '/data', opaque: true }, { path: '/payload.txt' }]);
    assert.deepEqual(
      top.added.map((file) => file.path),
      ['/data/again.txt'],
    );
  });

  it('diff of a saved archive file (docker save through Podman) equals diff from the folders', async () => {
    const file = await savedArchive(HOST, 'dle-podman-changes:1.0', scratch);
    const fromFile = await run(process.execPath, [CLI, 'diff', file, '--json']);
    const fromFolders = await cli(['diff', 'dle-podman-changes:1.0', '--json']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(JSON.parse(fromFolders.stdout), JSON.parse(fromFile.stdout));
  });

  it("names a container's read-write folder from containers.json, the one Podman reports", async () => {
    const { engine, catalog } = await connect(HOST);
    const inspect = await engine.inspectContainer('dle-podman-container');
    const layers = await catalog.containerLayers('dle-podman-container');
    assert.equal(layers.readWrite?.diffDir, inspect.GraphDriver?.Data?.UpperDir);
    assert.equal(layers.readWrite?.source, 'containers-storage metadata', 'from the storage metadata');
    assert.ok(layers.readWrite && fs.statSync(layers.readWrite.diffDir).isDirectory());
    assert.equal(layers.init, null);
  });

  it('the engine description names Podman, its overlay storage and the storage folder', async () => {
    const { engine, catalog } = await connect(HOST);
    const description = describeEngine(engine.endpoint, await engine.version(), await catalog.storage());
    assert.match(description.short, /^Podman 4\.\d+\.\d+ · Podman overlay$/);
    assert.deepEqual(
      description.details.find(([label]) => label === 'Data root'),
      ['Data root', `${storageRoot} (on this machine)`],
    );
  });
});

describe('Podman 4.3 Docker-compatible service, rootless: the user reads its own storage', function () {
  this.timeout(120_000);
  let HOST: string;
  let scratch: string;
  let storageRoot: string;

  before(async function () {
    HOST = requirePodmanService(this, 'rootless');
    await ensureCliBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-podman-rootless-it-'));
    fs.chmodSync(scratch, 0o755);
    const { engine } = await connect(HOST);
    storageRoot = (await engine.info()).DockerRootDir ?? '';
  });
  after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

  it("as the user, ls --json names each layer's folder in the user's storage, from its metadata, and the user can read them", async () => {
    const cache = userFolder(scratch, 'cache');
    const ls = await userCli(['ls', ...IMAGES, '--json', '--verbose', '-H', HOST], cache);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, new RegExp(`containers-storage metadata readable at ${storageRoot}`));
    const { engine } = await connect(HOST);
    for (const [n, image] of (JSON.parse(ls.stdout) as ImageJson[]).entries()) {
      assert.deepEqual(
        image.layers.map((layer) => layer.diffDir),
        graphDriverDiffDirs(await engine.inspectImage(IMAGES[n])),
      );
      for (const layer of image.layers) {
        assert.ok(layer.diffDir!.startsWith(`${storageRoot}/overlay/`));
        const readable = await run('runuser', ['-u', TEST_USER, '--', 'test', '-r', layer.diffDir!, '-a', '-x', layer.diffDir!]);
        assert.equal(readable.code, 0, `${TEST_USER} can read ${layer.diffDir}`);
      }
    }
    const text = await userCli(['ls', 'dle-podman-app:1.0', '-H', HOST], cache);
    assert.doesNotMatch(text.stdout, /note: /, 'the exact history, from the stored config');
  });

  it("as the user, diff --json from the folders (user.overlay.opaque marks) equals diff of Podman's image archive", async () => {
    const cache = userFolder(scratch, 'cache');
    for (const image of IMAGES) {
      const fromFolders = await userCli(['diff', image, '--json', '-H', HOST], cache);
      assert.equal(fromFolders.code, 0, fromFolders.stderr);
      const fromFile = await userCli(['diff', await savedArchive(HOST, image, scratch), '--json'], cache);
      assert.equal(fromFile.code, 0, fromFile.stderr);
      assert.deepEqual(JSON.parse(fromFolders.stdout), JSON.parse(fromFile.stdout), image);
    }
  });

  it('the engine description names Podman and its overlay storage', async () => {
    const { engine, catalog } = await connect(HOST);
    const description = describeEngine(engine.endpoint, await engine.version(), await catalog.storage());
    assert.match(description.short, /^Podman 4\.\d+\.\d+ · Podman overlay\b/);
  });

  it('the engine description says rootless', async function () {
    const { engine, catalog } = await connect(HOST);
    const description = describeEngine(engine.endpoint, await engine.version(), await catalog.storage());
    // Podman 4.3 says so in /info "Rootless": true, not among the SecurityOptions Docker uses.
    assert.match(description.short, / · rootless$/, description.short);
  });
});
