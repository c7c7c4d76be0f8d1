import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isThreadPoolRequest, queueStat, startThreadPoolWatchdog } from '../../src/core/threadPoolWatchdog';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, for at most `ms` (a loaded machine delays timers). */
async function until(done: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) {
    await wait(5);
  }
  return done();
}

/**
 * Opens the FIFO's writing end, which lets the reader's open end. Without blocking: until the
 * worker has the reading end open this fails with ENXIO and is tried again, and a reader that
 * failed ends the wait with its error, so a broken test cannot hold mocha for ever.
 */
async function openWriterOnceReading(fifo: string, reading: Promise<fs.promises.FileHandle>): Promise<number> {
  let failed: Error | undefined;
  reading.catch((error: unknown) => (failed = error instanceof Error ? error : new Error(`the reader failed: ${String(error)}`)));
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) {
        throw error;
      }
    }
    if (failed) {
      throw failed;
    }
    await wait(5);
  }
}

describe('startThreadPoolWatchdog', () => {
  it("sees a file-system request that holds a worker under the name Node lists it by", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-watchdog-'));
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO for reading holds a thread-pool worker until a writer opens it.
    const reading = fs.promises.open(fifo, 'r');
    try {
      assert.ok(process.getActiveResourcesInfo().some(isThreadPoolRequest), JSON.stringify(process.getActiveResourcesInfo()));
    } finally {
      const writer = await openWriterOnceReading(fifo, reading);
      await (await reading).close();
      fs.closeSync(writer);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows the requests that wait on the thread pool from those that do not', () => {
    for (const name of ['FSReqCallback', 'FSReqPromise', 'FileHandleReadWrap', 'CloseReq', 'GetAddrInfoReqWrap']) {
      assert.ok(isThreadPoolRequest(name), name);
    }
    for (const name of ['TCPSocketWrap', 'PipeWrap', 'Timeout', 'Immediate', 'FSEventWrap', 'TTYWrap']) {
      assert.ok(!isThreadPoolRequest(name), name);
    }
  });

  it('in a shared process, queues a request each interval while one is outstanding, and none after', async () => {
    let outstanding = ['TCPSocketWrap', 'FSReqPromise'];
    let queued = 0;
    const watchdog = startThreadPoolWatchdog({ nudge: 'whileRequestsOutstanding', intervalMs: 5, activeResources: () => outstanding, queueRequest: () => queued++ });
    try {
      assert.ok(await until(() => queued >= 3), `${queued} queued while a request was outstanding`);
      outstanding = ['TCPSocketWrap', 'Timeout'];
      await wait(20);
      const settled = queued;
      await wait(60);
      assert.equal(queued, settled, 'queued with nothing outstanding');
    } finally {
      watchdog.dispose();
    }
  });

  it('in a process of its own, queues a request each interval whatever is listed, until disposed', async () => {
    let queued = 0;
    const watchdog = startThreadPoolWatchdog({ nudge: 'always', intervalMs: 5, activeResources: () => [], queueRequest: () => queued++ });
    assert.ok(await until(() => queued >= 3), `${queued} queued`);
    watchdog.dispose();
    const atDispose = queued;
    await wait(40);
    assert.equal(queued, atDispose);
  });

  it('queues a real request on the thread pool by default', () => {
    const before = process.getActiveResourcesInfo().filter((name) => name === 'FSReqCallback').length;
    queueStat();
    const after = process.getActiveResourcesInfo().filter((name) => name === 'FSReqCallback').length;
    assert.equal(after, before + 1);
  });

  it('does not keep the process alive', () => {
    const module = path.resolve(__dirname, '../../src/core/threadPoolWatchdog.js');
    const child = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(module)}).startThreadPoolWatchdog({ nudge: 'always', intervalMs: 10 })`], { timeout: 4000 });
    assert.equal(child.status, 0, child.error ? `still running after 4 s (${child.error.message})` : child.stderr.toString());
  });
});
