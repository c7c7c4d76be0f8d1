/**
 * Image archives from the Engine (`GET /images/{id}/get`, what `docker save` uses), kept on disk
 * so layers can be read without root, from a remote daemon, Docker Desktop or the containerd
 * store: streamed once into `<cache>/images/<image id>/archive.tar`, then read by offset. One
 * folder per image ID (an ID names fixed content), least recently used evicted past the size
 * limit, dropped when the image is deleted. The cache is the only thing ever written.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { digestHex, isFullDigest } from '../digest';
import { EngineApi } from '../engine/engineApi';
import { Logger } from '../logger';
import { ImageArchive } from './imageArchive';
import { ArchivePreindex, StreamingArchiveIndexer } from './streamingArchiveIndexer';

export interface ArchiveCacheOptions {
  dir: string;
  /** Evict least recently used images past this many bytes (the one in use is never evicted); read at each eviction. */
  maxBytes: number | (() => number);
  log: Logger;
}

export interface DownloadProgress {
  /** Bytes received so far. */
  bytes: number;
  /** The image's size as the Engine reported it, when known. */
  expectedBytes?: number;
}

const ARCHIVE = 'archive.tar';
const LAST_USED = 'last-used';

export class ArchiveCache {
  private readonly opened = new Map<string, Promise<ImageArchive>>();

  constructor(private readonly options: ArchiveCacheOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** The archive of an image from the Engine: from the cache, or downloaded into it once. */
  imageArchive(engine: EngineApi, imageId: string, options: { signal?: AbortSignal; onProgress?: (progress: DownloadProgress) => void; expectedBytes?: number } = {}): Promise<ImageArchive> {
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
    const opening = this.load(engine, imageId, options);
    this.opened.set(imageId, opening);
    opening.catch(() => this.opened.delete(imageId));
    return opening;
  }

  /** Whether the image's archive is here already: opening it downloads nothing. */
  async has(imageId: string): Promise<boolean> {
    return isFullDigest(imageId) && (this.opened.has(imageId) || (await exists(path.join(this.folderOf(imageId), ARCHIVE))));
  }

  /** Forget an image (it was deleted): its folder goes. */
  async drop(imageId: string): Promise<void> {
    this.opened.delete(imageId);
    if (isFullDigest(imageId)) {
      await fs.rm(this.folderOf(imageId), { recursive: true, force: true });
    }
  }

  private folderOf(imageId: string): string {
    return path.join(this.options.dir, 'images', digestHex(imageId));
  }

  private async load(engine: EngineApi, imageId: string, options: { signal?: AbortSignal; onProgress?: (progress: DownloadProgress) => void; expectedBytes?: number }): Promise<ImageArchive> {
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
      const opened = await ImageArchive.open(archive, { cacheDir: folder, signal: options.signal, preindexed });
      await this.evict(imageId);
      return opened;
    } catch (error) {
      // A truncated or corrupt download is not kept.
      await fs.rm(folder, { recursive: true, force: true });
      throw error;
    }
  }

  private async touch(imageId: string): Promise<void> {
    await fs.writeFile(path.join(this.folderOf(imageId), LAST_USED), String(Date.now())).catch(() => undefined);
  }

  /** Least recently used first, until the cache fits; never the image just opened. */
  private async evict(keep: string): Promise<void> {
    const root = path.join(this.options.dir, 'images');
    const folders = await fs.readdir(root).catch(() => [] as string[]);
    const sized = await Promise.all(
      folders.map(async (name) => {
        const folder = path.join(root, name);
        const lastUsed = Number(await fs.readFile(path.join(folder, LAST_USED), 'utf8').catch(() => '0'));
        return { name, folder, lastUsed, bytes: await folderBytes(folder) };
      }),
    );
    const maxBytes = typeof this.options.maxBytes === 'function' ? this.options.maxBytes() : this.options.maxBytes;
    let total = sized.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of sized.sort((a, b) => a.lastUsed - b.lastUsed)) {
      if (total <= maxBytes) {
        break;
      }
      if (`sha256:${entry.name}` === keep) {
        continue;
      }
      this.options.log.info(`cache over ${maxBytes} bytes: evicting ${entry.name} (${entry.bytes} bytes)`);
      this.opened.delete(`sha256:${entry.name}`);
      await fs.rm(entry.folder, { recursive: true, force: true });
      total -= entry.bytes;
    }
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
