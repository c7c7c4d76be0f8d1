import * as assert from 'node:assert/strict';
import { EngineNotFoundError } from '../../src/core/engine/engineErrors';
import { ContainerInspect, EngineInfo } from '../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { skipBecause } from '../helpers/skip';
import { CONTAINER_FIXTURE_NAMES, ContainerFixture, containerFixture, containerdInfoFixture, containersListFixture } from './helpers/containerFixtures';
import { RecordedEngine } from './helpers/recordedEngine';
import { DATA_ROOT_FIXTURE, LOCAL_SOCKET_ENDPOINT, dataRootManifest, infoFixture } from './helpers/fixtures';

function catalogFor(info: EngineInfo, endpoint = LOCAL_SOCKET_ENDPOINT, inspectOf?: (fixture: ContainerFixture) => ContainerInspect) {
  const engine = new RecordedEngine(endpoint, info, { inspectContainerAs: inspectOf });
  return { engine, catalog: new ImageCatalog(engine, silentLogger) };
}

describe('ImageCatalog containers (recorded daemon, fake Engine)', () => {
  describe('listContainers', () => {
    it('lists every recorded container, newest first, then by name', async () => {
      const { catalog } = catalogFor(infoFixture());
      const containers = await catalog.listContainers();
      // Both were created in the same second: the name decides.
      assert.deepEqual(
        containers.map((container) => [container.name, container.state]),
        [
          ['dle-container', 'created'],
          ['dle-exited', 'exited'],
        ],
      );
    });

    it('orders by creation time before name', async () => {
      const { engine, catalog } = catalogFor(infoFixture());
      const [exited, created] = containersListFixture();
      engine.listAnswer = [
        { ...created, Names: ['/a-old'], Created: 100 },
        { ...exited, Names: ['/z-new'], Created: 200 },
        { ...exited, Id: 'f'.repeat(64), Names: ['/m-new'], Created: 200 },
      ];
      assert.deepEqual(
        (await catalog.listContainers()).map((container) => container.name),
        ['m-new', 'z-new', 'a-old'],
      );
    });

    it('asks the Engine every time (containers change often), and a failure does not stick', async () => {
      const { engine, catalog } = catalogFor(infoFixture());
      const first = await catalog.listContainers();
      assert.deepEqual(await catalog.listContainers(), first);
      assert.equal(engine.requests.filter((request) => request === 'listContainers').length, 2);
      engine.failNextContainerList = true;
      await assert.rejects(catalog.listContainers(), /ECONNREFUSED/);
      assert.deepEqual(await catalog.listContainers(), first);
      assert.equal(engine.requests.filter((request) => request === 'listContainers').length, 4);
    });
  });

  describe('containerLayers', () => {
    it('reads layerdb/mounts/<id> when the data root is readable (root), and places folders under it', async function () {
      if (!dataRootManifest()) {
        skipBecause(this, 'test/fixtures/data-root-overlay2 is not recorded');
      }
      const { catalog } = catalogFor({ ...infoFixture(), DockerRootDir: DATA_ROOT_FIXTURE });
      for (const name of CONTAINER_FIXTURE_NAMES) {
        const { mounts, inspect } = containerFixture(name);
        const layers = await catalog.containerLayers(name);
        assert.equal(layers.container.id, inspect.Id);
        assert.deepEqual(layers.readWrite, {
          cacheId: mounts.mountId,
          layerDir: `${DATA_ROOT_FIXTURE}/overlay2/${mounts.mountId}`,
          diffDir: `${DATA_ROOT_FIXTURE}/overlay2/${mounts.mountId}/diff`,
          source: 'layerdb',
        });
        assert.deepEqual(layers.init, {
          cacheId: mounts.initId,
          layerDir: `${DATA_ROOT_FIXTURE}/overlay2/${mounts.initId}`,
          diffDir: `${DATA_ROOT_FIXTURE}/overlay2/${mounts.initId}/diff`,
          source: 'layerdb',
        });
      }
    });

    it('falls back to GraphDriver data when the layerdb cannot be read, with the same cache IDs', async () => {
      const { catalog } = catalogFor({ ...infoFixture(), DockerRootDir: '/nonexistent/docker-root' });
      for (const name of CONTAINER_FIXTURE_NAMES) {
        const { mounts } = containerFixture(name);
        const layers = await catalog.containerLayers(name);
        assert.equal(layers.readWrite?.source, 'GraphDriver');
        assert.equal(layers.readWrite?.cacheId, mounts.mountId);
        assert.equal(layers.readWrite?.diffDir, `/nonexistent/docker-root/overlay2/${mounts.mountId}/diff`, 'as the daemon reports it, under its data root');
        assert.equal(layers.init?.source, 'GraphDriver');
        assert.equal(layers.init?.cacheId, mounts.initId);
      }
    });

    it('does not read the local disk for a remote daemon', async () => {
      const { catalog } = catalogFor({ ...infoFixture(), DockerRootDir: DATA_ROOT_FIXTURE }, { host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' });
      const layers = await catalog.containerLayers('dle-exited');
      assert.equal(layers.storage.location, 'remote');
      assert.equal(layers.readWrite?.source, 'GraphDriver');
      assert.ok(layers.readWrite?.diffDir.startsWith(`${DATA_ROOT_FIXTURE}/overlay2/`), layers.readWrite?.diffDir);
    });

    it('gives null folders on the containerd image store', async () => {
      const { catalog } = catalogFor(containerdInfoFixture(), LOCAL_SOCKET_ENDPOINT, (fixture) => ({ ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } }));
      const layers = await catalog.containerLayers('dle-exited');
      assert.equal(layers.storage.kind, 'containerd-snapshotter');
      assert.equal(layers.readWrite, null);
      assert.equal(layers.init, null);
      assert.equal(layers.container.name, 'dle-exited');
    });

    it('asks the Engine each time (not cached), but /info only once', async () => {
      const { engine, catalog } = catalogFor({ ...infoFixture(), DockerRootDir: '/nonexistent/docker-root' });
      await catalog.containerLayers('dle-container');
      await catalog.containerLayers('dle-container');
      assert.equal(engine.requests.filter((request) => request === 'inspectContainer dle-container').length, 2);
      assert.equal(engine.requests.filter((request) => request === 'info').length, 1);
    });

    it('rejects with EngineNotFoundError for an unknown container', async () => {
      const { catalog } = catalogFor(infoFixture());
      await assert.rejects(catalog.containerLayers('nosuch'), EngineNotFoundError);
    });
  });
});
