/** `docker-layers compare A B` on saved archives: the JSON contract, the verdict and the exit codes. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageComparisonJson, isRegression, parseGrowthLimit } from '../../src/cli/commands/compare';
import { savedArchive } from './helpers/archiveBuilder';
import { runCli } from './helpers/runCli';
import { tarOf } from './helpers/tarBuilder';

describe('docker-layers compare', () => {
  let scratch: string;
  let v1: string;
  let v2: string;
  let ids: string[];
  const noDaemon = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', XDG_CACHE_HOME: '' };

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-cli-compare-'));
    noDaemon.XDG_CACHE_HOME = path.join(scratch, 'cache');
    const base = tarOf([{ name: 'etc/os-release', content: 'ID=test\n' }, { name: 'data/old.txt', content: 'x'.repeat(100) }]);
    // v1 is 100 + 8 + 200 = 308 bytes; v2 adds 40 (13 %), edits /app/main.js in place and removes /data/old.txt.
    const one = savedArchive([{ repoTags: ['acc/app:1'], layers: [base, tarOf([{ name: 'app/main.js', content: 'a'.repeat(200) }])] }]);
    const two = savedArchive([
      { repoTags: ['acc/app:2'], layers: [base, tarOf([{ name: 'app/main.js', content: 'b'.repeat(200) }, { name: 'app/extra.js', content: 'e'.repeat(40) }, { name: 'data/.wh.old.txt' }])] },
    ]);
    ids = [one.ids[0], two.ids[0]];
    v1 = path.join(scratch, 'v1.tar');
    v2 = path.join(scratch, 'v2.tar');
    fs.writeFileSync(v1, one.bytes);
    fs.writeFileSync(v2, two.bytes);
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('--json gives the contract over the merged file systems, with the size delta', async () => {
    const { code, stdout, stderr } = await runCli(['compare', v1, v2, '--json'], noDaemon);
    assert.equal(code, 0, stderr);
    const json = JSON.parse(stdout) as ImageComparisonJson;
    assert.deepEqual(json, {
      from: ids[0],
      to: ids[1],
      fromPlatform: 'linux/amd64',
      toPlatform: 'linux/amd64',
      added: [{ path: '/app/extra.js', size: 40 }],
      removed: [{ path: '/data/old.txt', size: 100 }],
      changed: [{ path: '/app/main.js', fromSize: 200, toSize: 200, reasons: ['content'] }],
      fromSizeBytes: 308,
      toSizeBytes: 348,
      sizeDelta: 40,
      maxGrowth: '5%',
      verdict: 'regression',
    });
  });

  it('ends its text with the verdict; --ci exits 1 on a regression, 0 within --max-growth', async () => {
    const regression = await runCli(['compare', v1, v2, '--ci'], noDaemon);
    assert.equal(regression.code, 1);
    assert.match(regression.stdout, /^from +acc\/app:1 /);
    assert.match(regression.stdout, /size +\+40 B \(\+12\.99 %\), 40 bytes; allowed growth 5%/);
    assert.match(regression.stdout, /\n {2}M \/app\/main\.js {2}200 B → 200 B {2}\(content\)\n/);
    assert.match(regression.stdout, /\nverdict: regression\n$/);
    const within = await runCli(['compare', v1, v2, '--ci', '--max-growth', '15%'], noDaemon);
    assert.equal(within.code, 0);
    assert.match(within.stdout, /\nverdict: ok\n$/);
    const inBytes = await runCli(['compare', v1, v2, '--ci', '--max-growth', '40'], noDaemon);
    assert.equal(inBytes.code, 0, 'growing by exactly the limit is not more than it');
    const shrink = await runCli(['compare', v2, v1, '--ci'], noDaemon);
    assert.equal(shrink.code, 0);
    assert.match(shrink.stdout, /size +-40 B/);
    const noCi = await runCli(['compare', v1, v2], noDaemon);
    assert.equal(noCi.code, 0, 'without --ci a regression is reported, not an exit code');
  });

  it('exits 2 for a bad --max-growth, a missing operand or an image it cannot read', async () => {
    const bad = await runCli(['compare', v1, v2, '--max-growth', 'lots'], noDaemon);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^docker-layers: --max-growth takes bytes \(20MB, 1GiB\) or a percentage \(5%\), given "lots"\n/);
    assert.equal((await runCli(['compare', v1], noDaemon)).code, 2);
    const absent = await runCli(['compare', v1, 'acc/absent:1'], noDaemon);
    assert.equal(absent.code, 2);
    assert.equal(absent.stderr.split('\n').length, 2, absent.stderr);
  });

  it('reads growth limits as a percentage of A or as bytes', () => {
    assert.deepEqual(parseGrowthLimit('5%'), { text: '5%', percent: 5 });
    assert.deepEqual(parseGrowthLimit('2.5 %'), { text: '2.5 %', percent: 2.5 });
    assert.deepEqual(parseGrowthLimit('20MB'), { text: '20MB', bytes: 20_000_000 });
    assert.equal(isRegression(1000, 1050, parseGrowthLimit('5%')), false);
    assert.equal(isRegression(1000, 1051, parseGrowthLimit('5%')), true);
    assert.equal(isRegression(0, 1, parseGrowthLimit('5%')), true, 'anything is more than 5 % of nothing');
    assert.equal(isRegression(1000, 900, parseGrowthLimit('0')), false);
  });
});
