import * as assert from 'node:assert/strict';
import { DebounceClock, Debouncer } from '../../src/core/debouncer';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Debouncer', () => {
  it('runs once, after the last call of a burst', async () => {
    let runs = 0;
    const debouncer = new Debouncer(30, () => runs++);
    debouncer.schedule();
    await wait(10);
    debouncer.schedule();
    await wait(10);
    debouncer.schedule();
    assert.equal(runs, 0);
    await wait(60);
    assert.equal(runs, 1);
  });

  it('runs nothing once cancelled', async () => {
    let runs = 0;
    const debouncer = new Debouncer(20, () => runs++);
    debouncer.schedule();
    debouncer.cancel();
    await wait(40);
    assert.equal(runs, 0);
  });
});

/** Time that passes only when the test says. */
class FakeClock implements DebounceClock {
  private time = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): number {
    const handle = this.next++;
    this.timers.set(handle, { at: this.time + ms, callback });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves to `until`, running each timer at its time. */
  advance(until: number): void {
    for (;;) {
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) {
        break;
      }
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = until;
  }
}

describe('Debouncer with maxWaitMs (a storm of Engine events)', () => {
  it('a build making 100 images in a minute, an event every 600 ms: at most one run per maxWait, the last after the last event', () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const debouncer = new Debouncer(500, () => runs.push(clock.now()), { maxWaitMs: 2000, clock });
    let last = 0;
    for (let event = 0; event < 100; event++) {
      last = event * 600;
      clock.advance(last);
      debouncer.schedule();
    }
    clock.advance(last + 5000);
    assert.ok(runs.length <= 60_000 / 2000 + 1, `${runs.length} runs`);
    assert.ok(runs.length >= 20, `the view keeps up during the storm: ${runs.length} runs`);
    assert.ok(runs[runs.length - 1] > last, 'the last run sees the last event');
    for (let i = 1; i < runs.length; i++) {
      assert.ok(runs[i] - runs[i - 1] >= 2000, `runs ${i - 1} and ${i} are ${runs[i] - runs[i - 1]} ms apart`);
    }
  });

  it('events faster than the delay, without a pause, still run within maxWait (no starvation)', () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const debouncer = new Debouncer(500, () => runs.push(clock.now()), { maxWaitMs: 2000, clock });
    for (let time = 0; time <= 10_000; time += 100) {
      clock.advance(time);
      debouncer.schedule();
    }
    assert.deepEqual(runs.slice(0, 2), [2000, 4000]);
    clock.advance(20_000);
    assert.equal(runs.length, 6);
  });

  it('a lone event after a quiet spell runs after the delay', () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const debouncer = new Debouncer(500, () => runs.push(clock.now()), { maxWaitMs: 2000, clock });
    clock.advance(10_000);
    debouncer.schedule();
    clock.advance(20_000);
    assert.deepEqual(runs, [10_500]);
  });
});
