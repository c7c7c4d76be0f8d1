import * as assert from 'node:assert/strict';
import { buildContainerLayers, containerSummaryFromInspect, containerSummaryFromList } from '../../src/core/model/container';
import { MountEntry } from '../../src/core/storage/layerdb';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture } from './helpers/fixtures';
import { CONTAINER_FIXTURE_NAMES, ContainerFixture, containerFixture, containerdInfoFixture, containerdStyleInspect, containersListFixture } from './helpers/containerFixtures';

const overlay2Storage = () => storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT);

/** What ImageCatalog passes in as root: layerdb/mounts/<id>/{mount-id,init-id,parent} as read by readMountEntry. */
function mountEntryOf(fixture: ContainerFixture): MountEntry {
  return { containerId: fixture.inspect.Id, mountId: fixture.mounts.mountId, initId: fixture.mounts.initId, parentChainId: fixture.mounts.parent };
}

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

  describe('buildContainerLayers', () => {
    for (const name of CONTAINER_FIXTURE_NAMES) {
      it(`${name}: GraphDriver data gives UpperDir's folder as read-write layer and the first LowerDir (-init) as init`, () => {
        const fixture = containerFixture(name);
        const data = fixture.inspect.GraphDriver?.Data;
        assert.ok(data?.UpperDir && data.LowerDir, 'fixture: the recorded inspect has GraphDriver paths');
        const layers = buildContainerLayers(fixture.inspect, overlay2Storage(), undefined);
        const { mountId, initId } = fixture.mounts;
        assert.deepEqual(layers.readWrite, {
          cacheId: mountId,
          layerDir: `/var/lib/docker/overlay2/${mountId}`,
          diffDir: `/var/lib/docker/overlay2/${mountId}/diff`,
          source: 'GraphDriver',
        });
        assert.equal(layers.readWrite?.diffDir, data.UpperDir);
        assert.deepEqual(layers.init, {
          cacheId: initId,
          layerDir: `/var/lib/docker/overlay2/${initId}`,
          diffDir: `/var/lib/docker/overlay2/${initId}/diff`,
          source: 'GraphDriver',
        });
        assert.equal(layers.init?.diffDir, data.LowerDir.split(':')[0]);
        assert.equal(layers.container.name, name);
      });

      it(`${name}: the layerdb mount entry (mount-id, init-id) gives the same folders as GraphDriver data`, () => {
        const fixture = containerFixture(name);
        const storage = overlay2Storage();
        const fromLayerdb = buildContainerLayers(fixture.inspect, storage, mountEntryOf(fixture));
        // Even with GraphDriver data absent, the mount entry alone is enough.
        const layerdbOnly = buildContainerLayers({ ...fixture.inspect, GraphDriver: null }, storage, mountEntryOf(fixture));
        const fromGraphDriver = buildContainerLayers(fixture.inspect, storage, undefined);
        for (const result of [fromLayerdb, layerdbOnly]) {
          assert.equal(result.readWrite?.source, 'layerdb');
          assert.equal(result.init?.source, 'layerdb');
          const folders = ({ readWrite, init }: typeof result) => [readWrite, init].map((folder) => folder && { cacheId: folder.cacheId, layerDir: folder.layerDir, diffDir: folder.diffDir });
          assert.deepEqual(folders(result), folders(fromGraphDriver));
        }
        assert.equal(fromLayerdb.init?.cacheId, `${fixture.mounts.mountId}-init`);
        assert.equal(fromLayerdb.storage, storage);
      });
    }

    it('the two recorded containers have different read-write and init folders on the same image', () => {
      const [created, exited] = CONTAINER_FIXTURE_NAMES.map((name) => buildContainerLayers(containerFixture(name).inspect, overlay2Storage(), undefined));
      assert.equal(created.container.imageId, exited.container.imageId);
      assert.notEqual(created.readWrite?.layerDir, exited.readWrite?.layerDir);
      assert.notEqual(created.init?.layerDir, exited.init?.layerDir);
    });

    it('places the layerdb folders under the profile data root and driver', () => {
      const fixture = containerFixture('dle-exited');
      const storage = { ...overlay2Storage(), dataRoot: '/srv/docker' };
      const layers = buildContainerLayers(fixture.inspect, storage, mountEntryOf(fixture));
      assert.equal(layers.readWrite?.diffDir, `/srv/docker/overlay2/${fixture.mounts.mountId}/diff`);
      assert.equal(layers.init?.layerDir, `/srv/docker/overlay2/${fixture.mounts.initId}`);
    });

    it('has no init folder when the mount entry has no init-id, or LowerDir does not start with an -init layer', () => {
      const fixture = containerFixture('dle-container');
      const withoutInit = buildContainerLayers(fixture.inspect, overlay2Storage(), { ...mountEntryOf(fixture), initId: undefined });
      assert.equal(withoutInit.readWrite?.cacheId, fixture.mounts.mountId);
      assert.equal(withoutInit.init, null);
      const data = fixture.inspect.GraphDriver?.Data ?? {};
      const lowerWithoutInit = data.LowerDir.split(':').slice(1).join(':');
      const graphDriverWithoutInit = buildContainerLayers({ ...fixture.inspect, GraphDriver: { Name: 'overlay2', Data: { ...data, LowerDir: lowerWithoutInit } } }, overlay2Storage(), undefined);
      assert.equal(graphDriverWithoutInit.readWrite?.cacheId, fixture.mounts.mountId);
      assert.equal(graphDriverWithoutInit.init, null, 'an image layer is not taken for the init layer');
    });

    for (const name of CONTAINER_FIXTURE_NAMES) {
      it(`${name} on the containerd image store (GraphDriver Data null): no read-write or init folder`, () => {
        const storage = storageProfileOf(containerdInfoFixture(), LOCAL_SOCKET_ENDPOINT);
        assert.equal(storage.kind, 'containerd-snapshotter');
        const layers = buildContainerLayers(containerdStyleInspect(name), storage, undefined);
        assert.equal(layers.readWrite, null);
        assert.equal(layers.init, null);
        assert.equal(layers.container.name, name);
        assert.match(layers.storage.limitation ?? '', /containerd image store/);
      });
    }

    it('gives nulls without GraphDriver at all and without a data root for the mount entry', () => {
      const fixture = containerFixture('dle-exited');
      const noDataRoot = { ...overlay2Storage(), dataRoot: undefined };
      const layers = buildContainerLayers({ ...fixture.inspect, GraphDriver: undefined }, noDataRoot, mountEntryOf(fixture));
      assert.equal(layers.readWrite, null);
      assert.equal(layers.init, null);
    });
  });
});
