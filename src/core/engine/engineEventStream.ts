/**
 * Follows the Engine's event stream and reconnects (with back-off) when the daemon goes away,
 * e.g. on a restart. Consumers get parsed events; the stream never throws at them.
 */
import { Readable } from 'stream';
import { Logger } from '../logger';
import { EngineApi } from './engineApi';
import { EngineEvent } from './engineTypes';

export interface EventStreamOptions {
  /** Engine event types to follow, e.g. ['image', 'container']. */
  types: string[];
  onEvent(event: EngineEvent): void;
  /** Called on every (re)connection, so consumers can reload what they may have missed. */
  onConnected?(): void;
  onDisconnected?(error: Error | undefined): void;
  initialRetryMs?: number;
  maxRetryMs?: number;
}

/** An event is a few hundred bytes; a "line" longer than this is no event, and the stream is dropped. */
const MAX_EVENT_BYTES = 1024 * 1024;

export class EngineEventStream {
  private stream: Readable | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private stopped = true;
  /** Bumped by every start/stop, so a connect() begun before a stop() cannot attach afterwards. */
  private generation = 0;

  constructor(
    /** Only the event stream is needed from the Engine. */
    private readonly engine: Pick<EngineApi, 'events'>,
    private readonly options: EventStreamOptions,
    private readonly log: Logger,
  ) {
    this.retryMs = options.initialRetryMs ?? 1000;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    void this.connect(++this.generation);
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stream?.destroy();
    this.stream = undefined;
  }

  private async connect(generation: number): Promise<void> {
    let stream: Readable;
    try {
      stream = await this.engine.events({ type: this.options.types });
    } catch (error) {
      if (generation === this.generation) {
        this.scheduleReconnect(error as Error);
      }
      return;
    }
    if (generation !== this.generation) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    this.retryMs = this.options.initialRetryMs ?? 1000;
    this.log.info(`event stream connected (${this.options.types.join(', ')})`);
    this.options.onConnected?.();

    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        this.dispatch(line);
      }
      if (pending.length > MAX_EVENT_BYTES) {
        this.log.warn(`event stream: ${pending.length} characters without a line end, which is no event; reconnecting`);
        pending = '';
        onEnd(new Error('an event longer than 1 MiB'));
      }
    });
    const onEnd = (error?: Error) => {
      if (this.stream !== stream) {
        return;
      }
      this.stream = undefined;
      stream.removeAllListeners();
      // A late error from the dying socket must not become an uncaught exception.
      stream.on('error', () => undefined);
      stream.destroy();
      this.scheduleReconnect(error);
    };
    stream.on('error', (error: Error) => onEnd(error));
    stream.on('end', () => onEnd(undefined));
    stream.on('close', () => onEnd(undefined));
  }

  private dispatch(line: string): void {
    if (!line.trim()) {
      return;
    }
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      this.log.warn(`ignoring an event that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    try {
      this.options.onEvent(event);
    } catch (error) {
      this.log.error(`event handler failed: ${(error as Error).message}`);
    }
  }

  private scheduleReconnect(error: Error | undefined): void {
    if (this.stopped) {
      return;
    }
    this.log.warn(`event stream lost${error ? `: ${error.message}` : ''}; reconnecting in ${this.retryMs} ms`);
    this.options.onDisconnected?.(error);
    clearTimeout(this.retryTimer);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(generation);
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
  }
}

/** The action of an event, in old (status) and new (Action) API shapes alike. */
export function eventAction(event: EngineEvent): string {
  return event.Action ?? event.status ?? '';
}
