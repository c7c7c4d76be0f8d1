/**
 * Layers read from the Engine's image archive where their folders cannot be read here: the
 * archive is downloaded once per image ID into the cache, evicted least recently used, dropped.
 * Saved archives' decompressed copies share the cache's limit; a broken archive's entry goes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { inspect } from 'util';
import * as zlib from 'zlib';
import { ArchiveCache, ArchiveCacheOptions, cacheLimitBytes } from '../../src/core/archive/archiveCache';
import { ArchiveFormatError } from '../../src/core/archive/imageArchive';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { LayerFsError } from '../../src/core/layerfs/layerFileSystem';
import { silentLogger } from '../../src/core/logger';
import { LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture } from './helpers/fixtures';
import { UNREADABLE_DATA_ROOT, RecordedEngine } from './helpers/recordedEngine';
import { ociArchive, savedArchive, zstdOfZeros } from './helpers/archiveBuilder';
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

  function catalogWith(
    maxBytes: number | (() => number) = 1024 ** 3,
    recorded: Record<string, Buffer> = { [app.inspect.Id]: appArchive, [base.inspect.Id]: baseArchive },
    cacheOptions: Partial<ArchiveCacheOptions> = {},
  ) {
    const engine = new RecordedEngine(LOCAL_SOCKET_ENDPOINT, { ...infoFixture(), DockerRootDir: UNREADABLE_DATA_ROOT }, { archives: recorded });
    const archives = new ArchiveCache({ dir: cacheDir, maxBytes, log: silentLogger, ...cacheOptions });
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
    // No invalidate(): the cache tells the catalog the archive went, so the reader of the dropped one is not handed out again.
    const again = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 3 }, 'files');
    assert.equal((await again.readFile('/layer3.txt')).toString(), 'layer 3\n');
    assert.equal(engine.requests.filter((request) => request.startsWith('export')).length, 2);
  });

  const exportsOf = (engine: RecordedEngine, imageId: string) => engine.requests.filter((request) => request === `export ${imageId}`).length;
  const appHex = app.inspect.Id.slice(7);
  const baseHex = base.inspect.Id.slice(7);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

  /** The Engine's next archive of dle-app, laid out otherwise (another Engine version): each file is somewhere else in it. */
  const shiftedAppArchive = savedArchive([
    { repoTags: ['dle-app:1.0'], diffIds: appDiffIds, layers: appDiffIds.map((_, index) => tarOf([{ name: 'filler.bin', content: 'f'.repeat(3000) }, { name: `layer${index}.txt`, content: `layer ${index}\n` }])) },
  ]).bytes;

  it('hands out no reader of a dropped archive: an old reader fails as gone, never reads the new download at old offsets', async () => {
    const recorded = { [app.inspect.Id]: appArchive, [base.inspect.Id]: baseArchive };
    const { engine, archives, catalog } = catalogWith(1024 ** 3, recorded);
    const ref = { owner: 'image', imageId: app.inspect.Id, index: 3 } as const;
    const old = await catalog.openLayer(ref, 'files');
    await archives.drop(app.inspect.Id);
    recorded[app.inspect.Id] = shiftedAppArchive;
    const fresh = await catalog.openLayer(ref, 'files');
    assert.notEqual(fresh, old, 'the catalog forgot the reader of the dropped archive by itself');
    assert.equal((await fresh.readFile('/layer3.txt')).toString(), 'layer 3\n');
    await assert.rejects(old.readFile('/layer3.txt'), (error: unknown) => {
      assert.ok(error instanceof LayerFsError && error.code === 'io', String(error));
      assert.match(error.message, /^\/layer3\.txt: the archive it is read from is gone/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
    assert.equal(exportsOf(engine, app.inspect.Id), 2);
  });

  it("fails as gone where another process's download replaced the archive, and reads that one without downloading", async () => {
    const { engine, catalog } = catalogWith();
    const ref = { owner: 'image', imageId: app.inspect.Id, index: 3 } as const;
    const layer = await catalog.openLayer(ref, 'files');
    // Another window evicted it and downloaded it again: its copy is renamed into place.
    const archivePath = path.join(cacheDir, 'images', appHex, 'archive.tar');
    fs.writeFileSync(`${archivePath}.other`, shiftedAppArchive);
    fs.renameSync(`${archivePath}.other`, archivePath);
    await assert.rejects(layer.readFile('/layer3.txt'), (error: unknown) => {
      assert.ok(error instanceof LayerFsError && error.code === 'io', String(error));
      assert.match(error.message, /^\/layer3\.txt: the archive it is read from is gone \(another file is in its place\): \S+archive\.tar; /);
      return true;
    });
    assert.deepEqual(fs.readFileSync(archivePath), shiftedAppArchive, "the other process's archive stays");
    const again = await catalog.openLayer(ref, 'files');
    assert.equal((await again.readFile('/layer3.txt')).toString(), 'layer 3\n');
    assert.equal(exportsOf(engine, app.inspect.Id), 1);
  });

  it('counts reading a layer as use (least recently used goes first), and reads an evicted image again by itself', async () => {
    let limit = 1024 ** 3;
    const { engine, archives, catalog } = catalogWith(() => limit, undefined, { touchIntervalMs: 0 });
    const appLayer = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    await pause();
    const baseLayer = await catalog.openLayer({ owner: 'image', imageId: base.inspect.Id, index: 0 }, 'files');
    await pause();
    assert.equal((await appLayer.readFile('/layer0.txt')).toString(), 'layer 0\n');
    limit = appArchive.length + 100;
    await archives.evictToLimit();
    assert.deepEqual(images(), [appHex], 'dle-base went: dle-app was read after it was downloaded');
    const again = await catalog.openLayer({ owner: 'image', imageId: base.inspect.Id, index: 0 }, 'files');
    assert.notEqual(again, baseLayer);
    assert.equal((await again.readFile('/base.txt')).length, 5000);
    assert.equal(exportsOf(engine, base.inspect.Id), 2);
  });

  it('marks a read as use at most once a minute, not a write per read', async () => {
    const { archives, catalog } = catalogWith();
    const layer = await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    const mark = path.join(cacheDir, 'images', appHex, 'last-used');
    fs.writeFileSync(mark, '12345');
    await Promise.all([0, 1, 2].map(() => layer.readFile('/layer0.txt')));
    await archives.evictToLimit();
    assert.equal(fs.readFileSync(mark, 'utf8'), '12345');
  });

  it('marks an image used before its download starts (another window evicting sees it)', async () => {
    const { catalog } = catalogWith();
    let marked: boolean | undefined;
    const onProgress = () => {
      marked ??= fs.existsSync(path.join(cacheDir, 'images', appHex, 'last-used'));
    };
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files', { onProgress });
    assert.equal(marked, true);
  });

  it("never evicts a folder another process downloads into (a .partial younger than an hour); a dead run's goes", async () => {
    let limit = 1024 ** 3;
    const { catalog, archives } = catalogWith(() => limit);
    const folderWith = (hex: string, partialHoursAgo: number) => {
      const folder = path.join(cacheDir, 'images', hex);
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, 'last-used'), '1');
      const partial = path.join(folder, 'archive.tar.4242.partial');
      fs.writeFileSync(partial, Buffer.alloc(1000));
      const when = Date.now() / 1000 - partialHoursAgo * 3600;
      fs.utimesSync(partial, when, when);
    };
    folderWith('a'.repeat(64), 0);
    folderWith('b'.repeat(64), 2);
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    limit = 0;
    await archives.evictToLimit();
    assert.deepEqual(images(), ['a'.repeat(64), appHex].sort());
  });

  it('downloads into a new folder when an image is opened while its folder is being removed', async () => {
    const { engine, archives } = catalogWith();
    await archives.imageArchive(engine, app.inspect.Id);
    const dropping = archives.drop(app.inspect.Id);
    const reopening = archives.imageArchive(engine, app.inspect.Id);
    await dropping;
    const archive = await reopening;
    assert.equal((await (await archive.layer(archive.images[0], 3)).readFile('/layer3.txt')).toString(), 'layer 3\n');
    assert.deepEqual(images(), [appHex]);
    assert.ok(fs.existsSync(path.join(cacheDir, 'images', appHex, 'archive.tar')));
  });

  it('takes folders left in images/.trash-* for no image, and removes them', async () => {
    const trash = path.join(cacheDir, 'images', '.trash-0123456789abcdef');
    fs.mkdirSync(trash, { recursive: true });
    fs.writeFileSync(path.join(trash, 'archive.tar'), Buffer.alloc(100));
    const { archives } = catalogWith();
    await archives.evictToLimit();
    assert.deepEqual(images(), []);
  });

  it('downloads an archive with a corrupt layer again once, then says so without downloading each time', async () => {
    const corrupt = savedArchive([
      { repoTags: ['dle-app:1.0'], diffIds: appDiffIds, layers: appDiffIds.map((_, index) => (index === 2 ? Buffer.alloc(2048, 0x41) : tarOf([{ name: `layer${index}.txt`, content: `layer ${index}\n` }]))) },
    ]).bytes;
    const { engine, catalog } = catalogWith(1024 ** 3, { [app.inspect.Id]: corrupt });
    const messages: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await assert.rejects(catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 2 }, 'files'), (error: unknown) => {
        assert.ok(error instanceof ArchiveFormatError, String(error));
        assert.match(error.message, /bad header checksum/);
        assert.doesNotMatch(error.message, /\n/);
        messages.push(error.message);
        return true;
      });
    }
    assert.equal(exportsOf(engine, app.inspect.Id), 2, 'downloaded again once, not once per attempt');
    assert.match(messages[0], /the next attempt downloads it again$/);
    assert.doesNotMatch(messages[2], /downloads it again/);
    assert.deepEqual(images(), [appHex], 'the second copy is kept');
  });

  it('keeps everything when the size limit is not a number (a bad setting)', async () => {
    const { archives, catalog } = catalogWith(() => Number.NaN);
    await catalog.openLayer({ owner: 'image', imageId: app.inspect.Id, index: 0 }, 'files');
    await pause();
    await catalog.openLayer({ owner: 'image', imageId: base.inspect.Id, index: 0 }, 'files');
    await archives.evictToLimit();
    assert.deepEqual(images(), [appHex, baseHex].sort());
    const MiB = 1024 * 1024;
    assert.equal(cacheLimitBytes(100, 4096), 100 * MiB);
    assert.equal(cacheLimitBytes(-5, 4096), 0);
    for (const bad of ['lots', Number.NaN, Number.POSITIVE_INFINITY, undefined, null, {}]) {
      assert.equal(cacheLimitBytes(bad, 4096), 4096 * MiB, inspect(bad));
    }
  });

  it('keeps a good cached archive when opening it is cancelled', async () => {
    const { engine, archives } = catalogWith();
    await archives.imageArchive(engine, app.inspect.Id);
    const nextRun = new ArchiveCache({ dir: cacheDir, maxBytes: 1024 ** 3, log: silentLogger });
    const cancelled = new AbortController();
    cancelled.abort();
    await assert.rejects(nextRun.imageArchive(engine, app.inspect.Id, { signal: cancelled.signal }), { name: 'AbortError' });
    assert.ok(fs.existsSync(path.join(cacheDir, 'images', appHex, 'archive.tar')), 'the archive stays');
    const archive = await nextRun.imageArchive(engine, app.inspect.Id);
    assert.equal((await (await archive.layer(archive.images[0], 1)).readFile('/layer1.txt')).toString(), 'layer 1\n');
    assert.equal(exportsOf(engine, app.inspect.Id), 1);
  });

  it('stops decompressing once a copy passes the size limit, in one line, leaving no partial copy', async () => {
    const { archives } = catalogWith(1024 * 1024);
    const zeros = tarOf([{ name: 'zeros.bin', content: Buffer.alloc(4 * 1024 * 1024) }]);
    const bomb = path.join(userDir, 'bomb.tar.gz');
    fs.writeFileSync(bomb, zlib.gzipSync(savedArchive([{ repoTags: ['acc/bomb:1'], layers: [zeros] }]).bytes));
    const isCapped = (error: unknown) => {
      assert.ok(error instanceof ArchiveFormatError, String(error));
      assert.match(error.message, /(archive|blob) decompresses to more than 1048576 bytes, the most the archive cache may hold$/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    };
    await assert.rejects(archives.openSavedArchive(bomb), isCapped);
    assert.deepEqual(copies(), [], 'the partial copy is removed');
    const blobBomb = path.join(userDir, 'blob-bomb.tar');
    fs.writeFileSync(blobBomb, ociArchive([{ repoTags: ['acc/bomb:2'], layers: [zlib.gzipSync(zeros)] }]).bytes);
    const archive = await archives.openSavedArchive(blobBomb);
    await assert.rejects(archive.layer(archive.images[0], 0), isCapped);
    assert.deepEqual(copies(), []);
    await archive.close();
    const zstdBomb = path.join(userDir, 'zstd-bomb.tar');
    fs.writeFileSync(zstdBomb, ociArchive([{ repoTags: ['acc/bomb:3'], layers: [zstdOfZeros(64)] }]).bytes);
    const fromZstd = await archives.openSavedArchive(zstdBomb);
    await assert.rejects(fromZstd.layer(fromZstd.images[0], 0), isCapped);
    assert.deepEqual(copies(), []);
    await fromZstd.close();
  });
});
