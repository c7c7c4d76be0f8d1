import * as assert from 'node:assert/strict';
import * as path from 'path';
import { chainIdsOf, digestHex } from '../../src/core/model/chainIds';
import { layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';
import { ImageLayers, buildImageLayers } from '../../src/core/model/imageLayers';
import { layerDocument } from '../../src/core/model/layerDocument';
import { layerDirectoriesFromGraphDriver } from '../../src/core/storage/graphDriverDirectories';
import { LayerdbEntry } from '../../src/core/storage/layerdb';
import { Overlay2Links, readOverlay2Links } from '../../src/core/storage/overlay2Links';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { skipBecause } from '../helpers/skip';
import { DATA_ROOT_FIXTURE, ImageFixture, LOCAL_SOCKET_ENDPOINT, dataRootManifest, imageFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';

function layerdbEntriesOf(fixture: ImageFixture): LayerdbEntry[] {
  return chainIdsOf(fixture.inspect.RootFS?.Layers ?? []).map((chainId) => {
    const raw = fixture.layerdb[digestHex(chainId)];
    return { chainId, cacheId: raw.cacheId, diffId: raw.diff, parentChainId: raw.parent ?? undefined, size: Number(raw.size) };
  });
}

/** dle-app as ImageCatalog builds it for root (layerdb + image config) or a docker-group user (GraphDriver + Engine history). */
function dleApp(as: 'root' | 'user'): ImageLayers {
  const fixture = imageFixture('dle-app');
  const layerCount = fixture.inspect.RootFS?.Layers?.length ?? 0;
  return buildImageLayers({
    inspect: fixture.inspect,
    history: as === 'root' ? layerHistoryFromConfig(fixture.config, layerCount) : layerHistoryFromEngine(fixture.history, layerCount),
    storage: storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT),
    layerdb: as === 'root' ? layerdbEntriesOf(fixture) : undefined,
    graphDriver: layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, layerCount),
  });
}

interface HistoryJson {
  created: string | null;
  createdBy: string | null;
  step: string;
  comment: string | null;
  emptyLayer: boolean;
}
interface LowerJson {
  link: string;
  cacheId: string | null;
  layerIndex: number | null;
}
/** The parts of the document the tests read. */
interface LayerDocumentJson {
  image: { id: string; tags: string[] };
  layer: { index: number; of: number; diffId: string; chainId: string; parentChainId: string | null; cacheId: string | null; size: number | null };
  history: HistoryJson[];
  folder: { layerDir: string | null; diffDir: string | null; link: string | null; lower: LowerJson[] | null; note: string | null };
  sources: Record<string, string | null>;
}

const documentOf = (image: ImageLayers, index: number, links?: Overlay2Links) => layerDocument(image, index, links) as unknown as LayerDocumentJson;

describe('layerDocument', () => {
  for (const as of ['root', 'user'] as const) {
    describe(`dle-app as ${as === 'root' ? 'root (image config)' : 'a docker-group user (Engine history, inferred)'}`, () => {
      const image = dleApp(as);

      it('gives each layer the steps since the previous layer: layer 1 has LABEL and ENV before its RUN', () => {
        const steps = image.layers.map((layer) => documentOf(image, layer.index).history.map((entry) => entry.step.split(' ')[0]));
        // The top layer also carries the metadata steps after it (WORKDIR, CMD).
        assert.deepEqual(steps, [['dle-base:'], ['LABEL', 'ENV', 'RUN'], ['COPY'], ['COPY'], ['RUN'], ['RUN', 'WORKDIR', 'CMD']]);
        const layer1 = documentOf(image, 1).history;
        assert.deepEqual(
          layer1.map((entry) => entry.emptyLayer),
          [true, true, false],
          'only the last step of a layer made it',
        );
        assert.match(layer1[0].createdBy ?? '', /LABEL dockerLayers\.test=1/);
        assert.match(layer1[1].createdBy ?? '', /ENV APP_HOME=\/app GREETING=hello/);
        assert.match(layer1[2].createdBy ?? '', /^\/bin\/sh -c mkdir -p \/app\/old \/data/);
        assert.equal(documentOf(image, 5).history[0].step, 'RUN touch /empty');
      });

      it('puts every step into exactly one layer document, in order (trailing metadata steps in the top one)', () => {
        const all = image.layers.flatMap((layer) => documentOf(image, layer.index).history.map((entry) => entry.createdBy ?? entry.comment));
        assert.equal(image.layers[image.layers.length - 1].step?.position, 7);
        assert.equal(image.steps.length, 10);
        assert.deepEqual(
          all,
          image.steps.map((step) => step.createdBy ?? step.comment),
        );
      });

      it('gives IDs, position and size of the layer, and its folder', () => {
        const cacheIds = recordedCacheIds(imageFixture('dle-app'));
        const document = documentOf(image, 3);
        assert.deepEqual(document.image, { id: image.image.id, tags: ['dle-app:1.0', 'dle-app:latest'] });
        assert.deepEqual(document.layer, {
          index: 3,
          of: 6,
          diffId: image.layers[3].diffId,
          chainId: image.layers[3].chainId,
          parentChainId: image.layers[2].chainId,
          cacheId: cacheIds[3],
          size: 76,
        });
        assert.equal(document.folder.layerDir, `/var/lib/docker/overlay2/${cacheIds[3]}`);
        assert.equal(document.folder.diffDir, `/var/lib/docker/overlay2/${cacheIds[3]}/diff`);
        assert.equal(documentOf(image, 0).layer.parentChainId, null);
      });
    });
  }

  it('says where each value came from: layerdb for root, GraphDriver data and Engine history for a user', () => {
    const root = documentOf(dleApp('root'), 2).sources;
    const chainHex = digestHex(dleApp('root').layers[2].chainId);
    assert.equal(root.cacheId, `layerdb/sha256/${chainHex}/cache-id`);
    assert.equal(root.size, 'layerdb size file');
    assert.match(root.history ?? '', /^image config/);
    assert.equal(root.diffId, 'image inspect RootFS.Layers[2]');
    assert.match(root.chainId ?? '', /^computed/);

    const user = documentOf(dleApp('user'), 2).sources;
    assert.match(user.cacheId ?? '', /^image inspect GraphDriver\.Data/);
    assert.equal(user.size, 'Engine image history (Size)');
    assert.match(user.history ?? '', /inferred/);
    assert.match(documentOf(dleApp('user'), 0).sources.chainId ?? '', /diff ID of the bottom layer/);
  });

  it('says the history could not be matched, and lists no steps, when it was not', () => {
    const fixture = imageFixture('dle-app');
    const image = buildImageLayers({
      inspect: fixture.inspect,
      // Five layers' worth of history for six layers: nothing fits.
      history: layerHistoryFromConfig(fixture.config, 5),
      storage: storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT),
      graphDriver: layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, 6),
    });
    assert.equal(image.historySource, 'unmatched');
    const document = documentOf(image, 1);
    assert.deepEqual(document.history, []);
    assert.match(document.sources.history ?? '', /could not be matched/);
  });

  describe('folder links', () => {
    before(function () {
      if (!dataRootManifest()) {
        skipBecause(this, `no ${DATA_ROOT_FIXTURE}/fixture-manifest.json: the data-root fixture is not recorded`);
      }
    });

    it("resolves the top layer's lower entries to the indexes of the layers below it", async () => {
      const image = dleApp('root');
      const links = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', image.layers[5].cacheId ?? ''));
      const document = documentOf(image, 5, links);
      assert.equal(document.folder.link, links.link);
      assert.deepEqual(
        document.folder.lower?.map((lower) => lower.layerIndex),
        [4, 3, 2, 1, 0],
      );
      assert.deepEqual(
        document.folder.lower?.map((lower) => lower.cacheId),
        [4, 3, 2, 1, 0].map((index) => image.layers[index].cacheId),
      );
      assert.equal(document.folder.note, null);
    });

    it("resolves the two same-diff-ID COPY layers to their own indexes (keyed by cache ID, not diff ID)", async () => {
      const image = dleApp('user');
      const links = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', image.layers[4].cacheId ?? ''));
      assert.deepEqual(
        documentOf(image, 4, links).folder.lower?.map((lower) => lower.layerIndex),
        [3, 2, 1, 0],
      );
    });
  });

  it('gives layerIndex null for a lower entry of another image or one that did not resolve', () => {
    const image = dleApp('root');
    const links: Overlay2Links = {
      link: 'TOPLINK',
      lower: [
        { link: 'l/OTHER', cacheId: 'f'.repeat(64) },
        { link: 'l/BROKEN', cacheId: null },
        { link: 'l/BELOW', cacheId: image.layers[4].cacheId },
      ],
    };
    assert.deepEqual(documentOf(image, 5, links).folder.lower, [
      { link: 'l/OTHER', cacheId: 'f'.repeat(64), layerIndex: null },
      { link: 'l/BROKEN', cacheId: null, layerIndex: null },
      { link: 'l/BELOW', cacheId: image.layers[4].cacheId, layerIndex: 4 },
    ]);
  });

  it('without links, leaves link and lower null and says why in a note', () => {
    const document = documentOf(dleApp('user'), 0);
    assert.equal(document.folder.link, null);
    assert.equal(document.folder.lower, null);
    assert.match(document.folder.note ?? '', /not readable by this user/);
    const remote = { ...dleApp('user'), storage: storageProfileOf(infoFixture(), { host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' }) };
    assert.match(documentOf(remote, 0).folder.note ?? '', /10\.0\.0\.5/);
  });

  for (const index of [-1, 6, 100, 1.5, Number.NaN]) {
    it(`throws for layer index ${index} (dle-app has 6 layers), naming the image`, () => {
      assert.throws(() => layerDocument(dleApp('root'), index, undefined), (error: Error) => {
        assert.equal(error.message, `dle-app:1.0 has no layer ${index}`);
        return true;
      });
    });
  }

  it('names an untagged image by its ID when the index is out of range', () => {
    const image = { ...dleApp('root'), image: { ...dleApp('root').image, tags: [] } };
    assert.throws(() => layerDocument(image, 6, undefined), new RegExp(`^Error: ${image.image.id} has no layer 6$`));
  });
});
