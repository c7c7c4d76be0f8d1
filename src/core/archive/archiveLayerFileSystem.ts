/**
 * A layer's files from its tar, read by offset: the index says where each file's data starts in
 * the (decompressed) layer tar on disk, and a read is one positioned read of that many bytes.
 * Hard links read their target's data; symbolic links are described, never followed. A tar that
 * ends before a file does, is gone, or is another file than the one indexed (the cache dropped it
 * and downloaded it again) is reported through `onBroken`: offsets of one file never read another.
 */
import { promises as fs } from 'fs';
import { LayerEntry, LayerFileSystem, LayerFsError, ReadFileOptions, readSpan } from '../layerfs/layerFileSystem';
import { normalizeLayerPath } from '../layerfs/layerPath';
import { IndexedEntry, LayerIndex } from './layerIndex';
import { FileIdentity, fileIdentity, isSameFile } from './tarFile';

/**
 * Why an archive that is a cache entry cannot be read: its file is gone (deleted, or another file
 * in its place), cut short since it was indexed, or corrupt as written (another copy may be too).
 */
export type BrokenReason = 'gone' | 'truncated' | 'corrupt';

export interface LayerTarFile {
  /** The file that holds the layer tar (an archive, or a decompressed copy in the cache). */
  path: string;
  /** Where the layer tar starts in that file. */
  offset: number;
  /** The file the index was built from; when not given, the file the first read finds. */
  identity?: FileIdentity;
}

export interface ArchiveLayerHooks {
  /** Called when the tar turns out gone or cut short; what it returns is added to the message. */
  onBroken?: (reason: Exclude<BrokenReason, 'corrupt'>) => Promise<string | undefined>;
  /** Called on each use of the layer (the cache counts it for least recently used; it throttles). */
  onUse?: () => void;
  /** Whether the archive it belongs to is still open: once it is closed (or dropped from the cache), no file is read. */
  isOpen?: () => boolean;
}

export class ArchiveLayerFileSystem implements LayerFileSystem {
  readonly source = 'archive';
  private identity: FileIdentity | undefined;

  constructor(
    readonly index: LayerIndex,
    private readonly tar: LayerTarFile,
    private readonly hooks: ArchiveLayerHooks = {},
  ) {
    this.identity = tar.identity;
  }

  async stat(layerPath: string): Promise<LayerEntry> {
    this.hooks.onUse?.();
    return this.find(layerPath);
  }

  async readDirectory(layerPath: string): Promise<LayerEntry[]> {
    this.hooks.onUse?.();
    const entry = this.find(layerPath);
    const children = this.index.list(entry.path);
    if (!children) {
      throw new LayerFsError('notDirectory', entry.path, 'is not a directory');
    }
    return children;
  }

  async readFile(layerPath: string, options: ReadFileOptions = {}): Promise<Buffer> {
    this.hooks.onUse?.();
    let entry = this.find(layerPath);
    // A hard link names a file earlier in the same layer: read that one (a chain ends in a file).
    for (let hops = 0; entry.kind === 'hardlink' && hops < 16; hops++) {
      const target = this.index.get(entry.linkTarget ?? '');
      if (!target) {
        throw new LayerFsError('notFound', entry.path, `is a hard link to ${entry.linkTarget ?? '?'}, which is not in this layer`);
      }
      entry = target;
    }
    if (entry.kind === 'directory' || entry.kind === 'opaqueDirectory') {
      throw new LayerFsError('isDirectory', entry.path, 'is a directory');
    }
    if (entry.kind !== 'file') {
      throw new LayerFsError('notRegularFile', entry.path, 'is not a regular file');
    }
    if (options.maxBytes !== undefined && entry.size > options.maxBytes) {
      throw new LayerFsError('tooLarge', entry.path, `is ${entry.size} bytes, more than the ${options.maxBytes} allowed`);
    }
    if (this.hooks.isOpen?.() === false) {
      throw new LayerFsError('io', entry.path, await this.withNote('gone', `the archive it is read from is gone (closed, or dropped from the cache): ${this.tar.path}`));
    }
    const handle = await fs.open(this.tar.path, 'r').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') {
        throw error;
      }
      throw new LayerFsError('io', entry.path, await this.withNote('gone', `the archive it is read from is gone: ${this.tar.path}`));
    });
    try {
      const identity = fileIdentity(await handle.stat());
      if (this.identity && !isSameFile(this.identity, identity)) {
        if (identity.dev === this.identity.dev && identity.ino === this.identity.ino && identity.size < this.identity.size) {
          throw new LayerFsError('io', entry.path, await this.withNote('truncated', 'the archive is truncated: it ends before the file does'));
        }
        // Dropped and downloaded again (by another window): the index's offsets are the old file's.
        throw new LayerFsError('io', entry.path, await this.withNote('gone', `the archive it is read from is gone (another file is in its place): ${this.tar.path}`));
      }
      this.identity = identity;
      const { start, length } = readSpan(entry.size, options.range);
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, this.tar.offset + entry.dataOffset + start + read);
        if (bytesRead === 0) {
          throw new LayerFsError('io', entry.path, await this.withNote('truncated', 'the archive is truncated: it ends before the file does'));
        }
        read += bytesRead;
      }
      return buffer;
    } finally {
      await handle.close();
    }
  }

  private async withNote(reason: Exclude<BrokenReason, 'corrupt'>, detail: string): Promise<string> {
    const note = await this.hooks.onBroken?.(reason).catch(() => undefined);
    return note ? `${detail}; ${note}` : detail;
  }

  hostPath(): undefined {
    return undefined;
  }

  private find(layerPath: string): IndexedEntry {
    const normalized = normalizeLayerPath(layerPath);
    const entry = this.index.get(normalized);
    if (!entry) {
      throw new LayerFsError('notFound', normalized, 'does not exist in this layer');
    }
    return entry;
  }
}
