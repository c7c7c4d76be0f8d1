/**
 * Indexes a tar that is a file on disk (or a byte range of one): headers are read, file data is
 * seeked past, so a 1 GB archive of a few layer tars costs a few reads, not a gigabyte.
 */
import { promises as fs } from 'fs';
import { TarEntry, TarFormatError, TarIndexer } from './tarIndex';

const CHUNK = 256 * 1024;

export interface ByteRange {
  offset: number;
  /** Bytes from offset; the rest of the file when undefined. */
  length?: number;
}

/**
 * Which file on disk a path named when it was read: a file put in its place since is another one.
 * The size too: a deleted file's inode number is soon given to a new file (another download of the
 * same image), and a download laid out otherwise differs in size. (Not the modification time: a
 * decompressed copy's is its last use.)
 */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
}

export function fileIdentity(stat: FileIdentity): FileIdentity {
  return { dev: stat.dev, ino: stat.ino, size: stat.size };
}

export function isSameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size;
}

/**
 * The file ends before the byte range it should hold: it was cut after it was indexed (a full
 * disk, another process), not written that way. Another copy of it can be whole.
 */
export class TarFileCutError extends TarFormatError {
  constructor(fileBytes: number, end: number) {
    super(`the archive is truncated: the file is ${fileBytes} bytes, and the tar should end at byte ${end}`);
    this.name = 'TarFileCutError';
  }
}

export async function indexTarFile(file: string, range: ByteRange, onEntry: (entry: TarEntry) => void, signal?: AbortSignal): Promise<{ entries: number; identity: FileIdentity }> {
  const handle = await fs.open(file, 'r');
  try {
    const stat = await handle.stat();
    const end = range.length !== undefined ? range.offset + range.length : stat.size;
    if (end > stat.size) {
      throw new TarFileCutError(stat.size, end);
    }
    const indexer = new TarIndexer(onEntry);
    const buffer = Buffer.alloc(CHUNK);
    let position = range.offset;
    while (position < end && !indexer.complete) {
      signal?.throwIfAborted();
      const skippable = Math.min(indexer.skippableBytes, end - position);
      if (skippable > 0) {
        indexer.skip(skippable);
        position += skippable;
        continue;
      }
      const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, end - position), position);
      if (bytesRead === 0) {
        throw new TarFileCutError(position, end); // Cut while it was read.
      }
      indexer.write(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    indexer.end();
    return { entries: indexer.entryCount, identity: fileIdentity(stat) };
  } finally {
    await handle.close();
  }
}
