/**
 * Layer blobs as the Engine exports them: plain tar (classic store), gzip (the containerd store
 * keeps them as pulled) or zstd. Node's zlib has gzip; zstd comes from fzstd, a pure-JavaScript
 * decoder, since the extension host's Node 20 has none.
 */
import { Decompress } from 'fzstd';
import { Transform, TransformCallback } from 'stream';
import { zlibModule } from '../loadedOnFirstUse';

export type Compression = 'none' | 'gzip' | 'zstd';

/** From a blob's first bytes. */
export function compressionOf(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return 'gzip';
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) {
    return 'zstd';
  }
  return 'none';
}

/** The decompressed data passed the most it may be (a small blob that decompresses without end fills no disk). */
export class DecompressedTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`it decompresses to more than ${maxBytes} bytes`);
    this.name = 'DecompressedTooLargeError';
  }
}

/**
 * A stream that decompresses what is written to it. zstd fails with DecompressedTooLargeError
 * once it gave more than maxBytes, inside the write that passes it; gzip gives at most about a
 * thousand times what is written at once, so byteLimit after it stops it in time.
 */
export function decompressor(compression: Exclude<Compression, 'none'>, maxBytes = Number.POSITIVE_INFINITY): Transform {
  return compression === 'gzip' ? zlibModule().createGunzip() : new ZstdDecompressStream(maxBytes);
}

/** Passes data on, and fails with DecompressedTooLargeError once more than maxBytes went through. */
export function byteLimit(maxBytes: number): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        callback(new DecompressedTooLargeError(maxBytes));
      } else {
        callback(null, chunk);
      }
    },
  });
}

class ZstdDecompressStream extends Transform {
  private bytes = 0;
  private readonly decoder = new Decompress((chunk) => {
    // Checked per block, inside one write: a few kilobytes of zstd can stand for gigabytes.
    this.bytes += chunk.byteLength;
    if (this.bytes > this.maxBytes) {
      throw new DecompressedTooLargeError(this.maxBytes);
    }
    this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(error instanceof DecompressedTooLargeError ? error : new Error(`corrupt zstd data: ${(error as Error).message}`));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(error instanceof DecompressedTooLargeError ? error : new Error(`corrupt or truncated zstd data: ${(error as Error).message}`));
    }
  }
}
