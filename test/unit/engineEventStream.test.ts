import * as assert from 'node:assert/strict';
import { PassThrough } from 'stream';
import { EngineEventStream, eventAction } from '../../src/core/engine/engineEventStream';
import { EngineEvent } from '../../src/core/engine/engineTypes';
import { Logger } from '../../src/core/logger';

/** A stand-in Engine whose events() hands out PassThrough streams the test writes to. */
class FakeEngine {
  readonly streams: PassThrough[] = [];
  readonly filters: Record<string, string[]>[] = [];
  failNext = 0;
  private waiters: (() => void)[] = [];

  async events(filters: Record<string, string[]>): Promise<PassThrough> {
    this.filters.push(filters);
    if (this.failNext > 0) {
      this.failNext--;
      this.notify();
      throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    }
    const stream = new PassThrough();
    this.streams.push(stream);
    this.notify();
    return stream;
  }

  /** Resolves once events() has been called `count` times in all. */
  async calls(count: number, timeoutMs = 1000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.filters.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`events() called ${this.filters.length} times, expected ${count}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((resolve) => resolve());
  }
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string) => lines.push(message);
  return { lines, trace: record, info: record, warn: record, error: record };
}

describe('EngineEventStream', () => {
  let stream: EngineEventStream | undefined;
  afterEach(() => stream?.stop());

  it('parses JSON lines split across chunks, skips blank lines and ignores garbage', async () => {
    const engine = new FakeEngine();
    const events: EngineEvent[] = [];
    const log = recordingLogger();
    stream = new EngineEventStream(engine, { types: ['image', 'container'], onEvent: (event) => events.push(event) }, log);
    stream.start();
    await engine.calls(1);
    await tick();
    assert.deepEqual(engine.filters[0], { type: ['image', 'container'] });
    const [source] = engine.streams;
    source.write('{"Type":"image","Action":"tag","Actor":{"ID":"sha256:a0e9');
    source.write('9c"}}\n\nnot json at all\n{"status":"die","id":"abc","Type":"container"}\n{"Type":"im');
    await tick();
    assert.equal(events.length, 2);
    assert.deepEqual(events[0], { Type: 'image', Action: 'tag', Actor: { ID: 'sha256:a0e99c' } });
    assert.equal(eventAction(events[1]), 'die');
    assert.equal(events[1].Actor?.ID ?? events[1].id, 'abc');
    assert.ok(log.lines.some((line) => line.includes('ignoring an event that is not JSON: not json at all')), log.lines.join('\n'));
    source.write('age","Action":"delete"}\n');
    await tick();
    assert.equal(events.length, 3);
    assert.equal(eventAction(events[2]), 'delete');
  });

  it('keeps going when a handler throws', async () => {
    const engine = new FakeEngine();
    const seen: string[] = [];
    const log = recordingLogger();
    stream = new EngineEventStream(
      engine,
      {
        types: ['image'],
        onEvent: (event) => {
          seen.push(eventAction(event));
          if (seen.length === 1) {
            throw new Error('handler broke');
          }
        },
      },
      log,
    );
    stream.start();
    await engine.calls(1);
    engine.streams[0].write('{"Action":"pull"}\n{"Action":"tag"}\n');
    await tick();
    assert.deepEqual(seen, ['pull', 'tag']);
    assert.ok(log.lines.some((line) => line.includes('event handler failed: handler broke')));
  });

  it('reconnects after the stream ends, calling onDisconnected and onConnected again', async () => {
    const engine = new FakeEngine();
    const events: string[] = [];
    let connected = 0;
    const disconnects: (Error | undefined)[] = [];
    stream = new EngineEventStream(
      engine,
      {
        types: ['image'],
        onEvent: (event) => events.push(eventAction(event)),
        onConnected: () => connected++,
        onDisconnected: (error) => disconnects.push(error),
        initialRetryMs: 5,
      },
      recordingLogger(),
    );
    stream.start();
    await engine.calls(1);
    await tick();
    assert.equal(connected, 1);
    engine.streams[0].end('{"Action":"untag"}\n');
    await engine.calls(2);
    await tick();
    assert.equal(connected, 2);
    assert.equal(disconnects.length, 1, 'end and close of one stream count as one disconnect');
    assert.equal(disconnects[0], undefined);
    engine.streams[1].write('{"Action":"tag"}\n');
    await tick();
    assert.deepEqual(events, ['untag', 'tag']);
    // A stream error reconnects too, and reports the error.
    engine.streams[1].destroy(new Error('socket hang up'));
    await engine.calls(3);
    assert.equal(disconnects[1]?.message, 'socket hang up');
    assert.equal(stream.running, true);
  });

  it('retries with back-off while the daemon refuses connections', async () => {
    const engine = new FakeEngine();
    engine.failNext = 2;
    let connected = 0;
    const disconnects: (Error | undefined)[] = [];
    stream = new EngineEventStream(
      engine,
      { types: ['image'], onEvent: () => undefined, onConnected: () => connected++, onDisconnected: (error) => disconnects.push(error), initialRetryMs: 5, maxRetryMs: 20 },
      recordingLogger(),
    );
    stream.start();
    await engine.calls(3);
    await tick();
    assert.equal(connected, 1);
    assert.deepEqual(
      disconnects.map((error) => error?.message),
      ['connect ECONNREFUSED /var/run/docker.sock', 'connect ECONNREFUSED /var/run/docker.sock'],
    );
  });

  it('stop() closes the stream and stops reconnecting', async () => {
    const engine = new FakeEngine();
    const events: string[] = [];
    let disconnects = 0;
    stream = new EngineEventStream(
      engine,
      { types: ['image'], onEvent: (event) => events.push(eventAction(event)), onDisconnected: () => disconnects++, initialRetryMs: 5 },
      recordingLogger(),
    );
    stream.start();
    stream.start(); // a second start is a no-op
    await engine.calls(1);
    await tick();
    stream.stop();
    assert.equal(stream.running, false);
    assert.equal(engine.streams[0].destroyed, true);
    engine.streams[0].write('{"Action":"tag"}\n');
    await tick(40);
    assert.equal(engine.filters.length, 1, 'no reconnection after stop()');
    assert.equal(disconnects, 0, 'stop() is not a disconnect');
    assert.deepEqual(events, []);
  });

  it('stop() during a pending retry cancels it', async () => {
    const engine = new FakeEngine();
    engine.failNext = 1;
    stream = new EngineEventStream(engine, { types: ['image'], onEvent: () => undefined, initialRetryMs: 10 }, recordingLogger());
    stream.start();
    await engine.calls(1);
    stream.stop();
    await tick(40);
    assert.equal(engine.filters.length, 1);
  });
});

/**
 * Regression: connect() only checks `stopped` after events()
 * resolves. After start(), stop(), start() — e.g. a view hidden and shown again quickly — both pending
 * connects see stopped === false and both attach: the first stream is never closed and every event
 * on it is delivered too (duplicates, and a leaked connection).
 */
describe('EngineEventStream restarted while connecting', () => {
  it('keeps only the newest connection after start(), stop(), start()', async () => {
    const engine = new FakeEngine();
    const events: string[] = [];
    const stream = new EngineEventStream(engine, { types: ['image'], onEvent: (event) => events.push(eventAction(event)) }, recordingLogger());
    try {
      stream.start();
      stream.stop();
      stream.start();
      await engine.calls(2);
      await tick();
      engine.streams[0].write('{"Action":"stale"}\n');
      engine.streams[1].write('{"Action":"live"}\n');
      await tick();
      assert.deepEqual(events, ['live']);
      assert.equal(engine.streams[0].destroyed, true, 'the connection opened before stop() is closed');
    } finally {
      stream.stop();
      engine.streams.forEach((source) => source.destroy());
    }
  });
});
