/** dive's CI rules: settings parsed and judged as dive 0.13 parses and judges them (diveRules.ts names where they differ). */
import * as assert from 'node:assert/strict';
import { DIVE_DEFAULT_RULES, DiveRuleError, diveRules, evaluateDiveRules, parseBytes, parseDiveCiFile } from '../../src/core/analysis/diveRules';
import { ImageEfficiency } from '../../src/core/analysis/efficiency';

function figures(overrides: Partial<ImageEfficiency>): ImageEfficiency {
  return { sizeBytes: 1000, userSizeBytes: 500, layerSizes: [500, 500], wastedBytes: 0, efficiency: 1, userWastedPercent: 0, inefficientFiles: [], ...overrides };
}

describe("dive's CI rules", () => {
  it("defaults are dive's: efficiency 0.9, user wasted percent 0.1, wasted bytes disabled", () => {
    assert.deepEqual(diveRules({ ...DIVE_DEFAULT_RULES }), [
      { name: 'lowestEfficiency', limit: 0.9 },
      { name: 'highestWastedBytes', limit: null },
      { name: 'highestUserWastedPercent', limit: 0.1 },
    ]);
  });

  it('"", disabled, off and false (any case, padded) turn a rule off', () => {
    for (const off of ['', 'disabled', 'OFF', ' false ', 'Disabled']) {
      assert.equal(diveRules({ ...DIVE_DEFAULT_RULES, lowestEfficiency: off })[0].limit, null, JSON.stringify(off));
    }
  });

  it('refuses ratios outside 0..1 and words, naming every bad setting in one message', () => {
    assert.throws(() => diveRules({ lowestEfficiency: '1.5', highestWastedBytes: '20 parsecs', highestUserWastedPercent: 'lots' }), (error: Error) => {
      assert.ok(error instanceof DiveRuleError);
      assert.match(error.message, /lowestEfficiency config value is outside allowed range \(0-1\), given '1\.5'/);
      assert.match(error.message, /invalid highestWastedBytes config value, given "20 parsecs": unhandled size name: parsecs/);
      assert.match(error.message, /invalid highestUserWastedPercent config value, given "lots"/);
      return true;
    });
    assert.throws(() => diveRules({ ...DIVE_DEFAULT_RULES, highestUserWastedPercent: '-0.1' }), /outside allowed range/);
    assert.equal(diveRules({ ...DIVE_DEFAULT_RULES, lowestEfficiency: '1' })[0].limit, 1, 'the ends of the range are allowed');
    assert.equal(diveRules({ ...DIVE_DEFAULT_RULES, lowestEfficiency: '5e-1' })[0].limit, 0.5, 'Go floats take exponents');
  });

  it("reads byte sizes as go-humanize's ParseBytes does: SI and IEC units, commas, truncation", () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['42', 42],
      ['42b', 42],
      ['20MB', 20_000_000],
      ['20Mb', 20_000_000],
      ['20 mb', 20_000_000],
      ['1k', 1000],
      ['1KiB', 1024],
      ['1.5GiB', 1.5 * 1024 ** 3],
      ['1,000kb', 1_000_000],
      ['2.9999b', 2],
      ['1ti', 1024 ** 4],
      ['3e', 3e18],
    ];
    for (const [text, bytes] of cases) {
      assert.equal(parseBytes(text), bytes, text);
    }
    assert.throws(() => parseBytes('MB'), /invalid highestWastedBytes config value, given "MB"/);
    assert.throws(() => parseBytes('20 zb'), /unhandled size name: zb/);
    assert.throws(() => parseBytes('100e'), /too large/);
  });

  it("judges as dive does: efficiency below, wasted above, user percent above the limit fail; equal passes", () => {
    const rules = diveRules({ lowestEfficiency: '0.9', highestWastedBytes: '100', highestUserWastedPercent: '0.1' });
    const pass = evaluateDiveRules(rules, figures({ efficiency: 0.9, wastedBytes: 100, userWastedPercent: 0.1 }));
    assert.deepEqual(
      pass.map((result) => [result.name, result.pass]),
      [
        ['lowestEfficiency', true],
        ['highestWastedBytes', true],
        ['highestUserWastedPercent', true],
      ],
    );
    const fail = evaluateDiveRules(rules, figures({ efficiency: 0.8999, wastedBytes: 101, userWastedPercent: 0.2 }));
    assert.deepEqual(
      fail.map((result) => [result.pass, result.value, result.message]),
      [
        [false, 0.8999, 'image efficiency is too low (efficiency=0.90 < threshold=0.9)'],
        [false, 101, 'too many bytes wasted (wasted-bytes=101 > threshold=100)'],
        [false, 0.2, 'too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.20 > threshold=0.1)'],
      ],
    );
    const disabled = evaluateDiveRules(diveRules({ ...DIVE_DEFAULT_RULES, lowestEfficiency: 'off' }), figures({ efficiency: 0 }));
    assert.deepEqual([disabled[0].pass, disabled[0].limit, disabled[0].message], [true, null, 'disabled']);
  });

  it('with no user layers, user wasted percent is NaN to dive when nothing is wasted (pass) and +Inf otherwise (fail)', () => {
    const rules = diveRules({ ...DIVE_DEFAULT_RULES });
    const single = figures({ userSizeBytes: 0, userWastedPercent: null });
    assert.equal(evaluateDiveRules(rules, { ...single, wastedBytes: 0 })[2].pass, true);
    const wasted = evaluateDiveRules(rules, { ...single, wastedBytes: 10 })[2];
    assert.equal(wasted.pass, false);
    assert.equal(wasted.value, null, 'the JSON value stays null, not Infinity');
  });
});

describe('.dive-ci files', () => {
  it("reads dive's own sample: camelCase rules, numbers and sizes, plugin keys ignored", () => {
    const sample = [
      '---',
      'plugins:',
      '  - plugin1',
      '',
      'rules:',
      '  # If the efficiency is measured below X%, mark as failed.',
      '  lowestEfficiency: 0.95',
      '  highestWastedBytes: 20Mb',
      '  highestUserWastedPercent: 0.5',
      '  plugin1/rule1: error',
    ].join('\n');
    assert.deepEqual(parseDiveCiFile(sample), { lowestEfficiency: '0.95', highestWastedBytes: '20Mb', highestUserWastedPercent: '0.5' });
  });

  it('matches keys in any case, as viper does in dive 0.13; booleans read as text (false disables, as after 0.13); unset rules left out', () => {
    assert.deepEqual(parseDiveCiFile('Rules:\n  LowestEfficiency: 1\n  highestwastedbytes: false\n  highestUserWastedPercent:\n'), { lowestEfficiency: '1', highestWastedBytes: 'false' });
    assert.deepEqual(parseDiveCiFile('# nothing\n'), {});
    assert.deepEqual(parseDiveCiFile('plugins: []\n'), {});
  });

  it('ignores kebab-case keys, which no dive reads in .dive-ci, and says so', () => {
    const heard: string[] = [];
    assert.deepEqual(parseDiveCiFile('rules:\n  lowest-efficiency: 1\n  highestWastedBytes: 1KB\n', '/w/.dive-ci', (message) => heard.push(message)), { highestWastedBytes: '1KB' });
    assert.deepEqual(heard, ['/w/.dive-ci: rules.lowest-efficiency is ignored, as dive ignores it there; write lowestEfficiency']);
  });

  it('says which file is broken, in one line', () => {
    assert.throws(() => parseDiveCiFile('rules: [1, 2', '/w/.dive-ci'), (error: Error) => error instanceof DiveRuleError && /^failed to read \/w\/\.dive-ci: [^\n]+$/.test(error.message));
    assert.throws(() => parseDiveCiFile('rules: 3'), /"rules" is not a mapping/);
    assert.throws(() => parseDiveCiFile('rules:\n  lowestEfficiency: [1]\n'), /rules\.lowestEfficiency is not a value/);
  });
});
