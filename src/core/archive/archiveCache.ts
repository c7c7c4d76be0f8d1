/**
 * Image archives from the Engine (`GET /images/{id}/get`, what `docker save` uses), kept on disk
 * so layers can be read without root, from a remote daemon, Docker Desktop or the containerd
 * store: streamed once into `<cache>/images/<image id>/archive.tar`, then read by offset. One
 * folder per image ID (an ID names fixed content), dropped when the image is deleted or a layer
 * of it turns out truncated or corrupt. Saved archives the user opens keep their decompressed
 * copies (of a .tar.gz, of gzip and zstd blobs) in `<cache>/files/`. Both count against one size
 * limit, least recently used evicted first. The cache is the only thing ever written.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { digestHex, isFullDigest } from '../digest';
import { EngineApi } from '../engine/engineApi';
import { Logger } from '../logger';
import { ImageArchive, isHeldCopy } from './imageArchive';
import { ArchivePreindex, StreamingArchiveIndexer } from './streamingArchiveIndexer';

export interface ArchiveCacheOptions {
  dir: string;
  /**
   * Evict least recently used entries past this many bytes; read at each eviction. Never evicted:
   * the image archive used last, one being downloaded, a copy an open saved archive reads.
   */
  maxBytes: number | (() => number);
  log: Logger;
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

/** One thing eviction can remove: an image's folder, or a decompressed copy. */
interface CacheEntry {
  /** For the log: its path in the cache. */
  name: string;
  path: string;
  lastUsed: number;
  bytes: number;
  /** The image whose folder it is; undefined for a decompressed copy. */
  imageId?: string;
}

const IMAGES = 'images';
const FILES = 'files';
const ARCHIVE = 'archive.tar';
const LAST_USED = 'last-used';
/** A temporary copy not written to for this long was left by a run that died. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

export class ArchiveCache {
  private readonly opened = new Map<string, Promise<ImageArchive>>();
  /** Images whose archives are being downloaded or opened: their folders are not evicted. */
  private readonly loading = new Set<string>();
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

  /** The archive of an image from the Engine: from the cache, or downloaded into it once. */
  imageArchive(engine: EngineApi, imageId: string, options: ImageArchiveOptions = {}): Promise<ImageArchive> {
    if (!isFullDigest(imageId)) {
      return Promise.reject(new Error(`not an image ID: ${imageId}`));
    }
    const existing = this.opened.get(imageId);
    if (existing) {
      // Awaited with the archive: a write still running when the caller is done could land in a folder being removed.
      return existing.then(async (archive) => {
        await this.touch(imageId);
        return archive;
      });
    }
    const opening: Promise<ImageArchive> = this.load(engine, imageId, options, () => this.dropBroken(imageId, opening));
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
    return ImageArchive.open(file, { cacheDir: this.filesDir, signal: options.signal, onCopy: () => this.evictSoon() });
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
      await fs.rm(this.folderOf(imageId), { recursive: true, force: true });
    }
  }

  /** Evicts least recently used entries until the cache fits its limit as it is now (the setting changed). */
  evictToLimit(): Promise<void> {
    return this.evictPast(undefined);
  }

  private folderOf(imageId: string): string {
    return path.join(this.options.dir, IMAGES, digestHex(imageId));
  }

  private forget(imageId: string): void {
    const opening = this.opened.get(imageId);
    this.opened.delete(imageId);
    // Its copies are in the folder that goes: closing lets go of them.
    opening?.then((archive) => archive.close()).catch(() => undefined);
  }

  /** A layer of the image's archive turned out truncated, corrupt or gone: the entry goes, so the next attempt downloads it again. */
  private async dropBroken(imageId: string, opening: Promise<ImageArchive>): Promise<string> {
    if (this.opened.get(imageId) === opening) {
      this.options.log.warn(`the archive of ${imageId} is truncated, corrupt or gone: dropped from the cache`);
      await this.drop(imageId);
    }
    return 'it is dropped from the cache: the next attempt downloads it again';
  }

  private async load(engine: EngineApi, imageId: string, options: ImageArchiveOptions, onBroken: () => Promise<string>): Promise<ImageArchive> {
    this.loading.add(imageId);
    try {
      const opened = await this.download(engine, imageId, options, onBroken);
      await this.evictPast(imageId).catch((error: Error) => this.options.log.warn(`cannot evict from the archive cache: ${error.message}`));
      return opened;
    } finally {
      this.loading.delete(imageId);
    }
  }

  private async download(engine: EngineApi, imageId: string, options: ImageArchiveOptions, onBroken: () => Promise<string>): Promise<ImageArchive> {
    const folder = this.folderOf(imageId);
    const archive = path.join(folder, ARCHIVE);
    let preindexed: ArchivePreindex | undefined;
    if (!(await exists(archive))) {
      await fs.mkdir(folder, { recursive: true });
      const partial = `${archive}.${process.pid}.partial`;
      const started = Date.now();
      let bytes = 0;
      const indexer = new StreamingArchiveIndexer();
      try {
        bytes = await engine.saveImage(imageId, partial, {
          signal: options.signal,
          onBytes: (received) => options.onProgress?.({ bytes: received, expectedBytes: options.expectedBytes }),
          onData: (chunk) => indexer.write(chunk),
        });
        await fs.rename(partial, archive);
        // Only an index of every byte that went to the file stands for it.
        preindexed = indexer.bytes === bytes ? indexer.finish() : undefined;
      } catch (error) {
        await fs.rm(partial, { force: true });
        throw error;
      }
      this.options.log.info(`archive of ${imageId}: ${bytes} bytes in ${Date.now() - started} ms`);
    }
    await this.touch(imageId);
    try {
      return await ImageArchive.open(archive, { cacheDir: folder, signal: options.signal, preindexed, onBroken });
    } catch (error) {
      // A truncated or corrupt download is not kept.
      await fs.rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  private async touch(imageId: string): Promise<void> {
    await fs.writeFile(path.join(this.folderOf(imageId), LAST_USED), String(Date.now())).catch(() => undefined);
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
    const entries = [...(await this.imageEntries()), ...(await this.copyEntries())].sort((a, b) => a.lastUsed - b.lastUsed);
    const maxBytes = typeof this.options.maxBytes === 'function' ? this.options.maxBytes() : this.options.maxBytes;
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
    // The image used last is the one being looked at, as the one just downloaded is.
    const kept = keep ?? entries.filter((entry) => entry.imageId !== undefined).at(-1)?.imageId;
    for (const entry of entries) {
      if (total <= maxBytes) {
        break;
      }
      const inUse = entry.imageId === undefined ? isHeldCopy(entry.path) : entry.imageId === kept || this.loading.has(entry.imageId);
      if (inUse) {
        continue;
      }
      this.options.log.info(`cache over ${maxBytes} bytes: evicting ${entry.name} (${entry.bytes} bytes)`);
      if (entry.imageId !== undefined) {
        this.forget(entry.imageId);
      }
      await fs.rm(entry.path, { recursive: true, force: true });
      total -= entry.bytes;
    }
  }

  /** The Engine's archives: a folder per image, last used as its mark says. */
  private async imageEntries(): Promise<CacheEntry[]> {
    const root = path.join(this.options.dir, IMAGES);
    const folders = await fs.readdir(root).catch(() => [] as string[]);
    return Promise.all(
      folders.map(async (name) => {
        const folder = path.join(root, name);
        const lastUsed = Number(await fs.readFile(path.join(folder, LAST_USED), 'utf8').catch(() => '0'));
        return { name: `${IMAGES}/${name}`, path: folder, lastUsed: Number.isFinite(lastUsed) ? lastUsed : 0, bytes: await folderBytes(folder), imageId: `sha256:${name}` };
      }),
    );
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

async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const dirent of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
    const child = path.join(folder, dirent.name);
    total += dirent.isDirectory() ? await folderBytes(child) : (await fs.lstat(child).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
