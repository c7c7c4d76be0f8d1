/**
 * Image archives from the Engine (`GET /images/{id}/get`, what `docker save` uses), kept on disk
 * so layers can be read without root, from a remote daemon, Docker Desktop or the containerd
 * store: streamed once into `<cache>/images/<image id>/archive.tar`, then read by offset. One
 * folder per image ID (an ID names fixed content), dropped when the image is deleted or a layer
 * of it turns out truncated or corrupt. Saved archives the user opens keep their decompressed
 * copies (of a .tar.gz, of gzip and zstd blobs) in `<cache>/files/`. Both count against one size
 * limit, least recently used evicted first (a read counts as use). The cache is the only thing
 * ever written.
 *
 * Several processes share it (VS Code windows, CLI runs): an image is marked used before its
 * download starts, a folder being downloaded into (a recent .partial) is never evicted, and a
 * folder is renamed away before it is deleted. Whoever read an archive that goes is told
 * (onDropped), and a reader checks it still reads the file it indexed.
 */
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { digestHex, isFullDigest } from '../digest';
import { EngineApi } from '../engine/engineApi';
import { Logger } from '../logger';
import { BrokenReason } from './archiveLayerFileSystem';
import { ImageArchive, OpenArchiveOptions, isBrokenArchive, isHeldCopy } from './imageArchive';
import { ArchivePreindex, StreamingArchiveIndexer } from './streamingArchiveIndexer';
import { fileIdentity } from './tarFile';

export interface ArchiveCacheOptions {
  dir: string;
  /**
   * Evict least recently used entries past this many bytes; read at each eviction (not a number:
   * nothing is evicted). Never evicted: the image archive used last, one being downloaded (here or
   * by another process), a copy an open saved archive reads. No decompressed copy grows past it.
   */
  maxBytes: number | (() => number);
  log: Logger;
  /** Reading a layer marks its image used at most this often (default a minute): a mark is a write. */
  touchIntervalMs?: number;
}

/** Told when an image's archive leaves the cache (dropped, evicted, found gone): readers of it are stale. */
export interface ArchiveDropListener {
  forgetImage(imageId: string): void;
}

export interface DownloadProgress {
  /** Bytes received so far. */
  bytes: number;
  /** The image's size as the Engine reported it, when known. */
  expectedBytes?: number;
}

interface ImageArchiveOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  expectedBytes?: number;
}

/** What the readers of an Engine archive tell the cache: a use, or that it is broken. */
type ReaderHooks = Pick<OpenArchiveOptions, 'onBroken' | 'onUse'>;

/** One thing eviction can remove: an image's folder, or a decompressed copy. */
interface CacheEntry {
  /** For the log: its path in the cache. */
  name: string;
  path: string;
  lastUsed: number;
  bytes: number;
  /** The image whose folder it is; undefined for a decompressed copy. */
  imageId?: string;
  /** Another process (or this one) is writing into the folder: a .partial younger than STALE_PARTIAL_MS. */
  busy?: boolean;
}

/**
 * A size limit in megabytes (dockerLayers.archiveCacheSizeMB) in bytes: a negative one is 0,
 * anything but a finite number (a string typed into settings.json) the default, never NaN, which
 * would evict everything.
 */
export function cacheLimitBytes(megabytes: unknown, defaultMegabytes: number): number {
  const valid = typeof megabytes === 'number' && Number.isFinite(megabytes);
  return (valid ? Math.max(0, megabytes) : defaultMegabytes) * 1024 * 1024;
}

const IMAGES = 'images';
const FILES = 'files';
const ARCHIVE = 'archive.tar';
const LAST_USED = 'last-used';
/** An image folder (named by the image ID's hex); anything else in images/ is not the cache's. */
const IMAGE_FOLDER = /^[0-9a-f]{64}$/;
/** Where a folder goes to be removed (images/.trash-<random>): a rename is atomic, the removal is not. */
const TRASH_PREFIX = '.trash-';
/** A temporary copy not written to for this long was left by a run that died. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;
const TOUCH_INTERVAL_MS = 60 * 1000;
const DROPPED_NOTE = 'it is dropped from the cache: the next attempt downloads it again';

export class ArchiveCache {
  private readonly opened = new Map<string, Promise<ImageArchive>>();
  /** Images whose archives are being downloaded or opened (how many times): their folders are not evicted. */
  private readonly loading = new Map<string, number>();
  /** Image folders being moved away: a download of the image waits, so it never writes into the folder that goes. */
  private readonly removing = new Map<string, Promise<void>>();
  /** When this process last wrote each image's mark: a read marks it at most once a touchIntervalMs. */
  private readonly marked = new Map<string, number>();
  /** Marks being written: an eviction waits for them, to order by what they say. */
  private readonly marking = new Set<Promise<void>>();
  /** Images dropped once in this process as corrupt: the next copy, as corrupt, is kept (not downloaded per click). */
  private readonly droppedAsCorrupt = new Set<string>();
  /** Whom to tell when an image's archive goes; held weakly, as a connection's catalog is dropped with it. */
  private readonly listeners = new Set<WeakRef<ArchiveDropListener>>();
  /** Evictions run one after the other: two at once would both remove what only one had to. */
  private evicting: Promise<void> = Promise.resolve();

  constructor(private readonly options: ArchiveCacheOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** Where saved archives keep their decompressed copies, under the same size limit. */
  get filesDir(): string {
    return path.join(this.options.dir, FILES);
  }

  /** Tells the listener (held weakly) of each image whose archive is dropped, evicted or found gone from now on. */
  onDropped(listener: ArchiveDropListener): void {
    this.pruneListeners();
    this.listeners.add(new WeakRef(listener));
  }

  /** The archive of an image from the Engine: from the cache, or downloaded into it once. */
  imageArchive(engine: EngineApi, imageId: string, options: ImageArchiveOptions = {}): Promise<ImageArchive> {
    if (!isFullDigest(imageId)) {
      return Promise.reject(new Error(`not an image ID: ${imageId}`));
    }
    const existing = this.opened.get(imageId);
    if (existing) {
      return existing.then(async (archive) => {
        await this.markUsed(imageId);
        return archive;
      });
    }
    const opening: Promise<ImageArchive> = this.load(engine, imageId, options, {
      onBroken: (reason) => this.dropBroken(imageId, opening, reason),
      onUse: () => void this.markUsed(imageId),
    });
    this.opened.set(imageId, opening);
    opening.catch(() => {
      if (this.opened.get(imageId) === opening) {
        this.opened.delete(imageId);
      }
    });
    return opening;
  }

  /**
   * A saved archive on disk (Open Image Archive…, a CLI operand): a compressed one, or one with
   * compressed blobs, is decompressed into filesDir, and the cache evicts past its limit after.
   * Its copies go when the archive is closed (ImageArchive.close).
   */
  openSavedArchive(file: string, options: { signal?: AbortSignal } = {}): Promise<ImageArchive> {
    return ImageArchive.open(file, { cacheDir: this.filesDir, signal: options.signal, onCopy: () => this.evictSoon(), maxCopyBytes: () => this.limit() });
  }

  /** Deletes the decompressed copies a saved archive that is not open here left (it was closed before it was opened again). */
  deleteSavedArchiveCopies(file: string): Promise<void> {
    return ImageArchive.deleteCopies(file, this.filesDir);
  }

  /** Whether the image's archive is here already: opening it downloads nothing. */
  async has(imageId: string): Promise<boolean> {
    return isFullDigest(imageId) && (this.opened.has(imageId) || (await exists(path.join(this.folderOf(imageId), ARCHIVE))));
  }

  /** Forget an image (it was deleted, or its archive is broken): its folder goes. */
  async drop(imageId: string): Promise<void> {
    this.forget(imageId);
    if (isFullDigest(imageId)) {
      await this.removeImageFolder(imageId);
    }
  }

  /** Evicts least recently used entries until the cache fits its limit as it is now (the setting changed). */
  evictToLimit(): Promise<void> {
    return this.evictPast(undefined);
  }

  private get imagesDir(): string {
    return path.join(this.options.dir, IMAGES);
  }

  private folderOf(imageId: string): string {
    return path.join(this.imagesDir, digestHex(imageId));
  }

  /** The size limit now: not a number (a bad setting) evicts nothing, rather than everything. */
  private limit(): number {
    const maxBytes = typeof this.options.maxBytes === 'function' ? this.options.maxBytes() : this.options.maxBytes;
    return Number.isNaN(maxBytes) ? Number.POSITIVE_INFINITY : Math.max(0, maxBytes);
  }

  /** The archive is no longer this cache's to hand out; whoever read it is told (their readers are of a file that goes). */
  private forget(imageId: string): void {
    const opening = this.opened.get(imageId);
    this.opened.delete(imageId);
    this.marked.delete(imageId);
    // Its copies are in its folder, which goes or is someone else's now: closing only lets go of them.
    opening?.then((archive) => archive.close({ deleteCopies: false })).catch(() => undefined);
    this.pruneListeners();
    for (const listener of this.listeners) {
      try {
        listener.deref()?.forgetImage(imageId);
      } catch (error) {
        this.options.log.warn(`cannot tell that the archive of ${imageId} went: ${(error as Error).message}`);
      }
    }
  }

  private pruneListeners(): void {
    for (const listener of this.listeners) {
      if (!listener.deref()) {
        this.listeners.delete(listener);
      }
    }
  }

  /**
   * Reading a layer of the image's archive found it gone, cut short or corrupt; what to add to the
   * message. Gone (deleted, or another file in its place: another process's eviction or download):
   * forgotten, the folder left to its owner. Cut short: the folder goes. Corrupt: the folder goes
   * once per process; a copy downloaded again and as corrupt is kept, not downloaded at each attempt.
   */
  private async dropBroken(imageId: string, opening: Promise<ImageArchive>, reason: BrokenReason): Promise<string> {
    if (this.opened.get(imageId) !== opening) {
      return DROPPED_NOTE; // Dropped already: a reader of it found out late.
    }
    if (reason === 'gone') {
      this.options.log.warn(`the archive of ${imageId} is gone from the cache (removed or replaced by another process)`);
      this.forget(imageId);
      return DROPPED_NOTE;
    }
    if (reason === 'corrupt') {
      if (this.droppedAsCorrupt.has(imageId)) {
        this.options.log.warn(`the archive of ${imageId} is corrupt again after it was downloaded again: kept`);
        return 'it was downloaded again once already, and is kept';
      }
      this.droppedAsCorrupt.add(imageId);
    }
    this.options.log.warn(`the archive of ${imageId} is ${reason === 'truncated' ? 'truncated' : 'corrupt'}: dropped from the cache`);
    await this.drop(imageId);
    return DROPPED_NOTE;
  }

  private async load(engine: EngineApi, imageId: string, options: ImageArchiveOptions, hooks: ReaderHooks): Promise<ImageArchive> {
    this.loading.set(imageId, (this.loading.get(imageId) ?? 0) + 1);
    try {
      await this.removing.get(imageId);
      const opened = await this.download(engine, imageId, options, hooks);
      await this.evictPast(imageId).catch((error: Error) => this.options.log.warn(`cannot evict from the archive cache: ${error.message}`));
      return opened;
    } finally {
      const count = (this.loading.get(imageId) ?? 1) - 1;
      if (count > 0) {
        this.loading.set(imageId, count);
      } else {
        this.loading.delete(imageId);
      }
    }
  }

  private async download(engine: EngineApi, imageId: string, options: ImageArchiveOptions, hooks: ReaderHooks): Promise<ImageArchive> {
    const folder = this.folderOf(imageId);
    const archive = path.join(folder, ARCHIVE);
    let preindexed: ArchivePreindex | undefined;
    if (!(await exists(archive))) {
      await fs.mkdir(folder, { recursive: true });
      // Marked before it starts: another window or CLI run evicting sees the image in use.
      await this.markUsed(imageId, true);
      const partial = `${archive}.${process.pid}-${++downloadCount}.partial`;
      const started = Date.now();
      let bytes = 0;
      const indexer = new StreamingArchiveIndexer();
      try {
        bytes = await engine.saveImage(imageId, partial, {
          signal: options.signal,
          onBytes: (received) => options.onProgress?.({ bytes: received, expectedBytes: options.expectedBytes }),
          onData: (chunk) => indexer.write(chunk),
        });
        const identity = fileIdentity(await fs.stat(partial));
        await fs.rename(partial, archive);
        // Only an index of every byte that went to the file stands for it (and for that very file).
        const index = indexer.bytes === bytes ? indexer.finish() : undefined;
        preindexed = index && { ...index, identity };
      } catch (error) {
        await fs.rm(partial, { force: true });
        throw error;
      }
      this.options.log.info(`archive of ${imageId}: ${bytes} bytes in ${Date.now() - started} ms`);
    }
    await this.markUsed(imageId, true);
    try {
      return await ImageArchive.open(archive, { cacheDir: folder, signal: options.signal, preindexed, ...hooks, maxCopyBytes: () => this.limit() });
    } catch (error) {
      // A truncated or corrupt download is not kept; a cancel or a full disk says nothing about it.
      if (isBrokenArchive(error)) {
        await this.removeImageFolder(imageId);
      }
      throw error;
    }
  }

  /** Writes the image's last-used mark; unless forced, at most once a touchIntervalMs (a read is no write). */
  private markUsed(imageId: string, force = false): Promise<void> {
    const now = Date.now();
    const last = this.marked.get(imageId);
    if (!force && last !== undefined && now - last < (this.options.touchIntervalMs ?? TOUCH_INTERVAL_MS)) {
      return Promise.resolve();
    }
    this.marked.set(imageId, now);
    const write = fs.writeFile(path.join(this.folderOf(imageId), LAST_USED), String(now)).catch(() => undefined);
    this.marking.add(write);
    void write.then(() => this.marking.delete(write));
    return write;
  }

  /**
   * Removes an image's folder: renamed to images/.trash-<random> first (atomic), so a download
   * starting now makes a new folder instead of writing into one half deleted, then deleted. Where
   * the rename fails (Windows, a file of it open), it is deleted in place.
   */
  private async removeImageFolder(imageId: string): Promise<void> {
    const folder = this.folderOf(imageId);
    const trash = path.join(this.imagesDir, `${TRASH_PREFIX}${randomBytes(8).toString('hex')}`);
    const moved = fs.rename(folder, trash).then(
      () => true,
      async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') {
          await fs.rm(folder, { recursive: true, force: true });
        }
        return false;
      },
    );
    const settled = moved.then(
      () => undefined,
      () => undefined,
    );
    this.removing.set(imageId, settled);
    void settled.then(() => {
      if (this.removing.get(imageId) === settled) {
        this.removing.delete(imageId);
      }
    });
    if (await moved) {
      // Where it cannot be deleted now, the next eviction's listing removes it.
      await fs.rm(trash, { recursive: true, force: true }).catch((error: Error) => this.options.log.warn(`cannot remove ${trash}: ${error.message}`));
    }
  }

  private evictSoon(): void {
    this.evictPast(undefined).catch((error: Error) => this.options.log.warn(`cannot evict from the archive cache: ${error.message}`));
  }

  /** Least recently used first, until the cache fits; never `keep` (default: the image used last), nor anything in use. */
  private evictPast(keep: string | undefined): Promise<void> {
    const run = this.evicting.then(() => this.evictOnce(keep));
    this.evicting = run.catch(() => undefined);
    return run;
  }

  private async evictOnce(keep: string | undefined): Promise<void> {
    await Promise.all(this.marking);
    const entries = [...(await this.imageEntries()), ...(await this.copyEntries())].sort((a, b) => a.lastUsed - b.lastUsed);
    const maxBytes = this.limit();
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    // The image used last is the one being looked at, as the one just downloaded is.
    const kept = keep ?? entries.filter((entry) => entry.imageId !== undefined).at(-1)?.imageId;
    for (const entry of entries) {
      if (total <= maxBytes) {
        break;
      }
      const inUse = entry.imageId === undefined ? isHeldCopy(entry.path) : entry.busy || entry.imageId === kept || this.loading.has(entry.imageId);
      if (inUse) {
        continue;
      }
      this.options.log.info(`cache over ${maxBytes} bytes: evicting ${entry.name} (${entry.bytes} bytes)`);
      if (entry.imageId !== undefined) {
        this.forget(entry.imageId);
        await this.removeImageFolder(entry.imageId);
      } else {
        await fs.rm(entry.path, { force: true });
      }
      total -= entry.bytes;
    }
  }

  /** The Engine's archives: a folder per image, last used as its mark says. Trash a removal left is removed. */
  private async imageEntries(): Promise<CacheEntry[]> {
    const root = this.imagesDir;
    const names = await fs.readdir(root).catch(() => [] as string[]);
    const now = Date.now();
    const entries = await Promise.all(
      names.map(async (name): Promise<CacheEntry | undefined> => {
        const folder = path.join(root, name);
        if (name.startsWith(TRASH_PREFIX)) {
          // Its removal did not finish (the process ended): no image's, and nothing to keep.
          await fs.rm(folder, { recursive: true, force: true }).catch(() => undefined);
          return undefined;
        }
        if (!IMAGE_FOLDER.test(name)) {
          return undefined;
        }
        const lastUsed = Number(await fs.readFile(path.join(folder, LAST_USED), 'utf8').catch(() => '0'));
        const usage = await folderUsage(folder);
        return {
          name: `${IMAGES}/${name}`,
          path: folder,
          lastUsed: Number.isFinite(lastUsed) ? lastUsed : 0,
          bytes: usage.bytes,
          imageId: `sha256:${name}`,
          busy: now - usage.newestPartialMs < STALE_PARTIAL_MS,
        };
      }),
    );
    return entries.filter((entry) => entry !== undefined);
  }

  /** Decompressed copies of saved archives and their blobs: a file each, last used as its modification time says. */
  private async copyEntries(): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = [];
    const now = Date.now();
    const walk = async (folder: string, depth: number): Promise<void> => {
      for (const dirent of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
        const file = path.join(folder, dirent.name);
        if (dirent.isDirectory() && depth < 2) {
          await walk(file, depth + 1);
          continue;
        }
        const stat = dirent.isFile() ? await fs.lstat(file).catch(() => undefined) : undefined;
        // A copy being written is not an entry yet; one left by a run that died is.
        if (stat && !(dirent.name.endsWith('.partial') && now - stat.mtimeMs < STALE_PARTIAL_MS)) {
          entries.push({ name: path.relative(this.options.dir, file), path: file, lastUsed: stat.mtimeMs, bytes: stat.size });
        }
      }
    };
    await walk(this.filesDir, 0);
    return entries;
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** The bytes a folder holds, and when a temporary file in it was last written (0: none is there). */
async function folderUsage(folder: string): Promise<{ bytes: number; newestPartialMs: number }> {
  let bytes = 0;
  let newestPartialMs = 0;
  for (const dirent of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
    const child = path.join(folder, dirent.name);
    if (dirent.isDirectory()) {
      const inner = await folderUsage(child);
      bytes += inner.bytes;
      newestPartialMs = Math.max(newestPartialMs, inner.newestPartialMs);
      continue;
    }
    const stat = await fs.lstat(child).catch(() => undefined);
    bytes += stat?.size ?? 0;
    if (stat && dirent.name.endsWith('.partial')) {
      newestPartialMs = Math.max(newestPartialMs, stat.mtimeMs);
    }
  }
  return { bytes, newestPartialMs };
}

/** Temporary names of downloads: unique in the process, so two downloads of one image never share one. */
let downloadCount = 0;
