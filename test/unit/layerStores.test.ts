/**
 * The storage seam: which backend each recorded daemon gets, and layers opened through the catalog
 * as the tree and the file system provider open them (on the recorded data root's real folders).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { limitationText } from '../../src/cli/limitationText';
import { EngineNotFoundError } from '../../src/core/engine/engineErrors';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { silentLogger } from '../../src/core/logger';
import { LayerUnavailableError } from '../../src/core/storage/openLocation';
import { selectLayerStore } from '../../src/core/storage/selectLayerStore';
import { skipBecause } from '../helpers/skip';
import { containerdInfoFixture } from './helpers/containerFixtures';
import { DATA_ROOT_FIXTURE, LOCAL_SOCKET_ENDPOINT, dataRootManifest, imageFixture, infoFixture } from './helpers/fixtures';
import { PODMAN_SOCKET_ENDPOINT, podmanInfoFixture } from './helpers/podmanFixtures';
import { RecordedEngine, recordedCatalog } from './helpers/recordedEngine';

describe('selectLayerStore', () => {
  it('picks one backend per storage: overlay2, containers-storage (Podman), containerd, none for other drivers', async () => {
    assert.equal((await selectLayerStore(infoFixture(), LOCAL_SOCKET_ENDPOINT, silentLogger)).kind, 'overlay2');
    assert.equal((await selectLayerStore(podmanInfoFixture(), PODMAN_SOCKET_ENDPOINT, silentLogger)).kind, 'containers-storage');
    const containerd = await selectLayerStore(containerdInfoFixture(), LOCAL_SOCKET_ENDPOINT, silentLogger);
    assert.equal(containerd.kind, 'containerd');
    assert.deepEqual(containerd.profile.limitation, { code: 'containerdSnapshots' });
    const [somewhere] = await containerd.locateLayers(imageFixture('dle-app').inspect, [`sha256:${'1'.repeat(64)}`]);
    assert.deepEqual(somewhere.location, { kind: 'unavailable', limitation: { code: 'containerdSnapshots' } }, 'no containerd metadata where the daemon says its data is');
    const vfs = await selectLayerStore({ ...infoFixture(), Driver: 'vfs' }, LOCAL_SOCKET_ENDPOINT, silentLogger);
    assert.equal(vfs.kind, 'no-folders');
    assert.equal(limitationText(vfs.profile.limitation!), 'The "vfs" storage driver keeps no per-layer diff folder that can be mapped from the Engine API.');
  });

  it('reports a remote overlay2 daemon\'s folders as on its host, never as folders here', async () => {
    const store = await selectLayerStore(infoFixture(), { host: 'ssh://me@builder', source: 'DOCKER_HOST' }, silentLogger);
    const fixture = imageFixture('dle-app');
    const [first] = await store.locateLayers(fixture.inspect, chainIdsOf(fixture.inspect.RootFS?.Layers ?? []));
    assert.equal(first.location.kind, 'unavailable');
    assert.deepEqual(first.location.kind === 'unavailable' && first.location.limitation, { code: 'remoteHost', host: 'ssh://me@builder' });
    assert.ok(first.location.kind === 'unavailable' && first.location.reported?.diffDir.startsWith('/var/lib/docker/overlay2/'), 'the path on that host is kept');
    await assert.rejects(store.open(first.location, 'files'), LayerUnavailableError);
  });
});

describe('ImageCatalog.openLayer (the recorded data root)', () => {
  let catalog: ImageCatalog;
  const app = imageFixture('dle-app');

  before(function () {
    const manifest = dataRootManifest();
    if (!manifest) {
      skipBecause(this, 'test/fixtures/data-root-overlay2 is not recorded');
      return;
    }
    // Git keeps no empty folders; the layer of `RUN touch /empty` and others need theirs.
    for (const dir of manifest.emptyDirs) {
      fs.mkdirSync(path.join(DATA_ROOT_FIXTURE, dir), { recursive: true });
    }
    catalog = new ImageCatalog(new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: DATA_ROOT_FIXTURE }), silentLogger);
  });

  it("reads a layer's files by image ID and index: layer 1 wrote /app/hello.txt", async () => {
    const files = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 1 }, 'files');
    const names = (await files.readDirectory('/')).map((entry) => entry.name).sort();
    assert.deepEqual(names, ['app', 'data']);
    assert.equal((await files.readFile('/app/hello.txt')).toString(), 'hello\n');
    const layers = await catalog.imageLayers(app.inspect.Id);
    assert.equal(files.hostPath('/app/hello.txt'), path.join(layers.layers[1].diffDir ?? '', 'app', 'hello.txt'));
  });

  it("reads the layer's backend folder (diff/, link, lower, work) as its own tree", async () => {
    const folder = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 5 }, 'folder');
    const names = (await folder.readDirectory('/')).map((entry) => entry.name).sort();
    assert.ok(names.includes('diff') && names.includes('link') && names.includes('lower'), names.join(', '));
    assert.deepEqual((await folder.readDirectory('/diff')).map((entry) => entry.name), ['empty']);
  });

  it("opens a container's read-write layer: what the container wrote", async () => {
    const exited = dataRootManifest()?.containers?.find((container) => container.name === '/dle-exited');
    assert.ok(exited, 'the fixture holds dle-exited');
    const files = await catalog.openLayer({ owner: 'container', containerId: exited.id, role: 'read-write' }, 'files');
    assert.equal((await files.readFile('/rw.txt')).toString(), 'x\n');
  });

  it('opens each layer once and keeps it until invalidate()', async () => {
    const ref = { owner: 'image', imageId: app.inspect.Id, index: 2 } as const;
    const first = await catalog.openLayer(ref, 'files');
    assert.equal(await catalog.openLayer(ref, 'files'), first);
    catalog.invalidate();
    assert.notEqual(await catalog.openLayer(ref, 'files'), first);
  });

  it('says not found for a layer index the image does not have, and for a deleted image', async () => {
    await assert.rejects(catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 6 }, 'files'), EngineNotFoundError);
    await assert.rejects(catalog.openLayer({ owner: 'image', imageId: `sha256:${'0'.repeat(64)}`, index: 0 }, 'files'), EngineNotFoundError);
  });

  it('says why a layer on the containerd image store cannot be opened', async () => {
    const info = { ...infoFixture(), Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] as [string, string][] };
    const { catalog: containerd } = recordedCatalog('user', info);
    await assert.rejects(containerd.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files'), (error: unknown) => {
      assert.ok(error instanceof LayerUnavailableError);
      assert.deepEqual(error.limitation, { code: 'containerdSnapshots' });
      return true;
    });
  });
});
