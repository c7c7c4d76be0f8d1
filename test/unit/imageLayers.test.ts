import * as assert from 'node:assert/strict';
import { chainIdsOf, digestHex } from '../../src/core/model/chainIds';
import { layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';
import { buildImageLayers } from '../../src/core/model/imageLayers';
import { layerDirectoriesFromGraphDriver } from '../../src/core/storage/graphDriverDirectories';
import { LayerdbEntry } from '../../src/core/storage/layerdb';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { IMAGE_FIXTURE_NAMES, ImageFixture, ImageFixtureName, LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';

function layerdbEntriesOf(fixture: ImageFixture): LayerdbEntry[] {
  return chainIdsOf(fixture.inspect.RootFS?.Layers ?? []).map((chainId) => {
    const raw = fixture.layerdb[digestHex(chainId)];
    return { chainId, cacheId: raw.cacheId, diffId: raw.diff, parentChainId: raw.parent ?? undefined, size: Number(raw.size) };
  });
}

/** As ImageCatalog builds it for root: layerdb + image config. */
function asRoot(name: ImageFixtureName) {
  const fixture = imageFixture(name);
  const layerCount = fixture.inspect.RootFS?.Layers?.length ?? 0;
  return buildImageLayers({
    inspect: fixture.inspect,
    history: layerHistoryFromConfig(fixture.config, layerCount),
    storage: storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT),
    layerdb: layerdbEntriesOf(fixture),
    graphDriver: layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, layerCount),
  });
}

/** As ImageCatalog builds it for a non-root user: Engine history + GraphDriver only. */
function asUser(name: ImageFixtureName) {
  const fixture = imageFixture(name);
  const layerCount = fixture.inspect.RootFS?.Layers?.length ?? 0;
  return buildImageLayers({
    inspect: fixture.inspect,
    history: layerHistoryFromEngine(fixture.history, layerCount),
    storage: storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT),
    graphDriver: layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, layerCount),
  });
}

describe('buildImageLayers', () => {
  it('builds dle-app from inspect + config + layerdb with the recorded cache IDs, folders, sizes and steps', () => {
    const result = asRoot('dle-app');
    const fixture = imageFixture('dle-app');
    const cacheIds = recordedCacheIds(fixture);
    assert.equal(result.image.id, fixture.inspect.Id);
    assert.deepEqual(result.image.tags, ['dle-app:1.0', 'dle-app:latest']);
    assert.equal(result.historySource, 'image config');
    assert.equal(result.directoryNote, undefined);
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
      assert.equal(layer.layerDir, `/var/lib/docker/overlay2/${layer.cacheId}`);
      assert.equal(layer.diffDir, `/var/lib/docker/overlay2/${layer.cacheId}/diff`);
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
    it(`gives ${name} the same cache IDs, folders, chain IDs and steps from GraphDriver + Engine history (non-root) as from the layerdb`, () => {
      const root = asRoot(name);
      const user = asUser(name);
      assert.equal(user.historySource, 'engine history (inferred)');
      const key = (result: typeof root) =>
        result.layers.map((layer) => ({
          chainId: layer.chainId,
          diffId: layer.diffId,
          cacheId: layer.cacheId,
          layerDir: layer.layerDir,
          diffDir: layer.diffDir,
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

  it('leaves the dangling image untagged and the base image with one layer', () => {
    assert.deepEqual(asRoot('dangling').image.tags, []);
    const base = asRoot('dle-base');
    assert.equal(base.layers.length, 1);
    assert.equal(base.layers[0].chainId, base.layers[0].diffId);
  });

  it('gives null folders and a directoryNote on the containerd image store', () => {
    const fixture = imageFixture('dle-app');
    const inspect = { ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } };
    const storage = storageProfileOf(
      { ...infoFixture(), Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] },
      LOCAL_SOCKET_ENDPOINT,
    );
    const result = buildImageLayers({
      inspect,
      history: layerHistoryFromEngine(fixture.history, 6),
      storage,
      graphDriver: layerDirectoriesFromGraphDriver(inspect.GraphDriver, 6),
    });
    assert.equal(result.layers.length, 6);
    for (const layer of result.layers) {
      assert.equal(layer.cacheId, null);
      assert.equal(layer.layerDir, null);
      assert.equal(layer.diffDir, null);
      assert.equal(layer.cacheIdSource, undefined);
    }
    assert.equal(result.directoryNote, storage.limitation);
    assert.match(result.directoryNote ?? '', /containerd image store/);
    // Chain IDs do not depend on the storage.
    assert.deepEqual(
      result.layers.map((layer) => layer.chainId),
      chainIdsOf(fixture.inspect.RootFS?.Layers ?? []),
    );
  });

  it('gives a generic directoryNote when the Engine reports no folders on overlay2', () => {
    const fixture = imageFixture('dle-app');
    const result = buildImageLayers({
      inspect: fixture.inspect,
      history: layerHistoryFromConfig(fixture.config, 6),
      storage: storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT),
    });
    assert.ok(result.layers.every((layer) => layer.cacheId === null && layer.size === null && layer.sizeSource === undefined));
    assert.match(result.directoryNote ?? '', /did not report a folder/);
  });

  it('leaves steps off the layers when the history is unmatched', () => {
    const fixture = imageFixture('dle-app');
    const result = buildImageLayers({
      inspect: fixture.inspect,
      history: layerHistoryFromEngine(fixture.history, 99),
      storage: storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT),
      graphDriver: layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, 6),
    });
    assert.equal(result.historySource, 'unmatched');
    assert.ok(result.layers.every((layer) => layer.step === undefined && layer.size === null));
    assert.deepEqual(
      result.layers.map((layer) => layer.cacheId),
      recordedCacheIds(fixture),
    );
  });
});
