import * as assert from 'node:assert/strict';
import { laterTierUpFlag } from '../../src/cli/tierUpBudget';

describe('laterTierUpFlag', () => {
  it("is 8 × the default budget of Node 20's V8", () => {
    assert.equal(laterTierUpFlag('11.3.244.8-node.38'), '--interrupt-budget=540672');
  });

  it('leaves other V8s alone: their default differs, or they lack the flag', () => {
    for (const version of ['11.8.172.17-node.15', '12.4.254.21-node.33', '13.6.233.10-node.27', '']) {
      assert.equal(laterTierUpFlag(version), undefined, version);
    }
  });
});
