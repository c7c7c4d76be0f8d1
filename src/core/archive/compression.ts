/**
 * Layer blobs as the Engine exports them: plain tar (classic store), gzip (the containerd store
 * keeps them as pulled) or zstd. Node's zlib has gzip; zstd comes from fzstd, a pure-JavaScript
 * decoder, since the extension host's Node 20 has none.
 */
import { Decompress } from 'fzstd';
import { Transform, TransformCallback } from 'stream';
import * as zlib from 'zlib';

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

/** A stream that decompresses what is written to it. */
export function decompressor(compression: Exclude<Compression, 'none'>): Transform {
  return compression === 'gzip' ? zlib.createGunzip() : new ZstdDecompressStream();
}

class ZstdDecompressStream extends Transform {
  private readonly decoder = new Decompress((chunk) => {
    this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      callback();
    } catch (error) {
      callback(new Error(`corrupt zstd data: ${(error as Error).message}`));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (error) {
      callback(new Error(`corrupt or truncated zstd data: ${(error as Error).message}`));
    }
  }
}
