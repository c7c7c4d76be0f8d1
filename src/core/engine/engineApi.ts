/**
 * The Engine requests the core makes, as an interface: EngineClient implements it over dockerode,
 * and tests implement it over recorded answers. Every call takes an AbortSignal, so a long request
 * (an image archive, a stalled daemon) can be cancelled by whoever asked for it.
 */
import { Readable } from 'stream';
import { EngineEndpoint } from './engineEndpoint';
import {
  ContainerInspect,
  ContainerListEntry,
  EngineInfo,
  EngineVersion,
  ImageHistoryEntry,
  ImageInspect,
  ImageListEntry,
} from './engineTypes';

export interface SaveImageOptions {
  signal?: AbortSignal;
  /** Bytes received so far, called as they arrive. */
  onBytes?: (bytes: number) => void;
  /** Each piece of the archive as it arrives (a view, valid only during the call): to index it in the same pass. */
  onData?: (chunk: Buffer) => void;
}

export interface EngineApi {
  readonly endpoint: EngineEndpoint;
  info(signal?: AbortSignal): Promise<EngineInfo>;
  version(signal?: AbortSignal): Promise<EngineVersion>;
  listImages(signal?: AbortSignal): Promise<ImageListEntry[]>;
  inspectImage(reference: string, signal?: AbortSignal): Promise<ImageInspect>;
  imageHistory(reference: string, signal?: AbortSignal): Promise<ImageHistoryEntry[]>;
  /**
   * Asks for the inspect and history of these images (by ID) now, back to back, and keeps the
   * answers unparsed: the next inspectImage and imageHistory of each takes its answer, once.
   * Answers not taken by the next call of this are dropped; an empty list only drops them. For a
   * listing of many images (ls of every image).
   */
  fetchImagesAhead?(imageIds: readonly string[], signal?: AbortSignal): Promise<void>;
  listContainers(signal?: AbortSignal): Promise<ContainerListEntry[]>;
  inspectContainer(reference: string, signal?: AbortSignal): Promise<ContainerInspect>;
  /** The image archive (`docker save`: GET /images/{name}/get) written to `file`, without a deadline; resolves with its size. */
  saveImage(reference: string, file: string, options?: SaveImageOptions): Promise<number>;
  /** The raw event stream (JSON lines); EngineEventStream parses it and reconnects. */
  events(filters: Record<string, string[]>, signal?: AbortSignal): Promise<Readable>;
}
