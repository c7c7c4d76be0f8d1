import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startThreadPoolWatchdog } from '../../src/core/threadPoolWatchdog';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startThreadPoolWatchdog', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-watchdog-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('queues a request each interval while a file-system request is outstanding, and none once it is done', async () => {
    // Opening a FIFO for reading holds a thread-pool worker until a writer opens it: a request outstanding for as long as the test wants.
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reading = fs.promises.open(fifo, 'r');
    let released = false;
    // Opening the writer ends the reader's open; without it a failed test would leave a worker held and mocha waiting.
    const release = async () => {
      if (!released) {
        released = true;
        const writer = fs.openSync(fifo, 'w');
        await (await reading).close();
        fs.closeSync(writer);
      }
    };
    let nudges = 0;
    const watchdog = startThreadPoolWatchdog({ intervalMs: 10, nudge: () => nudges++ });
    try {
      await wait(80);
      assert.ok(nudges >= 3, `${nudges} nudges in 80 ms with a request outstanding`);
      await release();
      await wait(20);
      const settled = nudges;
      await wait(80);
      assert.equal(nudges, settled, 'nudges with nothing outstanding');
    } finally {
      watchdog.dispose();
      await release();
    }
  });

  it('stops when disposed', async () => {
    let nudges = 0;
    const watchdog = startThreadPoolWatchdog({ intervalMs: 5, activeResources: () => ['FSReqPromise'], nudge: () => nudges++ });
    await wait(40);
    watchdog.dispose();
    const atDispose = nudges;
    assert.ok(atDispose > 0);
    await wait(40);
    assert.equal(nudges, atDispose);
  });

  it('looks only at requests that wait on the thread pool', async () => {
    let nudges = 0;
    const watchdog = startThreadPoolWatchdog({ intervalMs: 5, activeResources: () => ['TCPSocketWrap', 'Timeout', 'PipeWrap'], nudge: () => nudges++ });
    await wait(40);
    watchdog.dispose();
    assert.equal(nudges, 0);
  });

  it('does not keep the process alive', () => {
    const started = Date.now();
    const module = path.resolve(__dirname, '../../src/core/threadPoolWatchdog.js');
    const child = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(module)}).startThreadPoolWatchdog()`], { timeout: 10_000 });
    assert.equal(child.status, 0, child.stderr.toString());
    assert.ok(Date.now() - started < 5_000);
  });
});
