/**
 * An image archive indexed as it streams by, while the Engine's archive is downloaded: the outer
 * tar's entries, and each entry whose data is itself a plain tar (`<id>/layer.tar`, an
 * uncompressed OCI blob) into a LayerIndex, in the same pass. ImageArchive.open then reads no
 * header again. An entry that is not a tar (JSON, a gzip or zstd blob) is dropped at its first
 * header; compressed blobs are indexed after decompression, as for any archive.
 */
import { LayerIndex } from './layerIndex';
import { FileIdentity } from './tarFile';
import { TarDataSink, TarEntry, TarIndexer } from './tarIndex';

/** What the stream held: the outer entries, and the index of each inner tar by its data offset. */
export interface ArchivePreindex {
  entries: TarEntry[];
  layers: Map<number, LayerIndex>;
  /** The file the stream went to, when known: another file in its place (another process's download) is indexed anew. */
  identity?: FileIdentity;
}

/** Two zero blocks: no tar is shorter. */
const SMALLEST_TAR = 1024;

export class StreamingArchiveIndexer {
  private readonly entries: TarEntry[] = [];
  private readonly layers = new Map<number, LayerIndex>();
  private readonly outer = new TarIndexer((entry) => this.onOuterEntry(entry));
  private broken = false;
  /** Bytes written: the index is of a file only when it saw all of that file. */
  bytes = 0;

  /** The next bytes of the archive (read during the call only). */
  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.broken) {
      return;
    }
    try {
      this.outer.write(chunk);
    } catch {
      this.broken = true; // ImageArchive.open reads the file itself and says what is wrong with it.
    }
  }

  /** The index of a whole plain tar; undefined when the stream was not one. */
  finish(): ArchivePreindex | undefined {
    try {
      this.outer.end();
    } catch {
      this.broken = true;
    }
    return this.broken ? undefined : { entries: this.entries, layers: this.layers };
  }

  private onOuterEntry(entry: TarEntry): TarDataSink | undefined {
    this.entries.push(entry);
    if (entry.type !== 'file' || entry.size < SMALLEST_TAR) {
      return undefined;
    }
    const index = new LayerIndex();
    let inner: TarIndexer | undefined = new TarIndexer((tarEntry) => {
      index.add(tarEntry);
    });
    return {
      data: (bytes) => {
        try {
          inner?.write(bytes);
        } catch {
          inner = undefined; // Not a tar.
        }
      },
      end: () => {
        try {
          inner?.end();
          if (inner) {
            this.layers.set(entry.dataOffset, index);
          }
        } catch {
          // Cut inside an entry: not a whole tar, so not a layer to trust.
        }
      },
    };
  }
}
