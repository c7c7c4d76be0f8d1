/**
 * A long Engine download (`GET /images/{name}/get`) from a unix socket straight into a file,
 * through one fixed read buffer and one write buffer. Node's HTTP client reads into a new 64 KiB
 * buffer each time and V8 frees those only under external-memory pressure: downloading a 1 GB
 * archive that way left ~45 MB of dead buffers in the resident set (docs/benchmarks.md). With the
 * socket's `onread` nothing is allocated per read, so memory stays the same for any size.
 */
import { promises as fs } from 'fs';
import * as net from 'net';
import { SaveImageOptions } from './engineApi';
import { HttpResponseDecoder } from './httpResponseDecoder';

const READ_BUFFER_BYTES = 1024 * 1024;
/** Large writes: 16 KiB ones made a 1 GB archive take 100,000 writes (docs/benchmarks.md). */
export const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Of an error answer's body, what is kept for its message. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The Engine answered with another status than 200: shaped like docker-modem's errors, so they classify the same. */
export class EngineStatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | undefined,
    body: string,
  ) {
    super(json?.message ?? (body.trim() || `HTTP ${statusCode}`));
  }
}

/** GETs `requestPath` over the unix socket and writes a 200 answer's body to `file`; resolves with its size. */
export async function downloadOverUnixSocket(socketPath: string, requestPath: string, file: string, options: SaveImageOptions = {}): Promise<number> {
  options.signal?.throwIfAborted();
  const output = await fs.open(file, 'w');
  try {
    return await receive(socketPath, requestPath, output, options);
  } finally {
    await output.close();
  }
}

function receive(socketPath: string, requestPath: string, output: fs.FileHandle, { signal, onBytes, onData }: SaveImageOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const decoder = new HttpResponseDecoder();
    // Two write buffers: the socket fills one while the other goes to disk, so reads and writes overlap.
    let filling: Buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
    let spare: Buffer | undefined = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
    let used = 0;
    let writing: Promise<void> = Promise.resolve();
    const errorBody: Buffer[] = [];
    let errorBytes = 0;
    let settled = false;

    const asError = (failure: unknown) => (failure instanceof Error ? failure : new Error(JSON.stringify(failure)));
    /** Sends the filled buffer to disk (after the write before it) and fills the spare one meanwhile. */
    const handOver = () => {
      const full = filling;
      const length = used;
      filling = spare!;
      spare = undefined;
      used = 0;
      writing = writing.then(async () => {
        for (let offset = 0; offset < length; ) {
          offset += (await output.write(full, offset, length - offset)).bytesWritten;
        }
        spare = full;
      });
      writing.catch((error: unknown) => finish(error));
    };
    const finish = (failure?: unknown) => {
      if (settled) {
        return;
      }
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      // Whatever the outcome, no write is in flight once this settles (the caller closes the file).
      const written = writing.then(
        () => undefined,
        (error: unknown) => asError(error),
      );
      if (failure !== undefined) {
        void written.then(() => reject(asError(failure)));
      } else if (decoder.statusCode !== 200) {
        const body = Buffer.concat(errorBody).toString('utf8');
        void written.then(() => reject(new EngineStatusError(decoder.statusCode, parseJson(body), body)));
      } else {
        void written.then(async (writeError) => {
          if (writeError) {
            reject(writeError);
            return;
          }
          try {
            for (let offset = 0; offset < used; ) {
              offset += (await output.write(filling, offset, used - offset)).bytesWritten;
            }
            resolve(decoder.bodyBytes);
          } catch (error) {
            reject(asError(error));
          }
        });
      }
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    const onBody = (data: Buffer) => {
      if (decoder.statusCode === 200) {
        onData?.(data);
        used += data.copy(filling, used);
      } else if (errorBytes < MAX_ERROR_BODY_BYTES) {
        const kept = data.subarray(0, MAX_ERROR_BODY_BYTES - errorBytes);
        errorBody.push(Buffer.from(kept));
        errorBytes += kept.length;
      }
    };

    const socket = net.connect({
      path: socketPath,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          try {
            decoder.write(Buffer.from(buffer.buffer, buffer.byteOffset, bytes), onBody);
          } catch (error) {
            finish(error);
            return false;
          }
          onBytes?.(decoder.bodyBytes);
          if (decoder.done) {
            finish();
            return false;
          }
          if (filling.length - used < READ_BUFFER_BYTES) {
            // The next read must fit whole: hand this buffer over, or wait for the disk when both are full.
            if (spare) {
              handOver();
            } else {
              writing.then(
                () => {
                  if (!settled) {
                    handOver();
                    socket.resume();
                  }
                },
                () => undefined, // finish() has the error (handOver's catch).
              );
              return false;
            }
          }
          return true;
        },
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(`GET ${requestPath} HTTP/1.1\r\nHost: docker\r\nUser-Agent: docker-layer-explorer\r\nConnection: close\r\n\r\n`));
    socket.on('end', () => {
      try {
        decoder.end();
        finish();
      } catch (error) {
        finish(error);
      }
    });
    socket.on('error', (error) => finish(error));
  });
}

function parseJson(text: string): { message?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
