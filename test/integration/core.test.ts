/**
 * The core (ImageCatalog over EngineClient + resolveEndpoint) against the real dockerd and its disk.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { digestHex } from '../../src/core/digest';
import { instructionOf } from '../../src/core/model/buildStep';
import { ImageLayers } from '../../src/core/model/imageLayers';
import { skipBecause } from '../helpers/skip';
import { Daemon, REPO_ROOT, TestImages, dockerfileInstructions, requireDaemon } from './helpers/daemon';

describe('core against the real dockerd', function () {
  let daemon: Daemon;
  let layersOf: Record<keyof TestImages, ImageLayers>;

  before(async function () {
    daemon = await requireDaemon(this);
    const catalog = daemon.catalog();
    const entries = Object.entries(daemon.images) as [keyof TestImages, { Id: string }][];
    const loaded = await Promise.all(entries.map(async ([role, image]) => [role, await catalog.imageLayers(image.Id)] as const));
    layersOf = Object.fromEntries(loaded) as Record<keyof TestImages, ImageLayers>;
  });

  it('sees a local overlay2 daemon whose data root is DockerRootDir', async () => {
    const storage = await daemon.catalog().storage();
    assert.equal(storage.kind, 'overlay2', 'the integration tests need the overlay2 graph driver');
    assert.equal(storage.location, 'local');
    assert.equal(storage.dataRoot, daemon.info.DockerRootDir);
    assert.ok(storage.dataRoot);
  });

  describe('agrees with the layerdb on disk (root)', () => {
    let layerdb: string;
    before(function () {
      if (process.getuid?.() !== 0) {
        skipBecause(this, `not root (uid ${process.getuid?.()}): ${daemon.info.DockerRootDir} cannot be read`);
      }
      layerdb = path.join(daemon.info.DockerRootDir ?? '', 'image', 'overlay2', 'layerdb', 'sha256');
      assert.ok(fs.statSync(layerdb).isDirectory(), `${layerdb} exists`);
    });

    const read = (chainId: string, file: string) => fs.readFileSync(path.join(layerdb, digestHex(chainId), file), 'utf8').trim();

    for (const role of ['base', 'app', 'shared', 'danglingSuccessor', 'dangling'] as (keyof TestImages)[]) {
      it(`${role}: every layer's chain ID, cache ID, diff folder and size match layerdb/sha256/<chain>/…`, () => {
        const { layers, image } = layersOf[role];
        assert.ok(layers.length > 0);
        const chainIds = chainIdsOf(layers.map((layer) => layer.diffId));
        for (const layer of layers) {
          const where = `${image.id} layer ${layer.index}`;
          assert.equal(layer.chainId, chainIds[layer.index], where);
          assert.ok(fs.statSync(path.join(layerdb, digestHex(layer.chainId))).isDirectory(), `${where}: layerdb folder named by its chain ID`);
          assert.equal(layer.cacheId, read(layer.chainId, 'cache-id'), where);
          assert.equal(layer.diffId, read(layer.chainId, 'diff'), where);
          if (layer.index > 0) {
            assert.equal(read(layer.chainId, 'parent'), layers[layer.index - 1].chainId, where);
          }
          assert.equal(layer.size, Number(read(layer.chainId, 'size')), where);
          assert.equal(layer.sizeSource, 'layerdb', where);
          assert.equal(layer.cacheIdSource, 'layerdb', where);
          assert.equal(layer.diffDir, `${daemon.info.DockerRootDir}/overlay2/${layer.cacheId}/diff`, where);
          assert.ok(fs.statSync(layer.diffDir).isDirectory(), `${where}: ${layer.diffDir} exists`);
        }
        assert.equal(layersOf[role].historySource, 'image config');
      });
    }
  });

  it('dle-app: the steps are the Dockerfile steps in order, and each layer has the step that made it', () => {
    const app = layersOf.app;
    const base = layersOf.base;
    const dockerfile = dockerfileInstructions(path.join(REPO_ROOT, 'test', 'setup', 'images', 'dle-app', 'Dockerfile')).filter(([keyword]) => keyword !== 'FROM');
    assert.equal(dockerfile.length, 9, 'test/setup/images/dle-app/Dockerfile has 9 steps after FROM');
    const ownSteps = app.steps.slice(base.steps.length);
    assert.deepEqual(
      ownSteps.map((step) => instructionOf(step.step)),
      dockerfile.map(([keyword]) => keyword),
    );
    ownSteps.forEach((step, index) => {
      const [keyword, rest] = dockerfile[index];
      if (keyword === 'RUN' || keyword === 'WORKDIR' || keyword === 'ENV') {
        assert.equal(step.step, `${keyword} ${rest}`);
      }
    });
    // Layers: the base's, then one per RUN/COPY in Dockerfile order; metadata steps have none.
    const layerMaking = dockerfile.filter(([keyword]) => keyword === 'RUN' || keyword === 'COPY');
    assert.equal(app.layers.length, base.layers.length + layerMaking.length);
    assert.deepEqual(
      app.layers.slice(base.layers.length).map((layer) => instructionOf(layer.step?.step ?? '')),
      layerMaking.map(([keyword]) => keyword),
    );
    assert.equal(app.layers[app.layers.length - 1].step?.step, 'RUN touch /empty');
    assert.equal(app.layers[app.layers.length - 1].size, 0, 'RUN touch /empty is a real layer of size 0');
    assert.deepEqual(
      ownSteps.filter((step) => step.layerIndex === undefined).map((step) => instructionOf(step.step)),
      ['LABEL', 'ENV', 'WORKDIR', 'CMD'],
    );
  });

  it('dle-app: two layers share a diff ID, with different chain IDs and cache IDs', () => {
    const { layers } = layersOf.app;
    const byDiffId = new Map<string, typeof layers>();
    for (const layer of layers) {
      byDiffId.set(layer.diffId, [...(byDiffId.get(layer.diffId) ?? []), layer]);
    }
    const twins = [...byDiffId.values()].filter((group) => group.length > 1);
    assert.equal(twins.length, 1, 'exactly one diff ID appears twice');
    const [first, second] = twins[0];
    assert.deepEqual([first.index, second.index], [2, 3]);
    assert.notEqual(first.chainId, second.chainId);
    assert.ok(first.cacheId && second.cacheId);
    assert.notEqual(first.cacheId, second.cacheId);
    assert.notEqual(first.diffDir, second.diffDir);
  });

  it('dle-app:1.0 and dle-app:latest are one image with both tags', async () => {
    const catalog = daemon.catalog();
    const [byVersion, byLatest, byName] = await Promise.all(['dle-app:1.0', 'dle-app:latest', 'dle-app'].map((reference) => catalog.imageLayers(reference)));
    assert.equal(byVersion.image.id, byLatest.image.id);
    assert.equal(byName.image.id, byVersion.image.id);
    assert.deepEqual([...byVersion.image.tags].sort(), ['dle-app:1.0', 'dle-app:latest']);
    const listed = (await catalog.listImages()).filter((image) => image.id === byVersion.image.id);
    assert.equal(listed.length, 1, 'listed once');
    assert.deepEqual([...listed[0].tags].sort(), ['dle-app:1.0', 'dle-app:latest']);
  });

  it('the dangling image has no tags, in the list and in its layers', async () => {
    assert.deepEqual(layersOf.dangling.image.tags, []);
    const listed = (await daemon.catalog().listImages()).find((image) => image.id === daemon.images.dangling.Id);
    assert.ok(listed, 'the dangling image is listed');
    assert.deepEqual(listed.tags, []);
  });

  it('dle-base has one layer whose chain ID is its diff ID', () => {
    assert.equal(layersOf.base.layers.length, 1);
    assert.equal(layersOf.base.layers[0].chainId, layersOf.base.layers[0].diffId);
    assert.equal(layersOf.base.layers[0].parentChainId, undefined);
  });

  it("dle-shared's layer 0 is dle-app's layer 0 (same chain ID and cache ID), its layer 1 is its own", () => {
    const [sharedBase, sharedTop] = layersOf.shared.layers;
    const [appBase, appSecond] = layersOf.app.layers;
    assert.equal(sharedBase.chainId, appBase.chainId);
    assert.equal(sharedBase.cacheId, appBase.cacheId);
    assert.ok(sharedBase.cacheId);
    assert.equal(sharedBase.cacheId, layersOf.base.layers[0].cacheId);
    assert.notEqual(sharedTop.chainId, appSecond.chainId);
    assert.notEqual(sharedTop.cacheId, appSecond.cacheId);
  });

  it('a missing image is an EngineNotFoundError naming it', async () => {
    await assert.rejects(daemon.catalog().imageLayers('dle-nosuch-image:1'), (error: Error) => {
      assert.equal(error.name, 'EngineNotFoundError');
      assert.match(error.message, /dle-nosuch-image/);
      return true;
    });
  });
});
