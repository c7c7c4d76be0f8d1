/**
 * Layers read from the Engine's image archive where their folders cannot be read here: the
 * archive is downloaded once per image ID into the cache, evicted least recently used, dropped.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArchiveCache } from '../../src/core/archive/archiveCache';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture } from './helpers/fixtures';
import { UNREADABLE_DATA_ROOT, RecordedEngine } from './helpers/recordedEngine';
import { savedArchive } from './helpers/archiveBuilder';
import { tarOf } from './helpers/tarBuilder';

describe('ImageCatalog with an archive cache (a docker-group user: folders unreadable)', () => {
  let cacheDir: string;
  const app = imageFixture('dle-app');
  const base = imageFixture('dle-base');
  const appDiffIds = app.inspect.RootFS?.Layers ?? [];

  /** What `docker save` gives for dle-app: layers with the recorded diff IDs (content made up). */
  const appArchive = savedArchive([
    {
      repoTags: ['dle-app:1.0'],
      diffIds: appDiffIds,
      layers: appDiffIds.map((_, index) => tarOf([{ name: `layer${index}.txt`, content: `layer ${index}\n` }, ...(index === 4 ? [{ name: 'data/.wh.doomed.txt' }] : [])])),
    },
  ]).bytes;
  const baseArchive = savedArchive([{ repoTags: ['dle-base:latest'], diffIds: base.inspect.RootFS?.Layers ?? [], layers: [tarOf([{ name: 'base.txt', content: 'x'.repeat(5000) }])] }]).bytes;

  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  function catalogWith(maxBytes = 1024 ** 3) {
    const engine = new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: UNREADABLE_DATA_ROOT }, { archives: { [app.inspect.Id]: appArchive, [base.inspect.Id]: baseArchive } });
    const archives = new ArchiveCache({ dir: cacheDir, maxBytes, log: silentLogger });
    return { engine, archives, catalog: new ImageCatalog(engine, silentLogger, { archives }) };
  }

  it("reads a layer from the image's archive, downloaded once into <cache>/images/<id>/archive.tar", async () => {
    const { engine, catalog } = catalogWith();
    const progress: number[] = [];
    const layer = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 1 }, 'files', { onProgress: ({ bytes }) => progress.push(bytes) });
    assert.equal(layer.source, 'archive');
    assert.equal((await layer.readFile('/layer1.txt')).toString(), 'layer 1\n');
    assert.equal(progress.at(-1), appArchive.length, 'progress reaches the whole archive');
    const saved = path.join(cacheDir, 'images', app.inspect.Id.slice(7), 'archive.tar');
    assert.deepEqual(fs.readFileSync(saved), appArchive);
    const other = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 4 }, 'files');
    assert.equal((await other.stat('/data/doomed.txt')).kind, 'whiteout');
    catalog.invalidate();
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 2 }, 'files');
    assert.equal(engine.requests.filter((request) => request.startsWith('export')).length, 1, 'one download per image ID');
  });

  it("builds the image's file history and merged view from the archive", async () => {
    const { catalog } = catalogWith();
    const history = await catalog.fileHistory(app.inspect.Id);
    assert.deepEqual(history.changes[4].deleted.map((entry) => entry.path), ['/data/doomed.txt']);
    const merged = await catalog.mergedLayer(app.inspect.Id, 5);
    assert.deepEqual((await merged.readDirectory('/')).map((entry) => entry.name).sort(), ['data', ...appDiffIds.map((_, index) => `layer${index}.txt`)].sort());
    assert.equal((await merged.stat('/layer3.txt')).layer, 3);
  });

  it('evicts the least recently used image past the size limit, and drops a deleted image', async () => {
    const { archives, catalog } = catalogWith(appArchive.length + 100);
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await catalog.openLayer({ owner: 'image', imageId: base.inspect.Id, index: 0 }, 'files');
    const images = () => fs.readdirSync(path.join(cacheDir, 'images')).sort();
    assert.deepEqual(images(), [base.inspect.Id.slice(7)], 'dle-app went: it was used longest ago and both do not fit');
    await archives.drop(base.inspect.Id);
    assert.deepEqual(images(), []);
  });

  it('keeps no download that failed, and says why', async () => {
    const engine = new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: UNREADABLE_DATA_ROOT }, { archives: { [app.inspect.Id]: appArchive.subarray(0, 1500) } });
    const catalog = new ImageCatalog(engine, silentLogger, { archives: new ArchiveCache({ dir: cacheDir, maxBytes: 1024 ** 3, log: silentLogger }) });
    await assert.rejects(catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files'), /is not a usable image archive/);
    assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'images')), [], 'the truncated archive is not kept');
  });
});
