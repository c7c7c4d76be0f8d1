import * as assert from 'node:assert/strict';
import { Debouncer } from '../../src/core/debouncer';

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
