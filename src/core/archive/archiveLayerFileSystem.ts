/**
 * A layer's files from its tar, read by offset: the index says where each file's data starts in
 * the (decompressed) layer tar on disk, and a read is one positioned read of that many bytes.
 * Hard links read their target's data; symbolic links are described, never followed. A tar that
 * ends before a file does, or is gone, is reported through `onBroken` (the cache drops its entry).
 */
import { promises as fs } from 'fs';
import { LayerEntry, LayerFileSystem, LayerFsError, ReadFileOptions, readSpan } from '../layerfs/layerFileSystem';
import { normalizeLayerPath } from '../layerfs/layerPath';
import { IndexedEntry, LayerIndex } from './layerIndex';

export interface LayerTarFile {
  /** The file that holds the layer tar (an archive, or a decompressed copy in the cache). */
  path: string;
  /** Where the layer tar starts in that file. */
  offset: number;
}

export class ArchiveLayerFileSystem implements LayerFileSystem {
  readonly source = 'archive';
  constructor(
    readonly index: LayerIndex,
    private readonly tar: LayerTarFile,
    /** Called when the tar turns out truncated or gone; what it returns is added to the message. */
    private readonly onBroken?: () => Promise<string>,
  ) {}

  async stat(layerPath: string): Promise<LayerEntry> {
    return this.find(layerPath);
  }

  async readDirectory(layerPath: string): Promise<LayerEntry[]> {
    const entry = this.find(layerPath);
    const children = this.index.list(entry.path);
    if (!children) {
      throw new LayerFsError('notDirectory', entry.path, 'is not a directory');
    }
    return children;
  }

  async readFile(layerPath: string, options: ReadFileOptions = {}): Promise<Buffer> {
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
    const handle = await fs.open(this.tar.path, 'r').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') {
        throw error;
      }
      throw new LayerFsError('io', entry.path, await this.withNote(`the archive it is read from is gone: ${this.tar.path}`));
    });
    try {
      const { start, length } = readSpan(entry.size, options.range);
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, this.tar.offset + entry.dataOffset + start + read);
        if (bytesRead === 0) {
          throw new LayerFsError('io', entry.path, await this.withNote('the archive is truncated: it ends before the file does'));
        }
        read += bytesRead;
      }
      return buffer;
    } finally {
      await handle.close();
    }
  }

  private async withNote(detail: string): Promise<string> {
    const note = await this.onBroken?.().catch(() => undefined);
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
