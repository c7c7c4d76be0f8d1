/**
 * The event stream survives a daemon restart: the real dockerd is stopped and started again, and
 * events after the restart still arrive. Runs last (zz…): the other suites keep their daemon.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { EngineEventStream, eventAction } from '../../src/core/engine/engineEventStream';
import { EngineEvent } from '../../src/core/engine/engineTypes';
import { silentLogger } from '../../src/core/logger';
import { skipBecause } from '../helpers/skip';
import { REPO_ROOT, requireDaemon, run } from './helpers/daemon';

const PIDFILE = '/var/run/docker.pid';

async function waitFor(what: string, probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function daemonAnswers(): Promise<boolean> {
  return (await run('docker', ['version', '--format', '{{.Server.Version}}'])).code === 0;
}

describe('event stream across a daemon restart', function () {
  this.timeout(120_000);

  it('reconnects after dockerd stops and starts again, and delivers the events after it', async function () {
    const daemon = await requireDaemon(this);
    if (process.getuid?.() !== 0 || !fs.existsSync(PIDFILE)) {
      skipBecause(this, 'restarting dockerd needs root and a dockerd started with the default pidfile');
    }
    const pid = Number(fs.readFileSync(PIDFILE, 'utf8').trim());
    const command = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (command !== 'dockerd') {
      skipBecause(this, `${PIDFILE} names ${command}, not dockerd`);
    }

    const events: EngineEvent[] = [];
    let connections = 0;
    let losses = 0;
    const stream = new EngineEventStream(
      daemon.engine,
      {
        types: ['image'],
        onEvent: (event) => events.push(event),
        onConnected: () => connections++,
        onDisconnected: () => losses++,
        initialRetryMs: 200,
        maxRetryMs: 1000,
      },
      silentLogger,
    );
    const tag = `dle-restart-probe:${Date.now()}`;
    try {
      stream.start();
      await waitFor('the first connection', () => connections === 1, 10_000);

      process.kill(pid, 'SIGTERM');
      await waitFor('dockerd to stop', async () => !(await daemonAnswers()), 30_000);
      await waitFor('the stream to notice', () => losses > 0, 10_000);

      const started = await run('bash', [path.join(REPO_ROOT, 'test', 'setup', 'start-dockerd.sh')]);
      assert.equal(started.code, 0, started.stderr);
      await waitFor('the stream to reconnect', () => connections >= 2, 30_000);

      assert.equal((await run('docker', ['tag', 'dle-base:latest', tag])).code, 0);
      await waitFor('the tag event after the restart', () => events.some((event) => eventAction(event) === 'tag'), 10_000);
    } finally {
      stream.stop();
      await run('docker', ['rmi', tag]);
    }
  });
});
