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

function receive(socketPath: string, requestPath: string, output: fs.FileHandle, { signal, onBytes }: SaveImageOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const decoder = new HttpResponseDecoder();
    const pending = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
    let used = 0;
    const errorBody: Buffer[] = [];
    let errorBytes = 0;
    let settled = false;
    let writing: Promise<void> = Promise.resolve();

    const finish = (failure?: unknown) => {
      const error = failure === undefined ? undefined : failure instanceof Error ? failure : new Error(JSON.stringify(failure));
      if (settled) {
        return;
      }
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) {
        // A write in flight ends before the file is closed.
        writing.then(() => reject(error), () => reject(error));
        return;
      }
      if (decoder.statusCode !== 200) {
        const body = Buffer.concat(errorBody).toString('utf8');
        reject(new EngineStatusError(decoder.statusCode, parseJson(body), body));
        return;
      }
      writing
        .then(() => flush())
        .then(
          () => resolve(decoder.bodyBytes),
          (writeError: unknown) => reject(writeError instanceof Error ? writeError : new Error(String(writeError))),
        );
    };
    const flush = async () => {
      let offset = 0;
      while (offset < used) {
        const { bytesWritten } = await output.write(pending, offset, used - offset);
        offset += bytesWritten;
      }
      used = 0;
    };
    const onAbort = () => finish(signal?.reason ?? new Error('aborted'));
    const onBody = (data: Buffer) => {
      if (decoder.statusCode === 200) {
        used += data.copy(pending, used);
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
          if (pending.length - used < READ_BUFFER_BYTES) {
            // Full: stop reading until the buffer is on disk (the next read must fit whole).
            writing = flush().then(
              () => {
                if (!settled) {
                  socket.resume();
                }
              },
              (error: unknown) => finish(error),
            );
            return false;
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
