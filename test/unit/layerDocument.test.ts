import * as assert from 'node:assert/strict';
import * as path from 'path';
import { limitationText } from '../../src/cli/limitationText';
import { digestHex } from '../../src/core/digest';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { ImageLayers } from '../../src/core/model/imageLayers';
import { layerDocument } from '../../src/core/model/layerDocument';
import { LayerFolderDetails } from '../../src/core/storage/layerStore';
import { Overlay2Links, readOverlay2Links } from '../../src/core/storage/overlay2/overlay2Links';
import { skipBecause } from '../helpers/skip';
import { DATA_ROOT_FIXTURE, LOCAL_SOCKET_ENDPOINT, dataRootManifest, imageFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';
import { RecordedEngine, dataRootAs, recordedCatalog, recordedImageLayers } from './helpers/recordedEngine';

const built: Partial<Record<'root' | 'user', ImageLayers>> = {};

/** dle-app as the catalog builds it for root (layerdb + image config) or a docker-group user (GraphDriver + Engine history). */
function dleApp(as: 'root' | 'user'): ImageLayers {
  const image = built[as];
  if (!image) {
    throw new Error('built in before()');
  }
  return structuredClone(image);
}

before(async () => {
  built.root = await recordedImageLayers('dle-app', 'root');
  built.user = await recordedImageLayers('dle-app', 'user');
});

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

const detailsOf = (links: Overlay2Links): LayerFolderDetails => ({ description: 'overlay2 links', ...links });
const documentOf = (image: ImageLayers, index: number, links?: Overlay2Links) =>
  layerDocument(image, index, links && detailsOf(links), limitationText) as unknown as LayerDocumentJson;

describe('layerDocument', () => {
  for (const as of ['root', 'user'] as const) {
    describe(`dle-app as ${as === 'root' ? 'root (image config)' : 'a docker-group user (Engine history, inferred)'}`, () => {
      let image: ImageLayers;
      before(() => {
        image = dleApp(as);
      });

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
        assert.equal(document.folder.layerDir, `${dataRootAs(as)}/overlay2/${cacheIds[3]}`);
        assert.equal(document.folder.diffDir, `${dataRootAs(as)}/overlay2/${cacheIds[3]}/diff`);
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

  it('says the history could not be matched, and lists no steps, when it was not', async () => {
    const fixture = imageFixture('dle-app');
    // Four layers' worth of history for six layers: nothing fits.
    const history = fixture.history.filter((entry) => !/payload\.txt/.test(entry.CreatedBy));
    const image = await recordedCatalog('user', undefined, undefined, { images: [{ ...fixture, history }] }).catalog.imageLayers(fixture.inspect.Id);
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
      // The whole assembly: the catalog over the recorded data root, its overlay2 store reading the links.
      const catalog = new ImageCatalog(new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: DATA_ROOT_FIXTURE }), silentLogger);
      const image = await catalog.imageLayers('dle-app:1.0');
      const links = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', image.layers[5].cacheId ?? ''));
      const document = (await catalog.layerDocument(image.image.id, 5, limitationText)) as unknown as LayerDocumentJson;
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

  it('without links, leaves link and lower null and says why in a note', async () => {
    const document = documentOf(dleApp('user'), 0);
    assert.equal(document.folder.link, null);
    assert.equal(document.folder.lower, null);
    assert.match(document.folder.note ?? '', /not readable by this user/);
    const remote = new ImageCatalog(new RecordedEngine({ host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' }, infoFixture()), silentLogger);
    const remoteDocument = (await remote.layerDocument(imageFixture('dle-app').inspect.Id, 0, limitationText)) as unknown as LayerDocumentJson;
    assert.match(remoteDocument.folder.note ?? '', /10\.0\.0\.5/);
  });

  for (const index of [-1, 6, 100, 1.5, Number.NaN]) {
    it(`throws for layer index ${index} (dle-app has 6 layers), naming the image`, () => {
      assert.throws(() => layerDocument(dleApp('root'), index, undefined, limitationText), (error: Error) => {
        assert.equal(error.message, `dle-app:1.0 has no layer ${index}`);
        return true;
      });
    });
  }

  it('names an untagged image by its ID when the index is out of range', () => {
    const image = { ...dleApp('root'), image: { ...dleApp('root').image, tags: [] } };
    assert.throws(() => layerDocument(image, 6, undefined, limitationText), new RegExp(`^Error: ${image.image.id} has no layer 6$`));
  });
});
