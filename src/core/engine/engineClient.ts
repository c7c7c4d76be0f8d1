/**
 * The Docker Engine API, with errors classified and every request logged with its duration.
 * Connections are set up as dockerode would (dockerodeOptions.ts); requests go through Node's own
 * HTTP client (engineRequest.ts says why). Requests are unversioned, so the daemon answers in its
 * own (newest) API version: no old version is pinned. Every call takes the caller's AbortSignal.
 *
 * The Engine is not trusted to behave: every JSON answer must arrive whole within a deadline (not
 * only without long pauses), is at most MAX_RESPONSE_BYTES, is never a redirect, and has the shape
 * the code reads (responseShapes.ts); anything else is an EngineResponseError naming the endpoint.
 */
import type Dockerode from 'dockerode';
import { createWriteStream } from 'fs';
import type { IncomingMessage } from 'http';
import { Readable, Transform, addAbortSignal } from 'stream';
import { pipeline } from 'stream/promises';
import { Logger } from '../logger';
import { EngineApi, SaveImageOptions } from './engineApi';
import { EngineEndpoint } from './engineEndpoint';
import { classifyEngineError, EngineHttpError, EngineNotFoundError, EngineResponseError, isKnownEngineError, oneLine } from './engineErrors';
import { dockerodeOptionsFor } from './dockerodeOptions';
import { WholeAnswer, requestEngine, requestWhole } from './engineRequest';
import { checkReference } from './references';
import { mapLimited } from '../mapLimited';
import {
  ShapeCheck,
  containerInspectShape,
  containerListShape,
  imageHistoryShape,
  imageInspectShape,
  imageListShape,
  infoShape,
  shapeProblem,
  versionShape,
} from './responseShapes';
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
  /** For the log and messages: `GET /images/x/json`. */
  what: string;
  path: string;
  /** An image or container reference: a 404 then means it does not exist. */
  reference?: string;
}

export interface EngineClientOptions {
  /** The whole of each JSON answer must arrive within this (default REQUEST_TIMEOUT_MS). */
  deadlineMs?: number;
}

/**
 * A JSON answer's deadline: for the whole answer, since a trickle of a byte a second never trips an
 * idle timeout. A stream (events, an archive) has it until its headers arrive, and none after.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** The largest JSON answer taken: the list of 10,000 images is about 5 MB; an endless answer is cut here. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * Images whose answers are fetched ahead at once, two requests each: more than a load's 8, which
 * measured about 5% slower on 1,000 images (64 and 128 were no faster than 32). Over ssh:// the
 * logins stay capped (engineRequest.ts).
 */
const FETCH_AHEAD_IN_FLIGHT = 32;

export class EngineClient implements EngineApi {
  /** Answers of fetchImagesAhead not yet taken, by request path, with the signal they were fetched under. */
  private readonly fetchedAhead = new Map<string, { answer: Promise<WholeAnswer>; signal: AbortSignal | undefined }>();

  private constructor(
    readonly endpoint: EngineEndpoint,
    private readonly connection: Dockerode.DockerOptions,
    private readonly log: Logger,
    private readonly deadlineMs: number,
  ) {}

  static async connect(endpoint: EngineEndpoint, log: Logger, clientOptions: EngineClientOptions = {}): Promise<EngineClient> {
    return new EngineClient(endpoint, await dockerodeOptionsFor(endpoint), log, clientOptions.deadlineMs ?? REQUEST_TIMEOUT_MS);
  }

  info(signal?: AbortSignal): Promise<EngineInfo> {
    return this.getJson({ what: 'GET /info', path: '/info' }, infoShape, signal);
  }

  version(signal?: AbortSignal): Promise<EngineVersion> {
    return this.getJson({ what: 'GET /version', path: '/version' }, versionShape, signal);
  }

  listImages(signal?: AbortSignal): Promise<ImageListEntry[]> {
    return this.getJson({ what: 'GET /images/json', path: '/images/json' }, imageListShape, signal);
  }

  inspectImage(reference: string, signal?: AbortSignal): Promise<ImageInspect> {
    checkReference(reference, 'image');
    return this.getJson({ what: `GET /images/${reference}/json`, path: `/images/${reference}/json`, reference }, imageInspectShape, signal);
  }

  imageHistory(reference: string, signal?: AbortSignal): Promise<ImageHistoryEntry[]> {
    checkReference(reference, 'image');
    return this.getJson({ what: `GET /images/${reference}/history`, path: `/images/${reference}/history`, reference }, imageHistoryShape, signal);
  }

  listContainers(signal?: AbortSignal): Promise<ContainerListEntry[]> {
    return this.getJson({ what: 'GET /containers/json?all=1', path: '/containers/json?all=1' }, containerListShape, signal);
  }

  inspectContainer(reference: string, signal?: AbortSignal): Promise<ContainerInspect> {
    checkReference(reference, 'container');
    return this.getJson({ what: `GET /containers/${reference}/json`, path: `/containers/${reference}/json`, reference }, containerInspectShape, signal);
  }

  async saveImage(reference: string, file: string, options: SaveImageOptions = {}): Promise<number> {
    checkReference(reference, 'image');
    const request: Request = { what: `GET /images/${reference}/get`, path: `/images/${reference}/get`, reference };
    // No deadline for the whole archive (gigabytes take minutes), but one for each pause in it.
    const stalled = new AbortController();
    let watchdog = setTimeout(() => stalled.abort(), this.deadlineMs);
    const signal = options.signal ? AbortSignal.any([options.signal, stalled.signal]) : stalled.signal;
    const onBytes = (bytes: number) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => stalled.abort(), this.deadlineMs);
      options.onBytes?.(bytes);
    };
    const started = Date.now();
    try {
      const bytes = await this.download(request, file, { ...options, signal, onBytes });
      this.log.trace(`${request.what} ${Date.now() - started} ms`);
      return bytes;
    } catch (error) {
      if (options.signal?.aborted) {
        throw error;
      }
      if (stalled.signal.aborted) {
        this.log.warn(`${request.what} stalled for ${this.deadlineMs} ms`);
        throw new EngineResponseError(this.endpoint, request.what, 'deadline', `no data for ${formatSeconds(this.deadlineMs)}`);
      }
      throw this.failure(request, error, Date.now() - started);
    } finally {
      clearTimeout(watchdog);
    }
  }

  private async download(request: Request, file: string, options: SaveImageOptions): Promise<number> {
    if (this.endpoint.host.startsWith('unix://')) {
      return downloadOverUnixSocket(this.endpoint.host.slice('unix://'.length), request.path, file, options);
    }
    // TCP, TLS, SSH and named pipes: Node's stream (socketDownload.ts says what that costs).
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        options.onData?.(chunk);
        options.onBytes?.(bytes);
        callback(null, chunk);
      },
    });
    const archive = await this.openStream(request, options.signal);
    await pipeline(archive, counter, createWriteStream(file, { highWaterMark: WRITE_BUFFER_BYTES }), { signal: options.signal });
    return bytes;
  }

  events(filters: Record<string, string[]>, signal?: AbortSignal): Promise<Readable> {
    return this.openStream({ what: 'GET /events', path: `/events?${new URLSearchParams({ filters: JSON.stringify(filters) }).toString()}` }, signal);
  }

  /**
   * A long answer (events, an archive over TCP or SSH) as a stream, once its headers say 200: no
   * deadline after that, the caller reads it. Any other answer is read (capped, under the deadline)
   * into the error it amounts to.
   */
  private async openStream(request: Request, signal: AbortSignal | undefined): Promise<Readable> {
    const started = Date.now();
    const response = await this.withDeadline(request, signal, started, (either) => requestEngine(this.connection, request.path, either));
    if (response.statusCode === 200) {
      this.log.trace(`${request.what} ${Date.now() - started} ms`);
      return signal ? addAbortSignal(signal, response) : response;
    }
    const body = await this.withDeadline(request, signal, started, (either) => this.readCapped(response, request, either));
    return this.interpret<never>(request, () => undefined, { status: response.statusCode ?? 0, location: response.headers.location, body });
  }

  /**
   * Requests out back to back, answers parsed later: a listing that processed each answer as it came
   * took about 7% longer, and more CPU, than one that fetches a window of images and then processes
   * it in one go (the tree bench). The answers wait as bytes (a few kilobytes each, outside the
   * JavaScript heap). Each call drops what the last left untaken (an empty list only drops): calls
   * must not overlap.
   */
  async fetchImagesAhead(imageIds: readonly string[], signal?: AbortSignal): Promise<void> {
    this.fetchedAhead.clear();
    await mapLimited(imageIds, FETCH_AHEAD_IN_FLIGHT, async (imageId) => {
      checkReference(imageId, 'image');
      const answers = [`/images/${imageId}/json`, `/images/${imageId}/history`].map((path) => {
        const answer = this.fetchAnswer({ what: `GET ${path}`, path, reference: imageId }, signal);
        // Kept for its taker, who sees the failure; until then it is no unhandled rejection.
        answer.catch(() => undefined);
        this.fetchedAhead.set(path, { answer, signal });
        return answer;
      });
      await Promise.allSettled(answers);
    });
  }

  /** A JSON answer, whole within the deadline, at most MAX_RESPONSE_BYTES, of the given shape. */
  private async getJson<T>(request: Request, shape: ShapeCheck, signal: AbortSignal | undefined): Promise<T> {
    const ahead = this.fetchedAhead.get(request.path);
    if (!ahead) {
      return this.interpret<T>(request, shape, await this.fetchAnswer(request, signal));
    }
    this.fetchedAhead.delete(request.path);
    signal?.throwIfAborted();
    let answer: WholeAnswer;
    try {
      answer = await ahead.answer;
    } catch (error) {
      // Cancelled with the listing that fetched it, not by this caller: asked again.
      if (!ahead.signal?.aborted) {
        throw error;
      }
      answer = await this.fetchAnswer(request, signal);
    }
    return this.interpret<T>(request, shape, answer);
  }

  /** The answer's status and bytes, whole within the deadline and at most MAX_RESPONSE_BYTES. */
  private async fetchAnswer(request: Request, signal: AbortSignal | undefined): Promise<WholeAnswer> {
    const started = Date.now();
    let answer: WholeAnswer;
    try {
      answer = await requestWhole(this.connection, request.path, {
        deadlineMs: this.deadlineMs,
        onDeadline: () => this.noWholeAnswer(request),
        maxBytes: MAX_RESPONSE_BYTES,
        onTooLarge: () => this.tooLarge(request),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      throw this.failure(request, error, Date.now() - started);
    }
    this.log.trace(`${request.what} ${answer.status} ${Date.now() - started} ms`);
    return answer;
  }

  /** Runs `work` with a signal that fires at the caller's abort or at the deadline, and says which it was. */
  private async withDeadline<T>(request: Request, signal: AbortSignal | undefined, started: number, work: (either: AbortSignal) => Promise<T>): Promise<T> {
    // One controller for both: AbortSignal.timeout and .any cost a weak timer and GC work per
    // request, a third of the client's time on a thousand images (docs/benchmarks.md).
    const either = new AbortController();
    const timer = setTimeout(() => either.abort(new Error('deadline')), Math.max(1, this.deadlineMs - (Date.now() - started)));
    const onAbort = () => either.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) {
      onAbort();
    }
    try {
      return await work(either.signal);
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      if (either.signal.aborted) {
        throw this.noWholeAnswer(request);
      }
      throw this.failure(request, error, Date.now() - started);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The body, or a rejection once it passes MAX_RESPONSE_BYTES, the connection breaks or `signal` fires. */
  private readCapped(response: IncomingMessage, request: Request, signal: AbortSignal): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let settled = false;
      const settle = (error: Error | undefined) => {
        if (settled) {
          return;
        }
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (error) {
          response.destroy();
          reject(error);
        } else {
          resolve(Buffer.concat(chunks));
        }
      };
      const onAbort = () => settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort);
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_RESPONSE_BYTES) {
          settle(this.tooLarge(request));
        } else {
          chunks.push(chunk);
        }
      });
      response.on('end', () => settle(undefined));
      response.on('error', (error) => settle(error));
      response.on('close', () => settled || settle(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' })));
      if (signal.aborted) {
        onAbort();
      }
    });
  }

  /** The deadline passed before the whole answer came (logged). */
  private noWholeAnswer(request: Request): EngineResponseError {
    this.log.warn(`${request.what} gave no whole answer within ${this.deadlineMs} ms`);
    return new EngineResponseError(this.endpoint, request.what, 'deadline', `no whole answer within ${formatSeconds(this.deadlineMs)}`);
  }

  private tooLarge(request: Request): EngineResponseError {
    return new EngineResponseError(this.endpoint, request.what, 'too large', `more than ${MAX_RESPONSE_BYTES / 1024 ** 2} MiB`);
  }

  /** The answer's status and body as the result, or as the error they amount to. */
  private interpret<T>(request: Request, shape: ShapeCheck, { status, location, body }: { status: number; location: string | undefined; body: Buffer }): T {
    const text = body.toString('utf8');
    let json: unknown;
    let isJson = true;
    try {
      json = JSON.parse(text);
    } catch {
      isJson = false;
    }
    const invalid = (detail: string) => {
      this.log.warn(`${request.what}: ${detail}`);
      return new EngineResponseError(this.endpoint, request.what, 'invalid', detail);
    };
    if (status >= 300 && status < 400) {
      this.log.warn(`${request.what} answered ${status}${location ? ` to ${location}` : ''}`);
      throw new EngineResponseError(this.endpoint, request.what, 'redirect', `a redirect (${status}${location ? ` to ${oneLine(location, 120)}` : ''}), which is not followed`);
    }
    if (status < 200 || status >= 300) {
      const message = isJson && typeof (json as { message?: unknown })?.message === 'string' ? (json as { message: string }).message : undefined;
      this.log.warn(`${request.what} answered ${status}: ${oneLine(message ?? text, 200)}`);
      if (status === 404 && request.reference !== undefined) {
        throw new EngineNotFoundError(request.reference, message ?? `No such object: ${request.reference}`);
      }
      throw new EngineHttpError(status, oneLine(message ?? (text || `HTTP ${status}`)));
    }
    if (!isJson) {
      throw invalid(`not JSON (${text.trim() ? `it begins ${JSON.stringify(oneLine(text, 40))}` : 'it is empty'})`);
    }
    const problem = shapeProblem(shape, json);
    if (problem) {
      throw invalid(problem);
    }
    return json as T;
  }

  private failure(request: Request, error: unknown, elapsed: number): Error {
    if (isKnownEngineError(error)) {
      return error; // Already said what and where (and logged).
    }
    const statusCode = (error as { statusCode?: number }).statusCode;
    this.log.warn(`${request.what} failed after ${elapsed} ms: ${(error as Error).message}`);
    if (statusCode === 404 && request.reference !== undefined) {
      const message = (error as { json?: { message?: string } }).json?.message ?? `No such object: ${request.reference}`;
      return new EngineNotFoundError(request.reference, message);
    }
    return classifyEngineError(error, this.endpoint);
  }
}

const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`);
