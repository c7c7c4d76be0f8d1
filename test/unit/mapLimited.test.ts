import * as assert from 'node:assert/strict';
import { mapLimited } from '../../src/core/mapLimited';

describe('mapLimited', () => {
  it('keeps the order of the input and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimited([5, 1, 4, 2, 3, 0, 6], 3, async (value) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, value));
      running--;
      return value * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30, 0, 60]);
    assert.equal(most, 3);
  });

  it('rejects with the first failure', async () => {
    await assert.rejects(
      mapLimited([1, 2, 3], 2, async (value) => {
        if (value === 2) {
          throw new Error('two');
        }
        return value;
      }),
      /two/,
    );
  });

  it('copes with no items', async () => {
    assert.deepEqual(await mapLimited([], 4, async () => 1), []);
  });
});
