/**
 * A guard against a thread-pool request that never completes. On this project's bench host (Debian
 * 12, glibc 2.36), `analyze` as root once stopped for 19 minutes: gdb showed one `realpath` queued in
 * libuv's thread pool, its four workers asleep on the pool's condition variable, and that variable's
 * signal left in the group no worker waited in: a lost wake-up, as in glibc's bug 25847. The run
 * went on at once when one more request was queued, whose signal woke a worker.
 *
 * So one cheap request is queued each second: always, in a process of our own (the CLI), where work
 * Node does not list (zlib's, a paused stream's) can be the stuck one; in a shared process (the
 * extension host), only while a request Node lists as waiting on the pool is outstanding.
 */
import { stat } from 'fs';

export interface ThreadPoolWatchdogOptions {
  /** 'always', or only while `isThreadPoolRequest` finds a request outstanding. */
  nudge: 'always' | 'whileRequestsOutstanding';
  /** How often (ms). */
  intervalMs?: number;
  /** What keeps the process alive, by name (`process.getActiveResourcesInfo`). */
  activeResources?: () => string[];
  /** Queues one request on the thread pool. */
  queueRequest?: () => void;
}

/**
 * Requests that wait on libuv's thread pool, by the names `process.getActiveResourcesInfo` gives
 * them: file-system calls (callback, promise, FileHandle reads and closes) and DNS lookups.
 */
const THREAD_POOL_REQUEST = /^(FSReqCallback|FSReqPromise|FileHandleReadWrap|CloseReq|GetAddrInfoReqWrap|GetNameInfoReqWrap)$/;

export function isThreadPoolRequest(name: string): boolean {
  return THREAD_POOL_REQUEST.test(name);
}

const NUDGE_INTERVAL_MS = 1000;

/** Starts the guard; `dispose()` stops it. Its timer does not keep the process alive. */
export function startThreadPoolWatchdog(options: ThreadPoolWatchdogOptions): { dispose(): void } {
  const activeResources = options.activeResources ?? (() => process.getActiveResourcesInfo());
  const queueRequest = options.queueRequest ?? queueStat;
  const timer = setInterval(() => {
    if (options.nudge === 'always' || activeResources().some(isThreadPoolRequest)) {
      queueRequest();
    }
  }, options.intervalMs ?? NUDGE_INTERVAL_MS);
  timer.unref();
  return { dispose: () => clearInterval(timer) };
}

/** A `stat` of the file system's root: in the kernel's cache, and there on every platform. */
export function queueStat(): void {
  stat('/', () => undefined);
}
