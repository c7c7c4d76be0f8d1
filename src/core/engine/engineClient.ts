/**
 * The Docker Engine API through dockerode's modem, with errors classified and every request logged
 * with its duration. Requests are unversioned, so the daemon answers in its own (newest) API
 * version: no old version is pinned. Every request goes through one `dial`, which passes the
 * caller's AbortSignal on (dockerode's own wrappers drop it for some endpoints).
 */
import Dockerode from 'dockerode';
import { createWriteStream } from 'fs';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { Logger } from '../logger';
import { EngineApi, SaveImageOptions } from './engineApi';
import { EngineEndpoint } from './engineEndpoint';
import { classifyEngineError, EngineNotFoundError } from './engineErrors';
import { REQUEST_TIMEOUT_MS, dockerodeOptionsFor } from './dockerodeOptions';
import { checkReference } from './references';
import { WRITE_BUFFER_BYTES, downloadOverUnixSocket } from './socketDownload';
import {
  ContainerInspect,
  ContainerListEntry,
  EngineInfo,
  EngineVersion,
  ImageHistoryEntry,
  ImageInspect,
  ImageListEntry,
} from './engineTypes';

interface Request {
  /** For the log: `GET /images/x/json`. */
  what: string;
  path: string;
  /** Query parameters; objects are sent as JSON (filters). */
  query?: Record<string, unknown>;
  isStream?: boolean;
  /** An image or container reference: a 404 then means it does not exist. */
  reference?: string;
}

/** What docker-modem's dial takes (it has no published types of its own). */
interface DialOptions {
  path: string;
  method: 'GET';
  options?: Record<string, unknown>;
  isStream?: boolean;
  statusCodes: Record<number, true | string>;
  abortSignal?: AbortSignal;
}

interface Modem {
  dial(options: DialOptions, callback: (error: unknown, data: unknown) => void): void;
}

const STATUS_CODES: Record<number, true | string> = { 200: true, 404: 'no such object', 500: 'server error' };

export class EngineClient implements EngineApi {
  private constructor(
    readonly endpoint: EngineEndpoint,
    private readonly modem: Modem,
    /** Same endpoint without the request timeout, which would cut a quiet event stream. */
    private readonly streamingModem: Modem,
    private readonly log: Logger,
  ) {}

  static async connect(endpoint: EngineEndpoint, log: Logger): Promise<EngineClient> {
    const options = await dockerodeOptionsFor(endpoint);
    const modemOf = (docker: Dockerode) => (docker as unknown as { modem: Modem }).modem;
    return new EngineClient(endpoint, modemOf(new Dockerode(options)), modemOf(new Dockerode({ ...options, timeout: undefined })), log);
  }

  info(signal?: AbortSignal): Promise<EngineInfo> {
    return this.get({ what: 'GET /info', path: '/info' }, signal);
  }

  version(signal?: AbortSignal): Promise<EngineVersion> {
    return this.get({ what: 'GET /version', path: '/version' }, signal);
  }

  listImages(signal?: AbortSignal): Promise<ImageListEntry[]> {
    return this.get({ what: 'GET /images/json', path: '/images/json' }, signal);
  }

  inspectImage(reference: string, signal?: AbortSignal): Promise<ImageInspect> {
    checkReference(reference, 'image');
    return this.get({ what: `GET /images/${reference}/json`, path: `/images/${reference}/json`, reference }, signal);
  }

  imageHistory(reference: string, signal?: AbortSignal): Promise<ImageHistoryEntry[]> {
    checkReference(reference, 'image');
    return this.get({ what: `GET /images/${reference}/history`, path: `/images/${reference}/history`, reference }, signal);
  }

  listContainers(signal?: AbortSignal): Promise<ContainerListEntry[]> {
    return this.get({ what: 'GET /containers/json?all=1', path: '/containers/json?', query: { all: true } }, signal);
  }

  inspectContainer(reference: string, signal?: AbortSignal): Promise<ContainerInspect> {
    checkReference(reference, 'container');
    return this.get({ what: `GET /containers/${reference}/json`, path: `/containers/${reference}/json`, reference }, signal);
  }

  async saveImage(reference: string, file: string, options: SaveImageOptions = {}): Promise<number> {
    checkReference(reference, 'image');
    const request: Request = { what: `GET /images/${reference}/get`, path: `/images/${reference}/get`, reference, isStream: true };
    if (!this.endpoint.host.startsWith('unix://')) {
      // TCP, TLS, SSH and named pipes: dockerode's stream (socketDownload.ts says what that costs).
      let bytes = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          options.onData?.(chunk);
          options.onBytes?.(bytes);
          callback(null, chunk);
        },
      });
      const archive = await this.get<Readable>(request, options.signal);
      await pipeline(archive, counter, createWriteStream(file, { highWaterMark: WRITE_BUFFER_BYTES }), { signal: options.signal });
      return bytes;
    }
    const started = Date.now();
    try {
      const bytes = await downloadOverUnixSocket(this.endpoint.host.slice('unix://'.length), request.path, file, options);
      this.log.trace(`${request.what} ${Date.now() - started} ms`);
      return bytes;
    } catch (error) {
      if (options.signal?.aborted) {
        throw error;
      }
      throw this.failure(request, error, Date.now() - started);
    }
  }

  events(filters: Record<string, string[]>, signal?: AbortSignal): Promise<Readable> {
    return this.get({ what: 'GET /events', path: '/events?', query: { filters }, isStream: true }, signal);
  }

  private async get<T>(request: Request, signal: AbortSignal | undefined): Promise<T> {
    const started = Date.now();
    const modem = request.isStream ? this.streamingModem : this.modem;
    try {
      const result = await new Promise<T>((resolve, reject) => {
        modem.dial(
          {
            path: request.path,
            method: 'GET',
            options: request.query ? { ...request.query } : {},
            isStream: request.isStream,
            statusCodes: STATUS_CODES,
            abortSignal: signal,
          },
          (error, data) => (error ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve(data as T)),
        );
      });
      this.log.trace(`${request.what} ${Date.now() - started} ms`);
      return result;
    } catch (error) {
      throw this.failure(request, error, Date.now() - started);
    }
  }

  private failure(request: Request, error: unknown, elapsed: number): Error {
    const statusCode = (error as { statusCode?: number }).statusCode;
    this.log.warn(`${request.what} failed after ${elapsed} ms: ${(error as Error).message}`);
    if (statusCode === 404 && request.reference !== undefined) {
      const message = (error as { json?: { message?: string } }).json?.message ?? `No such object: ${request.reference}`;
      return new EngineNotFoundError(request.reference, message);
    }
    // docker-modem reports its own timeout as a reset connection; say what happened.
    if (!request.isStream && elapsed >= REQUEST_TIMEOUT_MS - 50 && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      return classifyEngineError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }), this.endpoint);
    }
    return classifyEngineError(error, this.endpoint);
  }
}
