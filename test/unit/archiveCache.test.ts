/**
 * Layers read from the Engine's image archive where their folders cannot be read here: the
 * archive is downloaded once per image ID into the cache, evicted least recently used, dropped.
 * Saved archives' decompressed copies share the cache's limit; a broken archive's entry goes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { ArchiveCache } from '../../src/core/archive/archiveCache';
import { ArchiveFormatError } from '../../src/core/archive/imageArchive';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { LayerFsError } from '../../src/core/layerfs/layerFileSystem';
import { silentLogger } from '../../src/core/logger';
import { LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture } from './helpers/fixtures';
import { UNREADABLE_DATA_ROOT, RecordedEngine } from './helpers/recordedEngine';
import { ociArchive, savedArchive } from './helpers/archiveBuilder';
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

  /** Where the user keeps saved archives: outside the cache. */
  let userDir: string;

  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-cache-'));
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-user-'));
  });
  afterEach(() => {
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  function catalogWith(maxBytes: number | (() => number) = 1024 ** 3, recorded: Record<string, Buffer> = { [app.inspect.Id]: appArchive, [base.inspect.Id]: baseArchive }) {
    const engine = new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: UNREADABLE_DATA_ROOT }, { archives: recorded });
    const archives = new ArchiveCache({ dir: cacheDir, maxBytes, log: silentLogger });
    return { engine, archives, catalog: new ImageCatalog(engine, silentLogger, { archives }) };
  }

  const images = () => fs.readdirSync(path.join(cacheDir, 'images')).sort();
  /** The decompressed copies in the cache, by their path under files/. */
  const copies = () => (fs.existsSync(path.join(cacheDir, 'files')) ? (fs.readdirSync(path.join(cacheDir, 'files'), { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(cacheDir, 'files', name)).isFile()).sort() : []);
  /** A file as an earlier run left it in the cache, last used that many hours ago. */
  function leftover(name: string, bytes: number, hoursAgo: number): string {
    const file = path.join(cacheDir, 'files', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.alloc(bytes));
    const when = Date.now() / 1000 - hoursAgo * 3600;
    fs.utimesSync(file, when, when);
    return file;
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

  it("evicts saved archives' decompressed copies under the same limit, least recently used first", async () => {
    const { archives, catalog } = catalogWith(appArchive.length + 6000);
    assert.equal(archives.filesDir, path.join(cacheDir, 'files'), 'where the extension and the CLI put them');
    leftover('layers/older.tar', 5000, 2);
    leftover('archives/oldest.tar', 5000, 3);
    leftover('layers/dead.tar.99-1.partial', 5000, 4);
    leftover('layers/writing.tar.98-1.partial', 5000, 0);
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    assert.deepEqual(images(), [app.inspect.Id.slice(7)], 'the archive just downloaded stays');
    assert.deepEqual(copies(), ['layers/older.tar', 'layers/writing.tar.98-1.partial'], 'the partial copy of a run that died and the oldest copy went; one being written is no entry yet');
  });

  it('evicts as soon as the limit is lowered, keeping the image used last and the copies an open archive reads', async () => {
    let limit = 1024 ** 3;
    const { archives, catalog } = catalogWith(() => limit);
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await catalog.openLayer({ owner: 'image', imageId: base.inspect.Id, index: 0 }, 'files');
    const saved = path.join(userDir, 'saved.tar.gz');
    fs.writeFileSync(saved, zlib.gzipSync(savedArchive([{ repoTags: ['acc/saved:1'], layers: [tarOf([{ name: 'kept.txt', content: 'kept' }])] }]).bytes));
    const open = await archives.openSavedArchive(saved);
    const [copy] = copies();
    assert.match(copy, /^archives\/[0-9a-f]{64}\.tar$/);
    fs.utimesSync(path.join(cacheDir, 'files', copy), 0, 0); // the oldest entry of all
    leftover('layers/unused.tar', 100, 1);
    limit = 0;
    await archives.evictToLimit();
    assert.deepEqual(images(), [base.inspect.Id.slice(7)], 'dle-app went; dle-base was used last');
    assert.deepEqual(copies(), [copy], 'the copy an open archive reads stays');
    assert.equal((await (await open.layer(open.images[0], 0)).readFile('/kept.txt')).toString(), 'kept');
    await open.close();
    assert.deepEqual(copies(), [], 'closing the archive deletes its copy');
  });

  it('deletes the decompressed copies of a saved archive when it is closed, except those another open archive reads', async () => {
    const { archives } = catalogWith();
    const layers = [tarOf([{ name: 'a.txt', content: 'a' }]), tarOf([{ name: 'b.txt', content: 'b' }])].map((layer) => zlib.gzipSync(layer));
    const saved = path.join(userDir, 'oci.tar.gz');
    fs.writeFileSync(saved, zlib.gzipSync(ociArchive([{ repoTags: ['acc/oci:1'], layers }]).bytes));
    // Two archives of one file (as `docker-layers compare a.tar.gz a.tar.gz` opens it) share their copies.
    const first = await archives.openSavedArchive(saved);
    const second = await archives.openSavedArchive(saved);
    await first.layer(first.images[0], 0);
    const layerB = await second.layer(second.images[0], 1);
    const [outer, copyA, copyB] = [copies().filter((name) => name.startsWith('archives/')), ...copies().filter((name) => name.startsWith('layers/'))];
    assert.equal(copies().length, 3, 'the archive and its two gzip blobs, decompressed');
    await first.close();
    assert.equal(copies().length, 2, 'the copy only the closed archive read went');
    assert.equal((await layerB.readFile('/b.txt')).toString(), 'b', 'the other archive still reads its copies');
    await second.close();
    assert.deepEqual(copies(), []);
    await assert.rejects(second.layer(second.images[0], 0), /was closed/);

    // Copies an earlier session left: found when the archive is closed, opened or not.
    const again = await archives.openSavedArchive(saved);
    await Promise.all([again.layer(again.images[0], 0), again.layer(again.images[0], 1)]);
    const left = copies().map((name) => ({ name, data: fs.readFileSync(path.join(cacheDir, 'files', name)) }));
    assert.equal(left.length, 3, [outer, copyA, copyB].join());
    await again.close();
    const restore = () => left.forEach(({ name, data }) => fs.writeFileSync(path.join(cacheDir, 'files', name), data));
    restore();
    const unread = await archives.openSavedArchive(saved);
    await unread.close();
    assert.deepEqual(copies(), [], 'the copies of layers not read this time went too');
    restore();
    await archives.deleteSavedArchiveCopies(saved);
    assert.deepEqual(copies(), [], 'an archive closed before it was opened again');
  });

  /** dle-app's archive with layer 2 cut inside its only file: the outer tar is whole, the layer is not. */
  const cutLayerArchive = savedArchive([
    {
      repoTags: ['dle-app:1.0'],
      diffIds: appDiffIds,
      layers: appDiffIds.map((_, index) => (index === 2 ? tarOf([{ name: 'big.txt', content: 'x'.repeat(5000) }]).subarray(0, 700) : tarOf([{ name: `layer${index}.txt`, content: `layer ${index}\n` }]))),
    },
  ]).bytes;

  it("drops the Engine archive's cache entry when a layer of it is truncated, and says so in one line", async () => {
    const { engine, catalog } = catalogWith(1024 ** 3, { [app.inspect.Id]: cutLayerArchive });
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    assert.deepEqual(images(), [app.inspect.Id.slice(7)]);
    await assert.rejects(catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 2 }, 'files'), (error: unknown) => {
      assert.ok(error instanceof ArchiveFormatError, String(error));
      assert.match(error.message, /archive\.tar is not a usable image archive: layer [0-9a-f]{64}\/layer\.tar: the archive is truncated: it ends inside an entry at byte \d+; it is dropped from the cache: the next attempt downloads it again$/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    assert.deepEqual(images(), [], 'the broken archive is not kept');
    await assert.rejects(catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 2 }, 'files'), /truncated/);
    assert.equal(engine.requests.filter((request) => request.startsWith('export')).length, 2, 'a retry downloads it again instead of failing on the same file');
  });

  it("drops the Engine archive's cache entry when reading a file finds the archive cut short", async () => {
    const { engine, catalog } = catalogWith();
    const layer = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 3 }, 'files');
    fs.truncateSync(path.join(cacheDir, 'images', app.inspect.Id.slice(7), 'archive.tar'), 1024);
    await assert.rejects(layer.readFile('/layer3.txt'), (error: unknown) => {
      assert.ok(error instanceof LayerFsError && error.code === 'io', String(error));
      assert.equal(error.message, '/layer3.txt: the archive is truncated: it ends before the file does; it is dropped from the cache: the next attempt downloads it again');
      return true;
    });
    assert.deepEqual(images(), []);
    catalog.invalidate();
    const again = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 3 }, 'files');
    assert.equal((await again.readFile('/layer3.txt')).toString(), 'layer 3\n');
    assert.equal(engine.requests.filter((request) => request.startsWith('export')).length, 2);
  });
});
