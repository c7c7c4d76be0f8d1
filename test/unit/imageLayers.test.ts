import * as assert from 'node:assert/strict';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { ImageLayers } from '../../src/core/model/imageLayers';
import { IMAGE_FIXTURE_NAMES, ImageFixtureName, imageFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';
import { dataRootAs, recordedCatalog, recordedImageLayers } from './helpers/recordedEngine';

/** As ImageCatalog builds it for root: layerdb + image config. */
const asRoot = (name: ImageFixtureName) => recordedImageLayers(name, 'root');
/** As ImageCatalog builds it for a non-root user: Engine history + GraphDriver only. */
const asUser = (name: ImageFixtureName) => recordedImageLayers(name, 'user');

describe('ImageCatalog.imageLayers → buildImageLayers', () => {
  it('builds dle-app from inspect + config + layerdb with the recorded cache IDs, folders, sizes and steps', async () => {
    const result = await asRoot('dle-app');
    const fixture = imageFixture('dle-app');
    const cacheIds = recordedCacheIds(fixture);
    assert.equal(result.image.id, fixture.inspect.Id);
    assert.deepEqual(result.image.tags, ['dle-app:1.0', 'dle-app:latest']);
    assert.equal(result.historySource, 'image config');
    assert.equal(result.folderLimitation, undefined);
    assert.equal(result.steps.length, 10);
    assert.deepEqual(
      result.layers.map((layer) => [layer.index, layer.cacheId, layer.size, layer.step?.step.split(' ')[0]]),
      [
        [0, cacheIds[0], 1982557, 'dle-base:'],
        [1, cacheIds[1], 22, 'RUN'],
        [2, cacheIds[2], 76, 'COPY'],
        [3, cacheIds[3], 76, 'COPY'],
        [4, cacheIds[4], 4, 'RUN'],
        [5, cacheIds[5], 0, 'RUN'],
      ],
    );
    for (const layer of result.layers) {
      assert.equal(layer.layerDir, `${dataRootAs('root')}/overlay2/${layer.cacheId}`);
      assert.equal(layer.diffDir, `${dataRootAs('root')}/overlay2/${layer.cacheId}/diff`);
      const tarSplit = `${dataRootAs('root')}/image/overlay2/layerdb/sha256/${layer.chainId.slice('sha256:'.length)}/tar-split.json.gz`;
      assert.deepEqual(layer.location, { kind: 'directory', directory: { cacheId: layer.cacheId, layerDir: layer.layerDir, diffDir: layer.diffDir, source: 'layerdb', tarSplit } });
      assert.equal(layer.cacheIdSource, 'layerdb');
      assert.equal(layer.sizeSource, 'layerdb');
    }
    assert.equal(result.layers[5].step?.step, 'RUN touch /empty');
    assert.equal(result.layers[0].parentChainId, undefined);
    assert.equal(result.layers[1].parentChainId, result.layers[0].chainId);
    // Two layers, one diff ID, two chain IDs and two folders.
    assert.equal(result.layers[2].diffId, result.layers[3].diffId);
    assert.notEqual(result.layers[2].chainId, result.layers[3].chainId);
    assert.notEqual(result.layers[2].diffDir, result.layers[3].diffDir);
  });

  for (const name of IMAGE_FIXTURE_NAMES) {
    it(`gives ${name} the same cache IDs, folders, chain IDs and steps from GraphDriver + Engine history (non-root) as from the layerdb`, async () => {
      const root = await asRoot(name);
      const user = await asUser(name);
      assert.equal(user.historySource, 'engine history (inferred)');
      // Both daemons keep their data under their own data root: compare the paths below it.
      const below = (result: ImageLayers, folder: string | null) => folder?.replace(result.storage.dataRoot ?? '', '<data root>');
      const key = (result: ImageLayers) =>
        result.layers.map((layer) => ({
          chainId: layer.chainId,
          diffId: layer.diffId,
          cacheId: layer.cacheId,
          layerDir: below(result, layer.layerDir),
          diffDir: below(result, layer.diffDir),
          createdBy: layer.step?.createdBy,
          step: layer.step?.step,
        }));
      assert.deepEqual(key(user), key(root));
      assert.ok(user.layers.every((layer) => layer.cacheIdSource === 'GraphDriver'));
      // Without the layerdb, sizes come from the Engine history; for these images they agree.
      assert.ok(user.layers.every((layer) => layer.sizeSource === 'engine history'));
      assert.deepEqual(
        user.layers.map((layer) => layer.size),
        root.layers.map((layer) => layer.size),
      );
    });
  }

  it('leaves the dangling image untagged and the base image with one layer', async () => {
    assert.deepEqual((await asRoot('dangling')).image.tags, []);
    const base = await asRoot('dle-base');
    assert.equal(base.layers.length, 1);
    assert.equal(base.layers[0].chainId, base.layers[0].diffId);
  });

  it('gives null folders and a containerd limitation on the containerd image store', async () => {
    const fixture = imageFixture('dle-app');
    const inspect = { ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } };
    const info = { ...infoFixture(), Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] as [string, string][] };
    const result = await recordedCatalog('user', info, undefined, { images: [{ ...fixture, inspect }] }).catalog.imageLayers(fixture.inspect.Id);
    assert.equal(result.layers.length, 6);
    for (const layer of result.layers) {
      assert.equal(layer.cacheId, null);
      assert.equal(layer.layerDir, null);
      assert.equal(layer.diffDir, null);
      assert.equal(layer.cacheIdSource, undefined);
      assert.deepEqual(layer.location, { kind: 'unavailable', limitation: { code: 'containerdSnapshots' } });
    }
    assert.deepEqual(result.folderLimitation, result.storage.limitation);
    assert.deepEqual(result.folderLimitation, { code: 'containerdSnapshots' });
    // Chain IDs do not depend on the storage.
    assert.deepEqual(
      result.layers.map((layer) => layer.chainId),
      chainIdsOf(fixture.inspect.RootFS?.Layers ?? []),
    );
  });

  it('says the Engine reported no folders when overlay2 GraphDriver data is missing', async () => {
    const fixture = imageFixture('dle-app');
    const result = await recordedCatalog('user', undefined, undefined, { images: [{ ...fixture, inspect: { ...fixture.inspect, GraphDriver: null } }] }).catalog.imageLayers(fixture.inspect.Id);
    assert.ok(result.layers.every((layer) => layer.cacheId === null && layer.location.kind === 'unavailable'));
    assert.deepEqual(result.folderLimitation, { code: 'notReported' });
  });

  it('leaves steps off the layers when the history is unmatched', async () => {
    const fixture = imageFixture('dle-app');
    // Two layer-making steps fewer than layers: nothing fits.
    const history = fixture.history.filter((entry) => !/payload\.txt/.test(entry.CreatedBy));
    const result = await recordedCatalog('user', undefined, undefined, { images: [{ ...fixture, history }] }).catalog.imageLayers(fixture.inspect.Id);
    assert.equal(result.historySource, 'unmatched');
    assert.ok(result.layers.every((layer) => layer.step === undefined && layer.size === null));
    assert.deepEqual(
      result.layers.map((layer) => layer.cacheId),
      recordedCacheIds(fixture),
    );
  });
});
