/**
 * Rootless Docker, with a REAL rootless dockerd: docker.io's dockerd-rootless.sh under rootlesskit,
 * run by the unprivileged test user (test/setup/start-rootless-dockerd.sh; its socket comes in
 * DLE_ROOTLESS_DOCKER_HOST). The data root is the user's own (~/.local/share/docker), so the CLI,
 * run as that user, reads the layerdb, the image configs, the tar-splits and the diff folders
 * itself, and must say what the daemon's own answers (GraphDriver data, docker save) say.
 * Without the daemon the suite skips loudly, and with DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) it fails.
 *
 * What rootless Docker 20.10 does differently, checked here: it has no native overlay diff in a
 * user namespace, so a built layer that removes a folder and makes it again holds one whiteout per
 * old file (no opaque folder), the second identical COPY of dle-app is an empty layer (5 layers,
 * not 6), and a pulled or loaded layer's opaque folder is applied through an overlay mount, which
 * leaves whiteouts the layer's tar does not have; owners on disk are the user's host IDs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageJson } from '../../src/cli/commands/ls';
import { EngineClient } from '../../src/core/engine/engineClient';
import { describeEngine } from '../../src/core/engine/engineDescription';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { EngineInfo } from '../../src/core/engine/engineTypes';
import { nodeHostFiles } from '../../src/core/engine/hostFiles';
import { ROOTFUL_SOCKET } from '../../src/core/engine/engineSockets';
import { resolveEndpoint } from '../../src/core/engine/resolveEndpoint';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { CLI, RootlessDaemon, ensureCliBuilt, requireRootlessDaemon, run } from './helpers/daemon';

interface LayerDiffJson {
  index: number;
  chainId: string;
  added: { path: string; size: number }[];
  modified: { path: string; size: number }[];
  deleted: { path: string; opaque?: true }[];
}

describe('rootless Docker: a real rootless dockerd of the test user, read by that user', function () {
  this.timeout(120_000);
  let daemon: RootlessDaemon;
  let endpoint: EngineEndpoint;
  let engine: EngineClient;
  let info: EngineInfo;
  let dataRoot: string;
  let scratch: string;
  let caches = 0;

  before(async function () {
    daemon = requireRootlessDaemon(this);
    await ensureCliBuilt();
    endpoint = { host: daemon.host, source: '--host' };
    engine = await EngineClient.connect(endpoint, silentLogger);
    try {
      info = await engine.info();
    } catch (error) {
      throw new Error(`the rootless daemon does not answer at ${daemon.host}: ${(error as Error).message}\nStart it with: eval "$(bash test/setup/start-rootless-dockerd.sh | tail -n 1)"`);
    }
    dataRoot = info.DockerRootDir ?? '';
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-rootless-'));
    fs.chmodSync(scratch, 0o755); // The user's cache folders and the saved archives are in here.
  });
  after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

  /** A fresh cache folder of the user's, so what the CLI downloaded can be seen. */
  async function userCache(): Promise<string> {
    const cache = path.join(scratch, `cache-${++caches}`);
    fs.mkdirSync(cache);
    await run('chown', [daemon.user, cache]);
    return cache;
  }
  const downloadedArchives = (cache: string) => fs.existsSync(path.join(cache, 'docker-layer-explorer', 'images'));

  /** As the user, with the daemon's XDG_RUNTIME_DIR and no DOCKER_HOST or context from this process. */
  function asUser(command: string[], env: Record<string, string> = {}) {
    const settings = Object.entries({ XDG_RUNTIME_DIR: daemon.runtimeDir, ...env }).map(([key, value]) => `${key}=${value}`);
    return run('runuser', ['-u', daemon.user, '--', 'env', '-u', 'DOCKER_HOST', '-u', 'DOCKER_CONTEXT', '-u', 'DOCKER_CONFIG', ...settings, ...command]);
  }
  const userCli = (args: string[], cache: string, env: Record<string, string> = {}) => asUser([process.execPath, CLI, ...args], { XDG_CACHE_HOME: cache, ...env });
  const docker = (args: string[]) => run('docker', ['-H', daemon.host, ...args]);

  async function saved(image: string): Promise<string> {
    const file = path.join(scratch, `${image.replace(/[^a-z0-9]+/g, '-')}.tar`);
    if (!fs.existsSync(file)) {
      const save = await docker(['save', '-o', file, image]);
      assert.equal(save.code, 0, save.stderr);
      fs.chmodSync(file, 0o644);
    }
    return file;
  }

  const layerdbFile = (chainId: string, name: string) => path.join(dataRoot, 'image', 'overlay2', 'layerdb', 'sha256', chainId.replace(/^sha256:/, ''), name);

  it("is a rootless daemon with overlay2 and the user's data root, and the status says rootless", async () => {
    assert.ok((info.SecurityOptions ?? []).some((option) => option.includes('name=rootless')), `SecurityOptions: ${JSON.stringify(info.SecurityOptions)}`);
    assert.equal(info.Driver, 'overlay2');
    const home = (await run('getent', ['passwd', daemon.user])).stdout.split(':')[5];
    assert.equal(dataRoot, path.join(home, '.local', 'share', 'docker'));
    const uid = Number((await run('id', ['-u', daemon.user])).stdout.trim());
    assert.equal(fs.statSync(dataRoot).uid, uid, 'the data root belongs to the user');
    assert.equal(daemon.host, `unix:///run/user/${uid}/docker.sock`);

    // The status bar's words and details.
    const profile = storageProfileOf(info, endpoint);
    assert.equal(profile.rootless, true);
    const version = await engine.version();
    const description = describeEngine(endpoint, version, profile);
    assert.equal(description.short, `Docker ${version.Version} · overlay2 · rootless`);
    assert.deepEqual(
      description.details.filter(([label]) => label === 'Rootless' || label === 'Data root'),
      [
        ['Data root', `${dataRoot} (on this machine)`],
        ['Rootless', 'yes'],
      ],
    );
    // The CLI's log, as the user: rootless storage, and the layerdb readable.
    const ls = await userCli(['ls', 'dle-app:1.0', '--verbose', '-H', daemon.host], await userCache());
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, new RegExp(`^storage: overlay2 \\(driver overlay2\\) at ${dataRoot}, local, rootless$`, 'm'));
    assert.match(ls.stderr, /^layerdb readable$/m);
  });

  it('without -H, finds the rootless socket in XDG_RUNTIME_DIR where it is the only daemon', async () => {
    // The system daemon's socket comes first among the usual sockets, as for the docker CLI: hide it
    // (and the rest of /run) in a private mount namespace, keeping only the user's runtime folder.
    const cache = await userCache();
    const script = [
      'set -e',
      'runtime="$1"; shift',
      'keep="$(mktemp -d)"',
      'mount --bind "$runtime" "$keep"',
      'mount -t tmpfs -o mode=755 dle-hide-run /run',
      'mkdir -p "$runtime"',
      'mount --move "$keep" "$runtime"',
      'rmdir "$keep"',
      `[ ! -e ${ROOTFUL_SOCKET} ] || { echo "${ROOTFUL_SOCKET} is still there" >&2; exit 99; }`,
      'exec runuser -u "$@"',
    ].join('\n');
    const result = await run('unshare', [
      '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', daemon.runtimeDir,
      daemon.user, '--', 'env', '-u', 'DOCKER_HOST', '-u', 'DOCKER_CONTEXT', `XDG_RUNTIME_DIR=${daemon.runtimeDir}`, `XDG_CACHE_HOME=${cache}`,
      `DOCKER_CONFIG=${path.join(cache, 'docker-config')}`, process.execPath, CLI, 'ls', 'dle-app:1.0', '--json', '--verbose',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^storage: overlay2 \\(driver overlay2\\) at ${dataRoot}, local, rootless$`, 'm'));
    const [image] = JSON.parse(result.stdout) as ImageJson[];
    assert.ok(image.layers.every((layer) => layer.diffDir?.startsWith(`${dataRoot}/overlay2/`)), 'folders in the rootless data root');

    // Resolution itself: XDG_RUNTIME_DIR/docker.sock is a usual socket, after the system one.
    const usual = await resolveEndpoint({ env: { XDG_RUNTIME_DIR: daemon.runtimeDir }, homeDir: '/nonexistent', files: { ...nodeHostFiles, exists: async (file) => file !== ROOTFUL_SOCKET && nodeHostFiles.exists(file) } });
    assert.deepEqual(usual, { host: daemon.host, source: 'default socket' });
  });

  it("without -H, follows the user's current context to the rootless daemon where the system daemon runs too", async () => {
    // What dockerd-rootless-setuptool.sh install sets up: a context "rootless", made current.
    const cache = await userCache();
    const config = path.join(cache, 'docker-config');
    const dockerCli = (args: string[]) => asUser(['docker', ...args], { DOCKER_CONFIG: config });
    for (const args of [['context', 'create', 'rootless', '--docker', `host=${daemon.host}`], ['context', 'use', 'rootless']]) {
      const made = await dockerCli(args);
      assert.equal(made.code, 0, made.stderr);
    }
    const ls = await userCli(['ls', 'dle-app:1.0', '--json', '--verbose'], cache, { DOCKER_CONFIG: config });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, new RegExp(`^storage: overlay2 \\(driver overlay2\\) at ${dataRoot}, local, rootless$`, 'm'));
  });

  for (const image of ['dle-app:1.0', 'dle-opaque:1.0']) {
    it(`ls --json names every layer's folder of ${image} from the layerdb, as the daemon's GraphDriver data does`, async () => {
      const cache = await userCache();
      const ls = await userCli(['ls', image, '--json', '-H', daemon.host], cache);
      assert.equal(ls.code, 0, ls.stderr);
      const [listed] = JSON.parse(ls.stdout) as ImageJson[];
      const inspect = await engine.inspectImage(image);
      assert.equal(listed.layers.length, inspect.RootFS?.Layers?.length);
      const { UpperDir, LowerDir } = (inspect.GraphDriver?.Data ?? {}) as { UpperDir?: string; LowerDir?: string };
      const fromGraphDriver = [...(LowerDir ? LowerDir.split(':').reverse() : []), UpperDir];
      assert.deepEqual(listed.layers.map((layer) => layer.diffDir), fromGraphDriver);
      for (const layer of listed.layers) {
        // What the user reads in the layerdb: the cache ID, the size, the tar-split.
        const cacheId = await asUser(['cat', layerdbFile(layer.chainId, 'cache-id')]);
        assert.equal(cacheId.code, 0, cacheId.stderr);
        assert.equal(layer.cacheId, cacheId.stdout.trim());
        assert.equal(layer.diffDir, path.join(dataRoot, 'overlay2', cacheId.stdout.trim(), 'diff'));
        assert.equal(layer.size, Number((await asUser(['cat', layerdbFile(layer.chainId, 'size')])).stdout));
        const tarSplit = await asUser(['test', '-r', layerdbFile(layer.chainId, 'tar-split.json.gz')]);
        assert.equal(tarSplit.code, 0, `${daemon.user} cannot read the tar-split of layer ${layer.index}`);
      }
      assert.equal(downloadedArchives(cache), false, 'no archive was downloaded');
    });
  }

  it('takes the exact history from the image config on disk, where the Engine history would be a guess', async () => {
    const imageId = (await engine.inspectImage('dle-app:1.0')).Id;
    const config = await asUser(['cat', path.join(dataRoot, 'image', 'overlay2', 'imagedb', 'content', 'sha256', imageId.replace(/^sha256:/, ''))]);
    assert.equal(config.code, 0, `${daemon.user} reads the image config: ${config.stderr}`);
    const history = (JSON.parse(config.stdout) as { history: { created_by?: string; empty_layer?: boolean }[] }).history;
    const layerSteps = history.filter((step) => !step.empty_layer).map((step) => step.created_by ?? null);
    const cache = await userCache();
    const ls = await userCli(['ls', 'dle-app:1.0', '--json', '-H', daemon.host], cache);
    const [image] = JSON.parse(ls.stdout) as ImageJson[];
    assert.deepEqual(image.layers.map((layer) => layer.createdBy), layerSteps);
    // Here the second, identical COPY is an empty layer: the Engine history says 0 B for it and for
    // `touch /empty` alike, and only the config tells which one made a layer.
    assert.equal(history.filter((step) => step.created_by?.includes(' COPY ')).length, 2);
    assert.equal(layerSteps.filter((step) => step?.includes(' COPY ')).length, 1);
    assert.equal(image.layers[image.layers.length - 1].createdBy, '/bin/sh -c touch /empty');
    const text = await userCli(['ls', 'dle-app:1.0', '-H', daemon.host], cache);
    assert.doesNotMatch(text.stdout, /note: (the history|steps matched)/, text.stdout);
    const layers = await new ImageCatalog(engine, silentLogger).imageLayers('dle-app:1.0');
    assert.equal(layers.historySource, 'image config');
  });

  for (const image of ['dle-app:1.0', 'dle-opaque:1.0']) {
    it(`diff --json ${image} reads the folders and says what the daemon's docker save archive says`, async () => {
      const cache = await userCache();
      const fromFolders = await userCli(['diff', image, '--json', '-H', daemon.host], cache);
      assert.equal(fromFolders.code, 0, fromFolders.stderr);
      assert.equal(downloadedArchives(cache), false, 'the folders were read: no archive was downloaded');
      const fromArchive = await userCli(['diff', await saved(image), '--json'], await userCache());
      assert.equal(fromArchive.code, 0, fromArchive.stderr);
      assert.equal(fromFolders.stdout, fromArchive.stdout);

      const layers = (JSON.parse(fromFolders.stdout) as { layers: LayerDiffJson[] }).layers;
      if (image === 'dle-app:1.0') {
        // Built rootless: the folder removed and made again is one whiteout per old file.
        const removing = layers.find((layer) => layer.deleted.length > 0);
        assert.deepEqual(removing?.deleted, [{ path: '/app/old/old.txt' }, { path: '/data/doomed.txt' }]);
        assert.deepEqual(removing?.added, [{ path: '/app/old/new.txt', size: 4 }]);
      } else {
        const top = layers[2];
        assert.deepEqual(top.deleted, [{ path: '/app/old', opaque: true }, { path: '/data/doomed.txt' }]);
        assert.deepEqual(top.added, [{ path: '/app/old/new.txt', size: 4 }]);
        // The tar-split has the opaque marker; the folder has whiteouts the layer's tar has not.
        const tarSplit = await asUser(['sh', '-c', 'gzip -dc "$1" | grep -c "wh..wh..opq"', 'sh', layerdbFile(top.chainId, 'tar-split.json.gz')]);
        assert.equal(tarSplit.stdout.trim(), '1', tarSplit.stderr);
        const upper = (((await engine.inspectImage(image)).GraphDriver?.Data ?? {}) as { UpperDir: string }).UpperDir;
        for (const made of ['app/old/old.txt', 'app/old/sub']) {
          const stats = fs.lstatSync(path.join(upper, made));
          assert.ok(stats.isCharacterDevice() && stats.rdev === 0, `${made}: a whiteout the overlay mount made`);
        }
      }
    });
  }

  it("gives the layer's own owners, not the host IDs of the folder", async () => {
    const inspect = await engine.inspectImage('dle-opaque:1.0');
    const lower = (inspect.GraphDriver?.Data as { LowerDir: string }).LowerDir.split(':')[0];
    const onDisk = fs.statSync(path.join(lower, 'data', 'owned.txt'));
    assert.notEqual(onDisk.uid, 1000, 'on disk the file belongs to a sub-ID of the user');
    const catalog = new ImageCatalog(engine, silentLogger);
    const files = await catalog.openLayer({ owner: 'image', imageId: inspect.Id, index: 1 }, 'files');
    assert.equal(files.source, 'folder');
    const owned = await files.stat('/data/owned.txt');
    assert.deepEqual([owned.uid, owned.gid], [1000, 1000]);
    const keep = await files.stat('/data/keep.txt');
    assert.deepEqual([keep.uid, keep.gid], [undefined, undefined], "root's file: no owner, as in the tar");
    for (const image of ['dle-app:1.0', 'dle-opaque:1.0']) {
      const compare = await userCli(['compare', image, await saved(image), '--json', '-H', daemon.host], await userCache());
      assert.equal(compare.code, 0, compare.stderr);
      const result = JSON.parse(compare.stdout) as { added: unknown[]; removed: unknown[]; changed: unknown[] };
      assert.deepEqual([result.added, result.removed, result.changed], [[], [], []], `${image} against its own archive`);
    }
  });
});
