import * as assert from 'node:assert/strict';
import { formatImagesText } from '../../src/cli/commands/ls';
import { changesContainers, changesImages } from '../../src/core/engine/relevantEvents';
import { eventAction } from '../../src/core/engine/engineEventStream';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';
import { ImageLayers } from '../../src/core/model/imageLayers';
import { imageSummaryFromList } from '../../src/core/model/image';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import {
  PODMAN_SOCKET_ENDPOINT,
  PODMAN_STORAGE_ROOT,
  podmanContainerInspect,
  podmanEventsFixture,
  podmanImageFixture,
  podmanImagesListFixture,
  podmanInfoFixture,
} from './helpers/podmanFixtures';
import { RecordedEngine } from './helpers/recordedEngine';

const podmanStorage = () => storageProfileOf(podmanInfoFixture(), PODMAN_SOCKET_ENDPOINT);

/** GraphDriver diff folders of the recorded image, bottom first: LowerDir lists the others top to bottom. */
function graphDriverDiffDirsBottomFirst(): string[] {
  const data = podmanImageFixture().inspect.GraphDriver?.Data;
  assert.ok(data?.UpperDir && data.LowerDir, 'fixture: the recorded image inspect has UpperDir and LowerDir');
  return [data.UpperDir, ...data.LowerDir.split(':')].reverse();
}

/** The production catalog over the recorded Podman daemon. */
function podmanCatalog(): ImageCatalog {
  const image = podmanImageFixture();
  const container = podmanContainerInspect();
  const engine = new RecordedEngine(PODMAN_SOCKET_ENDPOINT, podmanInfoFixture(), {
    images: [{ inspect: image.inspect, history: image.history, config: { history: image.configHistory }, layerdb: {}, overlayEntries: {} }],
    containers: [{ inspect: container, mounts: { mountId: '', initId: '', parent: '' }, overlayEntries: {} }],
  });
  return new ImageCatalog(engine, silentLogger);
}

/** As ImageCatalog builds it for a Podman daemon: no layerdb, so Engine history + GraphDriver (root or not). */
function podmanImageLayers(): Promise<ImageLayers> {
  return podmanCatalog().imageLayers(podmanImageFixture().inspect.Id);
}

describe('Podman 4.3 Docker-compatible API (recorded)', () => {
  describe('storageProfileOf', () => {
    it('reads Podman /info on a local unix socket as local "overlay" storage at /var/lib/containers/storage, no limitation', () => {
      assert.deepEqual(podmanStorage(), {
        kind: 'overlay',
        driver: 'overlay',
        dataRoot: PODMAN_STORAGE_ROOT,
        location: 'local',
        rootless: false,
        limitation: undefined,
      });
    });
  });

  describe('image list', () => {
    it('names images with Podman\'s localhost/ prefix and keeps the recorded size', () => {
      const app = podmanImagesListFixture().map(imageSummaryFromList).find((image) => image.id === podmanImageFixture().inspect.Id);
      assert.ok(app, 'dle-podman-app is in images.json');
      assert.deepEqual(app.tags, ['localhost/dle-podman-app:1.0']);
      assert.ok(app.size > 0);
    });
  });

  describe('history ↔ layer mapping', () => {
    it('infers from the compat history (no empty_layer) the same layer steps as the image config says', () => {
      const fixture = podmanImageFixture();
      const inferred = layerHistoryFromEngine(fixture.history, 5);
      const truth = layerHistoryFromConfig({ history: fixture.configHistory }, 5);
      assert.equal(inferred.source, 'engine history (inferred)');
      assert.equal(truth.source, 'image config');
      const key = (steps: typeof truth.steps) => steps.map(({ position, step, emptyLayer, layerIndex }) => ({ position, step, emptyLayer, layerIndex }));
      assert.deepEqual(key(inferred.steps), key(truth.steps));
      // ENV and CMD are the two metadata-only steps (buildah marks them empty_layer).
      assert.deepEqual(
        truth.steps.filter((step) => step.emptyLayer).map((step) => step.step),
        ['ENV APP_MODE=test', 'CMD ["/bin/sh"]'],
      );
    });
  });

  describe('buildImageLayers (GraphDriver, as ImageCatalog does for Podman)', () => {
    it('gives one folder per layer, bottom first, equal to UpperDir/LowerDir, with the folder name as cache ID', async () => {
      const result = await podmanImageLayers();
      const diffDirs = graphDriverDiffDirsBottomFirst();
      assert.equal(result.layers.length, 5);
      assert.deepEqual(
        result.layers.map((layer) => layer.diffDir),
        diffDirs,
      );
      for (const layer of result.layers) {
        assert.match(layer.diffDir ?? '', new RegExp(`^${PODMAN_STORAGE_ROOT}/overlay/[0-9a-f]{64}/diff$`));
        assert.equal(layer.layerDir, `${PODMAN_STORAGE_ROOT}/overlay/${layer.cacheId}`);
        assert.equal(layer.diffDir, `${layer.layerDir}/diff`);
        assert.equal(layer.cacheIdSource, 'GraphDriver');
      }
      assert.equal(result.layers[result.layers.length - 1].diffDir, podmanImageFixture().inspect.GraphDriver?.Data?.UpperDir, 'the top layer is UpperDir');
      assert.equal(result.folderLimitation, undefined);
    });

    it('ties each layer to its build step, with sizes from the Engine history', async () => {
      const result = await podmanImageLayers();
      assert.equal(result.historySource, 'engine history (inferred)');
      assert.deepEqual(
        result.layers.map((layer) => layer.step?.step.replace(/file:[0-9a-f]{64}/, 'file:…')),
        ['ADD file:… in /', 'RUN mkdir -p /data && echo "written by RUN" > /data/run.txt', 'COPY file:… in /payload.txt', 'COPY file:… in /payload.txt', 'RUN touch /empty'],
      );
      assert.ok(result.layers.every((layer) => layer.sizeSource === 'engine history' && (layer.size ?? 0) > 0));
      assert.equal(result.steps.length, 7, 'ENV and CMD are steps without a layer');
    });

    it('keeps the two identical COPY layers apart: one diff ID, two chain IDs, two folders', async () => {
      const [, , first, second] = (await podmanImageLayers()).layers;
      assert.equal(first.diffId, second.diffId);
      assert.notEqual(first.chainId, second.chainId);
      assert.notEqual(first.cacheId, second.cacheId);
      assert.notEqual(first.diffDir, second.diffDir);
    });

    it('names the imported base layer\'s folder after its diff ID (containers-storage), the others randomly', async () => {
      const layers = (await podmanImageLayers()).layers;
      assert.equal(`sha256:${layers[0].cacheId}`, layers[0].diffId);
      assert.ok(layers.slice(1).every((layer) => `sha256:${layer.cacheId}` !== layer.diffId && `sha256:${layer.cacheId}` !== layer.chainId));
    });
  });

  describe('containerLayers', () => {
    it('takes the read-write folder from UpperDir; Podman has no -init layer, so init is null', async () => {
      const inspect = podmanContainerInspect();
      const data = inspect.GraphDriver?.Data;
      assert.ok(data?.UpperDir && data.LowerDir, 'fixture: the recorded container inspect has GraphDriver paths');
      const layers = await podmanCatalog().containerLayers(inspect.Id);
      const mountId = /\/overlay\/([0-9a-f]{64})\/diff$/.exec(data.UpperDir)?.[1];
      assert.ok(mountId);
      assert.deepEqual(layers.readWrite, {
        cacheId: mountId,
        layerDir: `${PODMAN_STORAGE_ROOT}/overlay/${mountId}`,
        diffDir: `${PODMAN_STORAGE_ROOT}/overlay/${mountId}/diff`,
        source: 'GraphDriver',
      });
      assert.equal(layers.init, null);
      assert.ok(!data.LowerDir.includes('-init'), 'no -init folder anywhere in LowerDir');
      // LowerDir is exactly the image's layers, top first: the image's UpperDir comes first.
      assert.deepEqual(data.LowerDir.split(':'), [...graphDriverDiffDirsBottomFirst()].reverse());
      assert.equal(layers.container.name, 'dle-podman-container');
      assert.equal(layers.container.imageId, podmanImageFixture().inspect.Id);
      assert.equal(layers.container.state, 'created');
    });
  });

  describe('events', () => {
    const actions = (type: string) =>
      podmanEventsFixture()
        .filter((event) => event.Type === type)
        .map(eventAction);

    it('recorded Podman\'s action names: tag/untag/delete for images, create/commit/remove for containers', () => {
      assert.deepEqual(actions('image'), ['tag', 'untag', 'delete', 'untag', 'delete']);
      assert.deepEqual(actions('container'), ['create', 'commit', 'remove']);
    });

    it('refreshes images on every recorded image event and on the container commit', () => {
      const events = podmanEventsFixture();
      assert.ok(events.filter((event) => event.Type === 'image').every(changesImages));
      assert.ok(changesImages(events.find((event) => eventAction(event) === 'commit')!));
    });

    it('refreshes containers when Podman creates one', () => {
      assert.ok(changesContainers(podmanEventsFixture().find((event) => event.Type === 'container' && eventAction(event) === 'create')!));
    });

    it('refreshes containers when Podman removes one (action "remove", not "destroy")', () => {
      const removed = podmanEventsFixture().find((event) => event.Type === 'container' && eventAction(event) === 'remove');
      assert.ok(removed, 'fixture: a container remove event was recorded');
      assert.equal(changesContainers(removed), true);
    });
  });

  describe('docker-layers ls text', () => {
    it('does not tell the user to run as root for the exact mapping on Podman storage (there is no layerdb)', async () => {
      const text = formatImagesText([await podmanImageLayers()]);
      assert.match(text, /a guess/);
      assert.doesNotMatch(text, /run as root/);
    });
  });
});
