/**
 * The containerd image store (Docker 26 with containerd-snapshotter, as Docker 29 installs by
 * default): image inspect names no folders. As root each layer's snapshot folder comes from
 * containerd's own metadata (checked against what containerd itself mounts, `ctr snapshots view
 * --mounts`, run by this test, never by the product); as the docker-group user every layer's files
 * come from the Engine's archive (OCI layout, blobs as stored), and both give the same changes.
 * The daemon is the second one test/setup/start-containerd-daemon.sh starts; its socket comes in
 * DLE_CONTAINERD_DOCKER_HOST. Without it the suite skips loudly, and with
 * DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) it fails.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EngineClient } from '../../src/core/engine/engineClient';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { CLI, TEST_USER, ensureCliBuilt, requireContainerdDaemon, run } from './helpers/daemon';

let HOST: string | undefined;

interface FileJson {
  path: string;
  size: number;
}
interface LayerDiffJson {
  index: number;
  chainId: string;
  added: FileJson[];
  modified: FileJson[];
  deleted: { path: string; opaque?: true }[];
}

describe('the containerd image store (Docker 26): layer files from the Engine archive', function () {
  this.timeout(120_000);
  let scratch: string;

  before(async function () {
    HOST = requireContainerdDaemon(this);
    await ensureCliBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-containerd-store-'));
    fs.chmodSync(scratch, 0o755); // The docker-group user's cache folders are made inside.
  });
  after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

  const cli = (args: string[], cache: string) => run(process.execPath, [CLI, ...args, '-H', HOST!], { env: { ...process.env, XDG_CACHE_HOME: cache } });
  /** The CLI as the docker-group user, who cannot read containerd's metadata. */
  const userCli = async (args: string[], cache: string) => {
    fs.mkdirSync(cache, { recursive: true });
    await run('chown', ['-R', TEST_USER, cache]);
    return run('runuser', ['-u', TEST_USER, '--', 'env', `XDG_CACHE_HOME=${cache}`, process.execPath, CLI, ...args, '-H', HOST!]);
  };

  /** The folder containerd itself mounts for a committed layer: a read-only view's bind source or first lowerdir. */
  async function containerdsOwnFolder(chainId: string): Promise<string> {
    const root = path.dirname(path.dirname(HOST!.replace(/^unix:\/\//, '')));
    const ctr = [path.join(root, 'pkg', 'usr', 'bin', 'ctr'), '-a', path.join(root, 'run', 'exec', 'containerd', 'containerd.sock'), '-n', 'moby', 'snapshots', '--snapshotter', 'overlayfs'];
    const key = `dle-test-view-${process.pid}`;
    const view = await run(ctr[0], [...ctr.slice(1), 'view', '--mounts', key, chainId]);
    await run(ctr[0], [...ctr.slice(1), 'rm', key]);
    assert.equal(view.code, 0, view.stderr);
    const [mount] = JSON.parse(view.stdout) as { Type: string; Source: string; Options: string[] }[];
    return mount.Type === 'bind' ? mount.Source : mount.Options.find((option) => option.startsWith('lowerdir='))!.slice('lowerdir='.length).split(':')[0];
  }

  it("is the containerd store: as root, ls names each layer's snapshot folder, the one containerd mounts", async () => {
    const info = await run('docker', ['-H', HOST!, 'info', '--format', '{{json .DriverStatus}}']);
    assert.match(info.stdout, /io\.containerd\.snapshotter\.v1/, 'the daemon runs the containerd image store');
    const ls = await cli(['ls', 'dle-app:1.0', '--json'], path.join(scratch, 'ls'));
    assert.equal(ls.code, 0, ls.stderr);
    const [image] = JSON.parse(ls.stdout) as { layers: { chainId: string; diffDir: string | null }[] }[];
    // 5, not 6 as on overlay2: the second, identical COPY makes no layer of its own in this store.
    assert.equal(image.layers.length, 5);
    for (const layer of image.layers) {
      assert.equal(layer.diffDir, await containerdsOwnFolder(layer.chainId), layer.chainId);
    }
    // The exact history, from the image config in containerd's content store: the second,
    // identical COPY is an empty layer there, and each layer has its own step.
    const engine = await EngineClient.connect({ host: HOST!, source: '--host' }, silentLogger);
    const layers = await new ImageCatalog(engine, silentLogger).imageLayers('dle-app:1.0');
    assert.equal(layers.historySource, 'image config');
    assert.deepEqual(
      layers.layers.map((layer) => layer.step?.step.split(' ')[0]),
      ['dle-base:', 'RUN', 'COPY', 'RUN', 'RUN'],
    );
    const text = await cli(['ls', 'dle-app:1.0'], path.join(scratch, 'ls'));
    assert.doesNotMatch(text.stdout, /note: (the history|steps matched)/, 'no note of a guessed or unmatched history');
  });

  it('as the docker-group user, ls names no folders and says why', async () => {
    const ls = await userCli(['ls', 'dle-app:1.0', '--json'], path.join(scratch, 'ls-user'));
    assert.equal(ls.code, 0, ls.stderr);
    const [image] = JSON.parse(ls.stdout) as { layers: { diffDir: string | null }[] }[];
    assert.ok(image.layers.every((layer) => layer.diffDir === null), 'no folder this user could open');
    const text = await userCli(['ls', 'dle-app:1.0'], path.join(scratch, 'ls-user'));
    assert.match(text.stdout, /containerd image store: its layer folders are named only in containerd's metadata/, text.stdout);
  });

  it("names a container's own folders, what it changed and what the Engine prepared, as containerd mounts them", async () => {
    const name = `dle-d26-container-${process.pid}`;
    const created = await run('docker', ['-H', HOST!, 'create', '--name', name, 'dle-app:1.0']);
    assert.equal(created.code, 0, created.stderr);
    try {
      const id = created.stdout.trim();
      const root = path.dirname(path.dirname(HOST!.replace(/^unix:\/\//, '')));
      // `ctr snapshots mounts` prints the mount of an existing active snapshot: it creates nothing.
      const mounts = await run(path.join(root, 'pkg', 'usr', 'bin', 'ctr'), ['-a', path.join(root, 'run', 'exec', 'containerd', 'containerd.sock'), '-n', 'moby', 'snapshots', '--snapshotter', 'overlayfs', 'mounts', '/mnt', id]);
      assert.equal(mounts.code, 0, mounts.stderr);
      const upper = /upperdir=([^,\s]+)/.exec(mounts.stdout)?.[1];
      const firstLower = /lowerdir=([^:,\s]+)/.exec(mounts.stdout)?.[1];
      const engine = await EngineClient.connect({ host: HOST!, source: '--host' }, silentLogger);
      const layers = await new ImageCatalog(engine, silentLogger).containerLayers(name);
      assert.equal(layers.readWrite?.diffDir, upper, 'what the container changed: the overlay upper folder');
      assert.equal(layers.init?.diffDir, firstLower, "the init layer: the first folder below it");
    } finally {
      await run('docker', ['-H', HOST!, 'rm', '-f', name]);
    }
  });

  it("diff reads every layer from the Engine's archive for the user, from the snapshot folders for root, with the same changes", async () => {
    const cache = path.join(scratch, 'diff');
    const diff = await userCli(['diff', 'dle-app:1.0', '--json'], cache);
    assert.equal(diff.code, 0, diff.stderr);
    const parsed = JSON.parse(diff.stdout) as { image: string; layers: LayerDiffJson[] };
    const archive = path.join(cache, 'docker-layer-explorer', 'images', parsed.image.replace(/^sha256:/, ''), 'archive.tar');
    assert.ok(fs.existsSync(archive), `${archive}: the layers came from the Engine's archive`);
    const listing = await run('tar', ['-tf', archive]);
    assert.match(listing.stdout, /^index\.json$/m, 'Engine 25+ exports the OCI layout');
    const [, first, copy, removing, last] = parsed.layers;
    assert.deepEqual(
      first.added.map((file) => [file.path, file.size]).sort(),
      [['/app/hello.txt', 6], ['/app/old/old.txt', 4], ['/data/doomed.txt', 7], ['/data/keep.txt', 5]],
    );
    assert.deepEqual(copy.added.map((file) => file.path), ['/payload.txt']);
    // containerd computes a layer by comparing snapshots: a folder removed and made again is a
    // whiteout per old file, where overlay2's diff folder has an opaque folder.
    assert.deepEqual(removing.deleted, [{ path: '/app/old/old.txt' }, { path: '/data/doomed.txt' }]);
    assert.deepEqual(removing.added, [{ path: '/app/old/new.txt', size: 4 }]);
    assert.deepEqual(last.added, [{ path: '/empty', size: 0 }]);
    const second = await userCli(['diff', 'dle-app:1.0', '--json'], cache);
    assert.equal(second.stdout, diff.stdout, 'the second run reads the cached archive and says the same');
    const fromFolders = await cli(['diff', 'dle-app:1.0', '--json'], path.join(scratch, 'diff-root'));
    assert.equal(fromFolders.code, 0, fromFolders.stderr);
    assert.equal(fromFolders.stdout, diff.stdout, 'the snapshot folders hold exactly what the archive does');
    assert.equal(fs.existsSync(path.join(scratch, 'diff-root', 'docker-layer-explorer', 'images')), false, 'root downloaded no archive');
  });
  it("reads an opaque folder's mark from its snapshot folder (getfattr), as root, where the archive has .wh..wh..opq", async () => {
    // dle-app from the overlay2 daemon, whose layer tars carry an opaque marker; containerd unpacks
    // it into a folder with trusted.overlay.opaque=y, which only the xattr tells.
    const tag = `dle-opaque-${process.pid}:1`;
    const saved = path.join(scratch, 'opaque.tar');
    try {
      assert.equal((await run('docker', ['tag', 'dle-app:1.0', tag])).code, 0);
      assert.equal((await run('docker', ['save', '-o', saved, tag])).code, 0);
      const loaded = await run('docker', ['-H', HOST!, 'load', '-i', saved]);
      assert.equal(loaded.code, 0, loaded.stderr);
      const fromFolders = await cli(['diff', tag, '--json'], path.join(scratch, 'opaque-root'));
      assert.equal(fromFolders.code, 0, fromFolders.stderr);
      const removing = (JSON.parse(fromFolders.stdout) as { layers: LayerDiffJson[] }).layers[4];
      assert.deepEqual(removing.deleted, [{ path: '/app/old', opaque: true }, { path: '/data/doomed.txt' }]);
      assert.equal(fs.existsSync(path.join(scratch, 'opaque-root', 'docker-layer-explorer', 'images')), false, 'root read the folders, no archive');
      const fromArchive = await userCli(['diff', tag, '--json'], path.join(scratch, 'opaque-user'));
      assert.equal(fromArchive.code, 0, fromArchive.stderr);
      assert.equal(fromFolders.stdout, fromArchive.stdout, 'the snapshot folders and the Engine archive agree');
      // Without getfattr the folder cannot tell its opaque folders: root reads the archive instead.
      const noGetfattr = path.join(scratch, 'opaque-no-getfattr');
      const blind = await run(process.execPath, [CLI, 'diff', tag, '--json', '-H', HOST!], { env: { ...process.env, PATH: '/nonexistent', XDG_CACHE_HOME: noGetfattr } });
      assert.equal(blind.code, 0, blind.stderr);
      assert.equal(blind.stdout, fromFolders.stdout);
      assert.equal(fs.existsSync(path.join(noGetfattr, 'docker-layer-explorer', 'images')), true, 'the layers came from the archive');
    } finally {
      await run('docker', ['-H', HOST!, 'rmi', tag]);
      await run('docker', ['rmi', tag]);
    }
  });
});
