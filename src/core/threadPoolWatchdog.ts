/**
 * A guard against a file-system request that never completes. On this project's bench host (Debian
 * 12, glibc 2.36), `analyze` as root once stopped for 19 minutes: gdb showed one `realpath` queued in
 * libuv's thread pool, its four workers asleep on the pool's condition variable, and that variable's
 * signal left in the group no worker waited in: a lost wake-up, as in glibc's bug 25847. The run
 * went on at once when one more request was queued, whose signal woke a worker.
 *
 * So, while file-system or zlib requests are outstanding, one cheap request is queued each second.
 */
import { stat } from 'fs';

export interface ThreadPoolWatchdogOptions {
  /** How often outstanding requests are looked for (ms). */
  intervalMs?: number;
  /** Names of what keeps the process alive (`process.getActiveResourcesInfo`). */
  activeResources?: () => string[];
  /** Queues one request on the thread pool. */
  nudge?: () => void;
}

/** Requests that wait on libuv's thread pool, by the names Node gives them. */
const THREAD_POOL_REQUEST = /^(FSReq|Zlib)/;

const NUDGE_INTERVAL_MS = 1000;

/**
 * Starts the guard for this process; `dispose()` stops it. Its timer does not keep the process
 * alive, and it queues nothing while no request is outstanding.
 */
export function startThreadPoolWatchdog(options: ThreadPoolWatchdogOptions = {}): { dispose(): void } {
  const activeResources = options.activeResources ?? (() => process.getActiveResourcesInfo());
  const nudge = options.nudge ?? queueStat;
  const timer = setInterval(() => {
    if (activeResources().some((name) => THREAD_POOL_REQUEST.test(name))) {
      nudge();
    }
  }, options.intervalMs ?? NUDGE_INTERVAL_MS);
  timer.unref();
  return { dispose: () => clearInterval(timer) };
}

function queueStat(): void {
  // The file system's root: in the kernel's cache, and there on every platform.
  stat('/', () => undefined);
}
