import * as assert from 'node:assert/strict';
import { formatAge, formatBytes, formatShare } from '../../src/core/format';

describe('formatBytes', () => {
  const cases: [number | null | undefined, string][] = [
    [0, '0 B'],
    [4, '4 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [1536, '1.54 kB'],
    [12_345, '12.3 kB'],
    [123_456, '123 kB'],
    [1_982_557, '1.98 MB'],
    [2_500_000_000, '2.50 GB'],
    [3e15, '3.00 PB'],
    [5e18, '5000 PB'],
    [null, '?'],
    [undefined, '?'],
    [Number.NaN, '?'],
    [Number.POSITIVE_INFINITY, '?'],
  ];
  for (const [bytes, expected] of cases) {
    it(`${bytes} → ${expected}`, () => assert.equal(formatBytes(bytes), expected));
  }
});

describe('formatAge', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);
  const nowSeconds = now / 1000;
  const cases: [number, string][] = [
    [nowSeconds - 5, 'just now'],
    [nowSeconds + 60, 'just now'],
    [nowSeconds - 60, '1 minute ago'],
    [nowSeconds - 150, '2 minutes ago'],
    [nowSeconds - 3600, '1 hour ago'],
    [nowSeconds - 3 * 86400, '3 days ago'],
    [nowSeconds - 14 * 86400, '2 weeks ago'],
    [nowSeconds - 45 * 86400, '1 month ago'],
    [nowSeconds - 800 * 86400, '2 years ago'],
  ];
  for (const [created, expected] of cases) {
    it(`${nowSeconds - created} s old → ${expected}`, () => assert.equal(formatAge(created, now), expected));
  }
  it('0 (unknown creation time) → "unknown age"', () => assert.equal(formatAge(0, now), 'unknown age'));
});

describe('formatShare', () => {
  it('gives a share with one decimal, a sliver as < 0.1 %, and nothing as 0 %', () => {
    assert.equal(formatShare(1, 8), '12.5 %');
    assert.equal(formatShare(22, 1_982_532), '< 0.1 %');
    assert.equal(formatShare(0, 100), '0 %');
    assert.equal(formatShare(5, 0), '0 %');
    assert.equal(formatShare(100, 100), '100.0 %');
  });
});
