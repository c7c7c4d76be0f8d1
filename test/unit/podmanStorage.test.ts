/**
 * containers-storage's own metadata (layers.json, images.json, containers.json, the image configs),
 * as Podman 4.3 wrote it here (test/fixtures/podman-4.3/storage, record-podman-fixtures.mjs
 * --storage), with the same images through the Docker-compatible API beside it (api.json): the
 * folders the metadata gives must be the ones Podman itself reports in GraphDriver data.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContainerInspect, EngineInfo, ImageInspect } from '../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { Logger } from '../../src/core/logger';
import { chainIdsOf } from '../../src/core/model/chainIds';
import {
  ContainersStorageMetadata,
  ContainersStorageMetadataError,
  LAYERS_JSON,
  MAX_METADATA_BYTES,
  bigDataFileName,
  layerChainOf,
  parseImagesJson,
  parseLayersJson,
  readCapped,
} from '../../src/core/storage/containersStorage/containersStorageMetadata';
import { ContainersStorageStore } from '../../src/core/storage/containersStorage/containersStorageStore';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { PODMAN_FIXTURES, PODMAN_SOCKET_ENDPOINT, podmanInfoFixture } from './helpers/podmanFixtures';
import { RecordedEngine } from './helpers/recordedEngine';

const STORAGE_FIXTURE = path.join(PODMAN_FIXTURES, 'storage');
const APP = 'localhost/dle-podman-app:1.0';
const CHANGES = 'localhost/dle-podman-changes:1.0';
const BASE = 'localhost/dle-podman-base:latest';

interface RecordedApi {
  storageRoot: string;
  version: string;
  images: Record<string, ImageInspect>;
  container: ContainerInspect;
}

/** The API answers with their paths moved from where they were recorded to `root`. */
function recordedApi(root = STORAGE_FIXTURE): RecordedApi {
  const text = fs.readFileSync(path.join(STORAGE_FIXTURE, 'api.json'), 'utf8');
  const { storageRoot } = JSON.parse(text) as RecordedApi;
  return JSON.parse(text.split(storageRoot).join(root)) as RecordedApi;
}

/** GraphDriver folder names, bottom first (UpperDir is the top layer, LowerDir the rest top down). */
function graphDriverLayerIds(inspect: { GraphDriver?: { Data?: Record<string, string> | null } | null }): string[] {
  const data = inspect.GraphDriver?.Data;
  assert.ok(data?.UpperDir, 'fixture: GraphDriver data recorded');
  return [data.UpperDir, ...(data.LowerDir ? data.LowerDir.split(':') : [])].reverse().map((diff) => path.basename(path.dirname(diff)));
}

const podmanInfo = (root: string): EngineInfo => ({ ...podmanInfoFixture(), DockerRootDir: root });
const profileAt = (root: string) => storageProfileOf(podmanInfo(root), PODMAN_SOCKET_ENDPOINT);

function capturingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, trace() {}, info() {}, warn: (message) => warnings.push(message), error: (message) => warnings.push(message) };
}

/** A copy of the recorded storage in a temporary folder, to change. */
function scratchStorage(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-podman-storage-'));
  fs.cpSync(STORAGE_FIXTURE, root, { recursive: true });
  return root;
}

describe('Podman 4.3 containers-storage metadata (recorded)', () => {
  const scratch: string[] = [];
  const newScratch = () => {
    const root = scratchStorage();
    scratch.push(root);
    return root;
  };
  after(() => scratch.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

  describe('layerChainOf', () => {
    it("walks each image's parent chain to the folders Podman reports in GraphDriver data", async () => {
      const metadata = new ContainersStorageMetadata(STORAGE_FIXTURE);
      for (const [name, inspect] of Object.entries(recordedApi().images)) {
        const chain = await metadata.imageLayers(inspect.Id, inspect.RootFS?.Layers ?? []);
        assert.deepEqual(
          chain.map((layer) => layer.id),
          graphDriverLayerIds(inspect),
          name,
        );
        assert.deepEqual(
          chain.map((layer) => layer.diffDigest),
          inspect.RootFS?.Layers,
          name,
        );
      }
    });

    it("keeps the two identical COPY layers apart: one diff-digest, two layers, and neither ID is a chain ID", async () => {
      const inspect = recordedApi().images[APP];
      const chain = await new ContainersStorageMetadata(STORAGE_FIXTURE).imageLayers(inspect.Id, inspect.RootFS?.Layers ?? []);
      assert.equal(chain.length, 5);
      assert.equal(chain[2].diffDigest, chain[3].diffDigest);
      assert.notEqual(chain[2].id, chain[3].id);
      const chainIds = chainIdsOf(inspect.RootFS?.Layers ?? []);
      // The imported base layer is named after its diff ID (= its chain ID); the others are random.
      assert.equal(`sha256:${chain[0].id}`, chainIds[0]);
      assert.ok(chain.slice(1).every((layer, index) => `sha256:${layer.id}` !== chainIds[index + 1] && `sha256:${layer.id}` !== layer.diffDigest));
    });

    it('refuses a chain whose diff-digest is not the diff ID at its position, naming both', () => {
      const inspect = recordedApi().images[APP];
      const layers = parseLayersJson(fs.readFileSync(path.join(STORAGE_FIXTURE, LAYERS_JSON), 'utf8'));
      const image = parseImagesJson(fs.readFileSync(path.join(STORAGE_FIXTURE, 'overlay-images', 'images.json'), 'utf8')).get(inspect.Id.slice('sha256:'.length))!;
      const diffIds = [...(inspect.RootFS?.Layers ?? [])];
      [diffIds[1], diffIds[4]] = [diffIds[4], diffIds[1]];
      assert.throws(() => layerChainOf(layers, image, diffIds), (error: Error) => error instanceof ContainersStorageMetadataError && /layer 1 \(.*\) has diff-digest sha256:[0-9a-f]{64}, the image's diff ID is/.test(error.message));
      assert.throws(() => layerChainOf(layers, image, diffIds.slice(1)), /longer than its 4 diff IDs/);
      assert.throws(() => layerChainOf(layers, image, [...diffIds, diffIds[0]]), /5 layers from .* down, 6 diff IDs/);
    });

    it('reads the files again once Podman has renamed a new one over them, not before', async () => {
      const root = newScratch();
      const inspect = recordedApi(root).images[APP];
      const metadata = new ContainersStorageMetadata(root);
      const [first, second] = await Promise.all([0, 1].map(() => metadata.imageLayers(inspect.Id, inspect.RootFS?.Layers ?? [])));
      assert.deepEqual(first, second);
      const imagesJson = path.join(root, 'overlay-images', 'images.json');
      fs.writeFileSync(`${imagesJson}.tmp`, '[]');
      fs.renameSync(`${imagesJson}.tmp`, imagesJson);
      await assert.rejects(metadata.imageLayers(inspect.Id, inspect.RootFS?.Layers ?? []), /is not in .*images\.json/);
    });

    it('stops at a parent loop instead of walking forever', () => {
      const a = { id: 'a'.repeat(64), parent: 'b'.repeat(64), diffDigest: `sha256:${'1'.repeat(64)}`, diffSize: 1 };
      const b = { id: 'b'.repeat(64), parent: 'a'.repeat(64), diffDigest: `sha256:${'2'.repeat(64)}`, diffSize: 1 };
      const layers = new Map([a, b].map((layer) => [layer.id, layer]));
      assert.throws(() => layerChainOf(layers, { id: 'c'.repeat(64), layer: a.id }, [b.diffDigest, a.diffDigest]), /longer than its 2 diff IDs/);
    });

    it('takes no ID that could step out of the storage folder', () => {
      const layers = parseLayersJson(JSON.stringify([{ id: '../../etc', 'diff-digest': `sha256:${'1'.repeat(64)}` }, { id: 'f'.repeat(64), parent: '../x' }]));
      assert.deepEqual([...layers.keys()], ['f'.repeat(64)]);
      assert.equal(layers.get('f'.repeat(64))?.parent, undefined);
      assert.deepEqual([...parseImagesJson(JSON.stringify([{ id: 'x/../y', layer: 'f'.repeat(64) }, { id: 'e'.repeat(64), layer: '/etc' }])).values()], [{ id: 'e'.repeat(64), layer: undefined }]);
      assert.throws(() => parseLayersJson('{"id": 1}'), /is not a JSON array/);
      assert.throws(() => parseLayersJson('[{'), /is not JSON/);
    });
  });

  describe('imageConfig', () => {
    it("reads the config Podman keeps under overlay-images/<ID>/=<base64 of its digest>, with the exact empty_layer flags", async () => {
      const inspect = recordedApi().images[APP];
      const config = await new ContainersStorageMetadata(STORAGE_FIXTURE).imageConfig(inspect.Id);
      assert.ok(config, 'the recorded config is read');
      assert.deepEqual(config.rootfs?.diff_ids, inspect.RootFS?.Layers);
      assert.deepEqual(
        config.history?.filter((entry) => entry.empty_layer).map((entry) => entry.created_by?.replace('/bin/sh -c #(nop) ', '')),
        ['ENV APP_MODE=test', 'CMD ["/bin/sh"]'],
      );
      assert.equal(bigDataFileName(inspect.Id), `=${Buffer.from(inspect.Id).toString('base64')}`);
      assert.ok(fs.existsSync(path.join(STORAGE_FIXTURE, 'overlay-images', inspect.Id.slice(7), bigDataFileName(inspect.Id))));
    });

    it('ignores a config whose sha256 is not the image ID, and an image it does not hold', async () => {
      const root = newScratch();
      const { Id } = recordedApi().images[APP];
      const file = path.join(root, 'overlay-images', Id.slice(7), bigDataFileName(Id));
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('APP_MODE=test', 'APP_MODE=evil'));
      const metadata = new ContainersStorageMetadata(root);
      assert.equal(await metadata.imageConfig(Id), undefined);
      assert.equal(await metadata.imageConfig(`sha256:${'0'.repeat(64)}`), undefined);
      assert.equal(await metadata.imageConfig('../../etc/passwd'), undefined);
    });
  });

  describe('ContainersStorageStore', () => {
    it("locates each layer's folder <root>/overlay/<layer ID>/diff from the metadata, with diff-size as its size", async () => {
      const log = capturingLogger();
      const store = await ContainersStorageStore.create(profileAt(STORAGE_FIXTURE), log);
      const inspect = recordedApi().images[CHANGES];
      const located = await store.locateLayers(inspect, chainIdsOf(inspect.RootFS?.Layers ?? []));
      const layers = parseLayersJson(fs.readFileSync(path.join(STORAGE_FIXTURE, LAYERS_JSON), 'utf8'));
      assert.deepEqual(
        located,
        graphDriverLayerIds(inspect).map((id) => ({
          location: {
            kind: 'directory',
            directory: { cacheId: id, layerDir: path.join(STORAGE_FIXTURE, 'overlay', id), diffDir: path.join(STORAGE_FIXTURE, 'overlay', id, 'diff'), source: 'containers-storage metadata' },
          },
          size: layers.get(id)?.diffSize,
        })),
      );
      assert.deepEqual(log.warnings, [], 'GraphDriver data and the metadata agree');
      const details = await store.folderDetails(located[0].location);
      assert.match(details?.description ?? '', /overlay-images\/images\.json .* overlay-layers\/layers\.json/);
    });

    it('locates the layers without GraphDriver data (an image known from its config alone)', async () => {
      const store = await ContainersStorageStore.create(profileAt(STORAGE_FIXTURE), capturingLogger());
      const { Id, RootFS } = recordedApi().images[BASE];
      const located = await store.locateLayers({ Id, RootFS }, chainIdsOf(RootFS?.Layers ?? []));
      assert.deepEqual(
        located.map(({ location }) => location.kind === 'directory' && location.directory.cacheId),
        [RootFS?.Layers?.[0].slice(7)],
      );
    });

    it('trusts the metadata where GraphDriver data names another folder, and logs it', async () => {
      const log = capturingLogger();
      const store = await ContainersStorageStore.create(profileAt(STORAGE_FIXTURE), log);
      const inspect = recordedApi().images[APP];
      const truth = graphDriverLayerIds(inspect);
      const lower = inspect.GraphDriver!.Data!.LowerDir.split(':');
      lower[0] = path.join(STORAGE_FIXTURE, 'overlay', 'd'.repeat(64), 'diff');
      const lying: ImageInspect = { ...inspect, GraphDriver: { Name: 'overlay', Data: { ...inspect.GraphDriver!.Data!, LowerDir: lower.join(':') } } };
      const located = await store.locateLayers(lying, chainIdsOf(inspect.RootFS?.Layers ?? []));
      assert.deepEqual(
        located.map(({ location }) => location.kind === 'directory' && location.directory.cacheId),
        truth,
      );
      assert.equal(log.warnings.length, 1);
      assert.match(log.warnings[0], new RegExp(`layer 3: containers-storage metadata names .*${truth[3]}/diff, GraphDriver data .*${'d'.repeat(64)}/diff; using the metadata`));
    });

    it('falls back to GraphDriver data, and logs why, when the metadata does not hold the image', async () => {
      const root = newScratch();
      const inspect = recordedApi(root).images[APP];
      fs.writeFileSync(path.join(root, 'overlay-images', 'images.json'), '[]');
      const log = capturingLogger();
      const store = await ContainersStorageStore.create(profileAt(root), log);
      const located = await store.locateLayers(inspect, chainIdsOf(inspect.RootFS?.Layers ?? []));
      assert.deepEqual(
        located.map(({ location }) => location.kind === 'directory' && location.directory.source),
        Array(5).fill('GraphDriver'),
      );
      assert.ok(located.every((layer) => layer.size === undefined), 'sizes then come from the Engine history');
      assert.match(log.warnings.join('\n'), new RegExp(`image ${inspect.Id.slice(7)} is not in .*images\\.json; using GraphDriver data`));
    });

    it(`reads no layers.json over ${MAX_METADATA_BYTES / 1024 / 1024} MiB: a one-line error in the log, then GraphDriver data`, async () => {
      const root = newScratch();
      const inspect = recordedApi(root).images[APP];
      fs.truncateSync(path.join(root, LAYERS_JSON), MAX_METADATA_BYTES + 1); // sparse: nothing is written
      const log = capturingLogger();
      const store = await ContainersStorageStore.create(profileAt(root), log);
      const located = await store.locateLayers(inspect, chainIdsOf(inspect.RootFS?.Layers ?? []));
      assert.ok(located.every(({ location }) => location.kind === 'directory' && location.directory.source === 'GraphDriver'));
      assert.equal(log.warnings.length, 1);
      assert.doesNotMatch(log.warnings[0], /\n/);
      assert.match(log.warnings[0], new RegExp(`layers\\.json is ${MAX_METADATA_BYTES + 1} bytes, over the ${MAX_METADATA_BYTES} read here`));
    });

    it('reads a file under the cap whole, and refuses one over it by its size', async () => {
      const root = newScratch();
      const file = path.join(root, 'grown.json');
      fs.writeFileSync(file, '[]');
      assert.deepEqual(await readCapped(file, 10, 'test'), Buffer.from('[]'));
      await assert.rejects(readCapped(file, 1, 'test'), /is 2 bytes, over the 1 read here \(test\)/);
    });

    it('uses GraphDriver data alone where the metadata folders cannot be read, or the storage is not on this machine', async () => {
      const unreadable = await ContainersStorageStore.create(profileAt('/nonexistent/containers/storage'), capturingLogger());
      const inspect = recordedApi('/nonexistent/containers/storage').images[APP];
      const located = await unreadable.locateLayers(inspect, chainIdsOf(inspect.RootFS?.Layers ?? []));
      assert.ok(located.every(({ location }) => location.kind === 'directory' && location.directory.source === 'GraphDriver'));
      assert.equal(await unreadable.imageConfig(inspect.Id), undefined);

      const remote = await ContainersStorageStore.create(storageProfileOf(podmanInfo(STORAGE_FIXTURE), { host: 'tcp://podman.example:8080', source: '--host' }), capturingLogger());
      assert.equal(await remote.imageConfig(recordedApi().images[APP].Id), undefined, 'the remote host\'s storage is not read here');
    });

    it("names a container's own folder from containers.json, the one GraphDriver data gives, and no init layer", async () => {
      const store = await ContainersStorageStore.create(profileAt(STORAGE_FIXTURE), capturingLogger());
      const { container } = recordedApi();
      const layers = await store.locateContainerLayers(container);
      assert.equal(layers.readWrite?.kind === 'directory' && layers.readWrite.directory.diffDir, container.GraphDriver?.Data?.UpperDir);
      assert.equal(layers.readWrite?.kind === 'directory' && layers.readWrite.directory.source, 'containers-storage metadata');
      assert.equal(layers.init, undefined);
    });
  });

  describe('ImageCatalog over Podman with readable storage', () => {
    it('gives the exact history from the stored config: ENV and CMD are steps without a layer, each layer has its own step', async () => {
      const api = recordedApi();
      const inspect = api.images[APP];
      const engine = new RecordedEngine(PODMAN_SOCKET_ENDPOINT, podmanInfo(STORAGE_FIXTURE), {
        images: [{ inspect, history: [], config: {}, layerdb: {}, overlayEntries: {} }],
        containers: [],
      });
      const layers = await new ImageCatalog(engine, capturingLogger()).imageLayers(inspect.Id);
      assert.equal(layers.historySource, 'image config');
      assert.deepEqual(
        layers.layers.map((layer) => layer.step?.step.replace(/file:[0-9a-f]{64}/, 'file:…')),
        ['ADD file:… in /', 'RUN mkdir -p /data && echo "written by RUN" > /data/run.txt', 'COPY file:… in /payload.txt', 'COPY file:… in /payload.txt', 'RUN touch /empty'],
      );
      assert.equal(layers.steps.length, 7, 'ENV and CMD are steps without a layer');
      assert.deepEqual(
        layers.layers.map((layer) => layer.cacheId),
        graphDriverLayerIds(inspect),
      );
      assert.ok(layers.layers.every((layer) => (layer.size ?? 0) > 0));
    });
  });
});
