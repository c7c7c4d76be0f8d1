import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContainerInspect } from '../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { containerSummaryFromInspect, containerSummaryFromList } from '../../src/core/model/container';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture } from './helpers/fixtures';
import { CONTAINER_FIXTURE_NAMES, ContainerFixtureName, containerFixture, containerdInfoFixture, containerdStyleInspect, containersListFixture } from './helpers/containerFixtures';
import { RecordedEngine, dataRootAs, recordedCatalog } from './helpers/recordedEngine';

describe('container model', () => {
  describe('containerSummaryFromList', () => {
    it('names each recorded container without the leading slash, with its image, state and status', () => {
      const summaries = containersListFixture().map(containerSummaryFromList);
      const app = imageFixture('dle-app').inspect.Id;
      assert.deepEqual(
        summaries.map(({ name, image, imageId, state }) => ({ name, image, imageId, state })),
        [
          { name: 'dle-exited', image: 'dle-app:1.0', imageId: app, state: 'exited' },
          { name: 'dle-container', image: 'dle-app:1.0', imageId: app, state: 'created' },
        ],
      );
      assert.match(summaries[0].status, /^Exited \(0\)/, 'status is the human text of the list');
      assert.equal(summaries[1].status, 'Created');
      assert.equal(summaries[0].id, containerFixture('dle-exited').inspect.Id);
      assert.equal(summaries[0].created, 1796005125);
    });

    it('falls back to the short ID without Names, and to "unknown" state without State', () => {
      const [entry] = containersListFixture();
      const summary = containerSummaryFromList({ ...entry, Names: undefined, State: undefined, Status: undefined });
      assert.equal(summary.name, entry.Id.slice(0, 12));
      assert.equal(summary.state, 'unknown');
      assert.equal(summary.status, '');
    });
  });

  describe('containerSummaryFromInspect', () => {
    for (const name of CONTAINER_FIXTURE_NAMES) {
      it(`agrees with the list entry for ${name} on ID, name, image, image ID, state and creation second`, () => {
        const fromInspect = containerSummaryFromInspect(containerFixture(name).inspect);
        const listed = containersListFixture().find((entry) => entry.Names?.includes(`/${name}`));
        assert.ok(listed, `${name} is in containers.json`);
        const fromList = containerSummaryFromList(listed);
        // The inspect has no human status text ("Exited (0) 2 seconds ago"), so `status` differs by design.
        const key = ({ id, name, image, imageId, state, created }: ReturnType<typeof containerSummaryFromList>) => ({ id, name, image, imageId, state, created });
        assert.deepEqual(key(fromInspect), key(fromList));
      });
    }

    it('parses the nanosecond Created timestamp to whole seconds, and gives 0 without one', () => {
      const { inspect } = containerFixture('dle-exited');
      assert.equal(inspect.Created, '2026-11-30T02:18:45.611235067Z');
      assert.equal(containerSummaryFromInspect(inspect).created, 1796005125);
      assert.equal(containerSummaryFromInspect({ ...inspect, Created: undefined }).created, 0);
    });

    it('uses the image ID as the image when Config.Image is absent', () => {
      const { inspect } = containerFixture('dle-container');
      assert.equal(containerSummaryFromInspect({ ...inspect, Config: undefined }).image, inspect.Image);
    });
  });

  describe('ImageCatalog.containerLayers (the storage backend finds the folders)', () => {
    const layersOf = (name: ContainerFixtureName, as: 'root' | 'user', inspect?: ContainerInspect, info = infoFixture()) =>
      recordedCatalog(as, info, undefined, { inspectContainerAs: inspect ? () => inspect : undefined }).catalog.containerLayers(containerFixture(name).inspect.Id);

    for (const name of CONTAINER_FIXTURE_NAMES) {
      it(`${name}: GraphDriver data gives UpperDir's folder as read-write layer and the first LowerDir (-init) as init`, async () => {
        const fixture = containerFixture(name);
        const data = fixture.inspect.GraphDriver?.Data;
        assert.ok(data?.UpperDir && data.LowerDir, 'fixture: the recorded inspect has GraphDriver paths');
        const layers = await layersOf(name, 'user', fixture.inspect);
        const { mountId, initId } = fixture.mounts;
        assert.deepEqual(layers.readWrite, {
          cacheId: mountId,
          layerDir: `${dataRootAs('user')}/overlay2/${mountId}`,
          diffDir: `${dataRootAs('user')}/overlay2/${mountId}/diff`,
          source: 'GraphDriver',
        });
        assert.equal(layers.readWrite?.diffDir, data.UpperDir.replace('/var/lib/docker/', `${dataRootAs('user')}/`));
        assert.deepEqual(layers.init, {
          cacheId: initId,
          layerDir: `${dataRootAs('user')}/overlay2/${initId}`,
          diffDir: `${dataRootAs('user')}/overlay2/${initId}/diff`,
          source: 'GraphDriver',
        });
        assert.equal(layers.init?.diffDir, data.LowerDir.split(':')[0].replace('/var/lib/docker/', `${dataRootAs('user')}/`));
        assert.equal(layers.container.name, name);
      });

      it(`${name}: the layerdb mount entry (mount-id, init-id) gives the same folders as GraphDriver data`, async () => {
        const fromLayerdb = await layersOf(name, 'root');
        // Even with GraphDriver data absent, the mount entry alone is enough.
        const layerdbOnly = await layersOf(name, 'root', { ...containerFixture(name).inspect, GraphDriver: null });
        const fromGraphDriver = await layersOf(name, 'user');
        const below = (folder: string, dataRoot: string | undefined) => folder.replace(dataRoot ?? '', '<data root>');
        for (const result of [fromLayerdb, layerdbOnly]) {
          assert.equal(result.readWrite?.source, 'layerdb');
          assert.equal(result.init?.source, 'layerdb');
          const folders = ({ readWrite, init, storage }: typeof result) =>
            [readWrite, init].map((folder) => folder && { cacheId: folder.cacheId, layerDir: below(folder.layerDir, storage.dataRoot), diffDir: below(folder.diffDir, storage.dataRoot) });
          assert.deepEqual(folders(result), folders(fromGraphDriver));
        }
        assert.equal(fromLayerdb.init?.cacheId, `${containerFixture(name).mounts.mountId}-init`);
        assert.equal(fromLayerdb.storage.dataRoot, dataRootAs('root'));
      });
    }

    it('the two recorded containers have different read-write and init folders on the same image', async () => {
      const [created, exited] = await Promise.all(CONTAINER_FIXTURE_NAMES.map((name) => layersOf(name, 'user')));
      assert.equal(created.container.imageId, exited.container.imageId);
      assert.notEqual(created.readWrite?.layerDir, exited.readWrite?.layerDir);
      assert.notEqual(created.init?.layerDir, exited.init?.layerDir);
    });

    it('places the layerdb folders under the profile data root and driver', async () => {
      const fixture = containerFixture('dle-exited');
      const layers = await layersOf('dle-exited', 'root');
      assert.equal(layers.readWrite?.diffDir, `${dataRootAs('root')}/overlay2/${fixture.mounts.mountId}/diff`);
      assert.equal(layers.init?.layerDir, `${dataRootAs('root')}/overlay2/${fixture.mounts.initId}`);
    });

    it('has no init folder when the mount entry has no init-id, or LowerDir does not start with an -init layer', async () => {
      const fixture = containerFixture('dle-container');
      const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-no-init-'));
      try {
        const mounts = path.join(dataRoot, 'image', 'overlay2', 'layerdb', 'mounts', fixture.inspect.Id);
        fs.mkdirSync(mounts, { recursive: true });
        fs.mkdirSync(path.join(dataRoot, 'image', 'overlay2', 'layerdb', 'sha256'));
        fs.writeFileSync(path.join(mounts, 'mount-id'), fixture.mounts.mountId);
        const engine = new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: dataRoot });
        const withoutInit = await new ImageCatalog(engine, silentLogger).containerLayers(fixture.inspect.Id);
        assert.equal(withoutInit.readWrite?.cacheId, fixture.mounts.mountId);
        assert.equal(withoutInit.readWrite?.source, 'layerdb');
        assert.equal(withoutInit.init, null);
      } finally {
        fs.rmSync(dataRoot, { recursive: true, force: true });
      }
      const data = fixture.inspect.GraphDriver?.Data ?? {};
      const lowerWithoutInit = data.LowerDir.split(':').slice(1).join(':');
      const graphDriverWithoutInit = await layersOf('dle-container', 'user', { ...fixture.inspect, GraphDriver: { Name: 'overlay2', Data: { ...data, LowerDir: lowerWithoutInit } } });
      assert.equal(graphDriverWithoutInit.readWrite?.cacheId, fixture.mounts.mountId);
      assert.equal(graphDriverWithoutInit.init, null, 'an image layer is not taken for the init layer');
    });

    for (const name of CONTAINER_FIXTURE_NAMES) {
      it(`${name} on the containerd image store (GraphDriver Data null): no read-write or init folder`, async () => {
        const storage = storageProfileOf(containerdInfoFixture(), LOCAL_SOCKET_ENDPOINT);
        assert.equal(storage.kind, 'containerd-snapshotter');
        const layers = await layersOf(name, 'user', containerdStyleInspect(name), containerdInfoFixture());
        assert.equal(layers.readWrite, null);
        assert.equal(layers.init, null);
        assert.equal(layers.container.name, name);
        assert.deepEqual(layers.storage.limitation, { code: 'containerdSnapshots' });
      });
    }

    it('gives nulls without GraphDriver data and without a readable data root', async () => {
      const layers = await layersOf('dle-exited', 'user', { ...containerFixture('dle-exited').inspect, GraphDriver: undefined });
      assert.equal(layers.readWrite, null);
      assert.equal(layers.init, null);
    });
  });
});
