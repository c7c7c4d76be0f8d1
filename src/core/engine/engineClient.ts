/**
 * The Docker Engine API, through dockerode, with errors classified and every request logged with
 * its duration. Requests are unversioned, so the daemon answers in its own (newest) API version:
 * no old version is pinned.
 */
import Dockerode from 'dockerode';
import { Readable } from 'stream';
import { Logger } from '../logger';
import { EngineEndpoint } from './endpoint';
import { classifyEngineError, EngineNotFoundError } from './engineErrors';
import { REQUEST_TIMEOUT_MS, dockerodeOptionsFor } from './dockerodeOptions';
import { checkReference } from './references';
import {
  ContainerInspect,
  ContainerListEntry,
  EngineInfo,
  EngineVersion,
  ImageHistoryEntry,
  ImageInspect,
  ImageListEntry,
} from './engineTypes';

export class EngineClient {
  private constructor(
    readonly endpoint: EngineEndpoint,
    private readonly docker: Dockerode,
    /** Same endpoint without the request timeout, which would cut a quiet event stream. */
    private readonly streamingDocker: Dockerode,
    private readonly log: Logger,
  ) {}

  static async connect(endpoint: EngineEndpoint, log: Logger): Promise<EngineClient> {
    const options = await dockerodeOptionsFor(endpoint);
    return new EngineClient(endpoint, new Dockerode(options), new Dockerode({ ...options, timeout: undefined }), log);
  }

  info(): Promise<EngineInfo> {
    return this.request('GET /info', () => this.docker.info() as Promise<EngineInfo>);
  }

  version(): Promise<EngineVersion> {
    return this.request('GET /version', () => this.docker.version() as Promise<EngineVersion>);
  }

  listImages(): Promise<ImageListEntry[]> {
    return this.request('GET /images/json', () => this.docker.listImages() as Promise<ImageListEntry[]>);
  }

  inspectImage(reference: string): Promise<ImageInspect> {
    checkReference(reference, 'image');
    return this.request(
      `GET /images/${reference}/json`,
      () => this.docker.getImage(reference).inspect() as Promise<ImageInspect>,
      reference,
    );
  }

  imageHistory(reference: string): Promise<ImageHistoryEntry[]> {
    checkReference(reference, 'image');
    return this.request(
      `GET /images/${reference}/history`,
      () => this.docker.getImage(reference).history() as Promise<ImageHistoryEntry[]>,
      reference,
    );
  }

  listContainers(): Promise<ContainerListEntry[]> {
    return this.request('GET /containers/json?all=1', () => this.docker.listContainers({ all: true }) as Promise<ContainerListEntry[]>);
  }

  inspectContainer(reference: string): Promise<ContainerInspect> {
    checkReference(reference, 'container');
    return this.request(
      `GET /containers/${reference}/json`,
      () => this.docker.getContainer(reference).inspect() as Promise<ContainerInspect>,
      reference,
    );
  }

  /** The raw event stream (JSON lines); EngineEventStream parses it and reconnects. */
  events(filters: Record<string, string[]>): Promise<Readable> {
    return this.request('GET /events', () => this.streamingDocker.getEvents({ filters }) as Promise<Readable>);
  }

  private async request<T>(what: string, send: () => Promise<T>, reference?: string): Promise<T> {
    const started = Date.now();
    try {
      const result = await send();
      this.log.trace(`${what} ${Date.now() - started} ms`);
      return result;
    } catch (error) {
      const statusCode = (error as { statusCode?: number }).statusCode;
      this.log.warn(`${what} failed after ${Date.now() - started} ms: ${(error as Error).message}`);
      if (statusCode === 404 && reference !== undefined) {
        const message = (error as { json?: { message?: string } }).json?.message ?? `No such object: ${reference}`;
        throw new EngineNotFoundError(reference, message);
      }
      const elapsed = Date.now() - started;
      // docker-modem reports its own timeout as a reset connection; say what happened.
      if (elapsed >= REQUEST_TIMEOUT_MS - 50 && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        throw classifyEngineError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }), this.endpoint);
      }
      throw classifyEngineError(error, this.endpoint);
    }
  }
}
