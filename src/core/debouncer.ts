/**
 * Runs `action` once, `delayMs` after the last of a burst of schedule() calls. With `maxWaitMs`,
 * a burst that never pauses (a build making an image a second) still runs it that long after its
 * first call, and never more often than that: a storm of N events gives at most
 * duration / maxWaitMs + 1 runs, and the last run comes after the last event.
 */
export interface DebounceClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: DebounceClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface DebounceOptions {
  /** The longest a call waits, and the shortest time between two runs. */
  maxWaitMs?: number;
  /** For tests: time that passes when they say. */
  clock?: DebounceClock;
}

export class Debouncer {
  private timer: unknown;
  /** When the first call of the pending burst came. */
  private burstStarted: number | undefined;
  private lastRun = Number.NEGATIVE_INFINITY;
  private readonly clock: DebounceClock;

  constructor(
    private readonly delayMs: number,
    private readonly action: () => void,
    private readonly options: DebounceOptions = {},
  ) {
    this.clock = options.clock ?? REAL_CLOCK;
  }

  schedule(): void {
    const now = this.clock.now();
    this.burstStarted ??= now;
    let due = now + this.delayMs;
    const { maxWaitMs } = this.options;
    if (maxWaitMs !== undefined) {
      // Not later than maxWait after the burst began, not sooner than maxWait after the last run.
      due = Math.max(Math.min(due, this.burstStarted + maxWaitMs), this.lastRun + maxWaitMs);
    }
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.run(), Math.max(0, due - now));
  }

  cancel(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.burstStarted = undefined;
  }

  private run(): void {
    this.timer = undefined;
    this.burstStarted = undefined;
    this.lastRun = this.clock.now();
    this.action();
  }
}
