import * as assert from 'node:assert/strict';
import { EngineNotFoundError } from '../../src/core/engine/engineErrors';
import { EngineInfo } from '../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { skipBecause } from '../helpers/skip';
import { RecordedEngine, recordedCatalog } from './helpers/recordedEngine';
import { DATA_ROOT_FIXTURE, IMAGE_FIXTURE_NAMES, LOCAL_SOCKET_ENDPOINT, dataRootManifest, imageFixture, imagesListFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';

function catalogFor(info: EngineInfo, endpoint = LOCAL_SOCKET_ENDPOINT) {
  const engine = new RecordedEngine(endpoint, info);
  return { engine, catalog: new ImageCatalog(engine, silentLogger) };
}

describe('ImageCatalog (recorded daemon, fake Engine)', () => {
  it('lists images newest first, the dangling one untagged', async () => {
    const { catalog } = catalogFor(infoFixture());
    const images = await catalog.listImages();
    assert.equal(images.length, imagesListFixture().length);
    for (let i = 1; i < images.length; i++) {
      assert.ok(images[i - 1].created >= images[i].created);
    }
    const dangling = images.find((image) => image.id === imageFixture('dangling').inspect.Id);
    assert.deepEqual(dangling?.tags, []);
    assert.deepEqual(dangling?.digests, []);
  });

  it('reads the layerdb and the image config when the data root is readable (root)', async function () {
    if (!dataRootManifest()) {
      skipBecause(this, 'test/fixtures/data-root-overlay2 is not recorded');
    }
    const { catalog } = catalogFor({ ...infoFixture(), DockerRootDir: DATA_ROOT_FIXTURE });
    const layers = await catalog.imageLayers('dle-app:1.0');
    assert.equal(layers.historySource, 'image config');
    assert.ok(layers.layers.every((layer) => layer.cacheIdSource === 'layerdb' && layer.sizeSource === 'layerdb'));
    const fixture = imageFixture('dle-app');
    assert.deepEqual(
      layers.layers.map((layer) => layer.cacheId),
      recordedCacheIds(fixture),
    );
    assert.deepEqual(
      layers.layers.map((layer) => layer.diffDir),
      recordedCacheIds(fixture).map((cacheId) => `${DATA_ROOT_FIXTURE}/overlay2/${cacheId}/diff`),
    );
    assert.equal(layers.layers[5].step?.step, 'RUN touch /empty');
  });

  it('falls back to GraphDriver data and the Engine history when the layerdb cannot be read', async () => {
    const { catalog } = catalogFor({ ...infoFixture(), DockerRootDir: '/nonexistent/docker-root' });
    const layers = await catalog.imageLayers('dle-app');
    assert.equal(layers.historySource, 'engine history (inferred)');
    assert.ok(layers.layers.every((layer) => layer.cacheIdSource === 'GraphDriver' && layer.sizeSource === 'engine history'));
    assert.deepEqual(
      layers.layers.map((layer) => layer.diffDir),
      recordedCacheIds(imageFixture('dle-app')).map((cacheId) => `/nonexistent/docker-root/overlay2/${cacheId}/diff`),
    );
    assert.equal(layers.layers[5].step?.createdBy, '/bin/sh -c touch /empty');
  });

  it('does not read the local disk for a remote daemon', async () => {
    const { catalog } = catalogFor({ ...infoFixture(), DockerRootDir: DATA_ROOT_FIXTURE }, { host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' });
    const layers = await catalog.imageLayers('dle-shared');
    assert.equal(layers.storage.location, 'remote');
    assert.ok(layers.layers.every((layer) => layer.cacheIdSource === 'GraphDriver'));
  });

  it('caches layers under the full image ID until invalidate(), never under a name, and not failures', async () => {
    const { engine, catalog } = catalogFor({ ...infoFixture(), DockerRootDir: '/nonexistent/docker-root' });
    const first = await catalog.imageLayers('dle-base');
    const byId = await catalog.imageLayers(first.image.id);
    const byIdAgain = await catalog.imageLayers(first.image.id);
    assert.equal(byIdAgain, byId, 'cached under the ID');
    assert.deepEqual(byId, first);
    assert.equal(engine.requests.filter((request) => request.startsWith('inspect')).length, 2, 'a name is asked each time: tags move');
    assert.equal(engine.requests.filter((request) => request === 'info').length, 1);
    await assert.rejects(catalog.imageLayers('nosuch'), EngineNotFoundError);
    await assert.rejects(catalog.imageLayers('nosuch'), EngineNotFoundError);
    assert.equal(engine.requests.filter((request) => request === 'inspect nosuch').length, 2, 'a failure is asked again');
    catalog.invalidate();
    assert.notEqual(await catalog.imageLayers(first.image.id), byId);
    assert.equal(engine.requests.filter((request) => request === 'info').length, 2);
  });
});

describe('ImageCatalog as root: images just listed come from disk, with no Engine request each', () => {
  it('gives every recorded image exactly what inspect and history give, without asking for them', async () => {
    for (const name of IMAGE_FIXTURE_NAMES) {
      const id = imageFixture(name).inspect.Id;
      const fromEngine = await recordedCatalog('root').catalog.imageLayers(id);
      const { engine, catalog } = recordedCatalog('root');
      await catalog.listImages();
      const fromDisk = await catalog.imageLayers(id);
      assert.deepEqual(engine.requests.filter((request) => request.startsWith('inspect') || request.startsWith('history')), [], `${name}: no inspect or history`);
      assert.deepEqual(fromDisk, fromEngine, name);
    }
  });

  it('asks the Engine for an image not in the last list, and as a docker-group user', async () => {
    const id = imageFixture('dle-app').inspect.Id;
    const unlisted = recordedCatalog('root');
    await unlisted.catalog.imageLayers(id);
    assert.deepEqual(unlisted.engine.requests.filter((request) => request.endsWith(id)), [`inspect ${id}`, `history ${id}`]);
    const user = recordedCatalog('user');
    await user.catalog.listImages();
    await user.catalog.imageLayers(id);
    assert.deepEqual(user.engine.requests.filter((request) => request.endsWith(id)), [`inspect ${id}`, `history ${id}`]);
  });
});
