/**
 * Indexes a tar that is a file on disk (or a byte range of one): headers are read, file data is
 * seeked past, so a 1 GB archive of a few layer tars costs a few reads, not a gigabyte.
 */
import { promises as fs } from 'fs';
import { TarEntry, TarIndexer } from './tarIndex';

const CHUNK = 256 * 1024;

export interface ByteRange {
  offset: number;
  /** Bytes from offset; the rest of the file when undefined. */
  length?: number;
}

export async function indexTarFile(file: string, range: ByteRange, onEntry: (entry: TarEntry) => void, signal?: AbortSignal): Promise<{ entries: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const end = range.length !== undefined ? range.offset + range.length : (await handle.stat()).size;
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
        break;
      }
      indexer.write(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    indexer.end();
    return { entries: indexer.entryCount };
  } finally {
    await handle.close();
  }
}
