/**
 * Proves the harness reports failure: npm test runs this suite once more with
 * DLE_HARNESS_CANARY=fail and expects the run to exit 1 with "1 failing". Passes otherwise.
 */
import * as assert from 'node:assert/strict';

describe('harness canary', function () {
  it('fails when DLE_HARNESS_CANARY=fail, so a failing test is known to fail the run', function () {
    assert.notEqual(process.env.DLE_HARNESS_CANARY, 'fail', 'the canary failed on purpose');
  });
});
