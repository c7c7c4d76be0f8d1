/** `docker-layers analyze` on saved archives: dive's figures, its rules from flags and .dive-ci, and the exit codes. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageAnalysisJson } from '../../src/cli/commands/analyze';
import { savedArchive } from './helpers/archiveBuilder';
import { runCli } from './helpers/runCli';
import { tarOf } from './helpers/tarBuilder';

describe('docker-layers analyze', () => {
  let scratch: string;
  let wasteful: string;
  let wastefulId: string;
  let lean: string;
  const noDaemon = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', XDG_CACHE_HOME: '' };
  const cwd = process.cwd();

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-cli-analyze-'));
    noDaemon.XDG_CACHE_HOME = path.join(scratch, 'cache');
    // /big is written twice (1000 + 1000 bytes), /small once (10): efficiency 1010/2010, wasted 2000, user size 1000.
    const saved = savedArchive([
      {
        repoTags: ['acc/wasteful:1'],
        layers: [tarOf([{ name: 'big', content: 'x'.repeat(1000) }, { name: 'small', content: 's'.repeat(10) }]), tarOf([{ name: 'big', content: 'y'.repeat(1000) }])],
      },
    ]);
    wastefulId = saved.ids[0];
    wasteful = path.join(scratch, 'wasteful.tar');
    fs.writeFileSync(wasteful, saved.bytes);
    lean = path.join(scratch, 'lean.tar');
    fs.writeFileSync(lean, savedArchive([{ repoTags: ['acc/lean:1'], layers: [tarOf([{ name: 'etc/a', content: 'a' }]), tarOf([{ name: 'etc/b', content: 'bb' }])] }]).bytes);
  });
  afterEach(() => process.chdir(cwd));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  /** Runs in a folder of its own, so a .dive-ci there is the one read. */
  function analyzeIn(folder: string, args: string[]) {
    fs.mkdirSync(folder, { recursive: true });
    process.chdir(folder);
    return runCli(['analyze', ...args], noDaemon);
  }

  it('--json gives the contract: dive\'s figures, the inefficient files largest first, each rule judged', async () => {
    const { code, stdout, stderr } = await analyzeIn(path.join(scratch, 'plain'), [wasteful, '--json']);
    assert.equal(code, 0, `without --ci a failed rule is reported, not an exit code: ${stderr}`);
    const json = JSON.parse(stdout) as ImageAnalysisJson;
    assert.deepEqual(json, {
      image: wastefulId,
      platform: 'linux/amd64',
      sizeBytes: 2010,
      userSizeBytes: 1000,
      wastedBytes: 2000,
      efficiency: 1010 / 2010,
      userWastedPercent: 2,
      inefficientFiles: [{ path: '/big', count: 2, wastedBytes: 2000 }],
      rules: [
        { name: 'lowestEfficiency', limit: 0.9, value: 1010 / 2010, pass: false },
        { name: 'highestWastedBytes', limit: null, value: 2000, pass: true, disabled: true },
        { name: 'highestUserWastedPercent', limit: 0.1, value: 2, pass: false },
      ],
      pass: false,
    });
  });

  it('--ci exits 1 when a rule fails and 0 when all pass, printing dive\'s report', async () => {
    const failed = await analyzeIn(path.join(scratch, 'plain'), [wasteful, '--ci']);
    assert.equal(failed.code, 1);
    assert.match(failed.stdout, /efficiency: +50\.25 %/);
    assert.match(failed.stdout, /Inefficient Files:\n +Count +Wasted Space +File Path\n +2 +2\.00 kB +\/big\n/);
    assert.match(failed.stdout, /FAIL: lowestEfficiency: image efficiency is too low \(efficiency=0\.50 < threshold=0\.9\)/);
    assert.match(failed.stdout, /SKIP: highestWastedBytes: rule disabled/);
    assert.match(failed.stdout, /Result:FAIL \[Total:3\] \[Passed:0\] \[Failed:2\] \[Skipped:1\]\n$/);
    const passed = await analyzeIn(path.join(scratch, 'plain'), [lean, '--ci']);
    assert.equal(passed.code, 0, passed.stdout);
    assert.match(passed.stdout, /Inefficient Files: \(None\)/);
    assert.match(passed.stdout, /Result:PASS \[Total:3\] \[Passed:2\] \[Failed:0\] \[Skipped:1\]/);
  });

  it('reads the rules of .dive-ci in the working folder, and flags win over it (dive 0.13: viper puts a given flag first)', async () => {
    const folder = path.join(scratch, 'with-dive-ci');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, '.dive-ci'), 'rules:\n  lowestEfficiency: 0.5\n  highestWastedBytes: 1KB\n  highestUserWastedPercent: disabled\n');
    const fromFile = await analyzeIn(folder, [wasteful, '--ci', '--json']);
    const rules = (JSON.parse(fromFile.stdout) as ImageAnalysisJson).rules;
    assert.deepEqual(
      rules.map((rule) => [rule.name, rule.limit, rule.pass]),
      [
        ['lowestEfficiency', 0.5, true],
        ['highestWastedBytes', 1000, false],
        ['highestUserWastedPercent', null, true],
      ],
    );
    assert.equal(fromFile.code, 1);
    const overridden = await analyzeIn(folder, [wasteful, '--ci', '--highest-wasted-bytes', '2KB']);
    assert.equal(overridden.code, 0, overridden.stdout);
  });

  it('warns of a kebab-case key in .dive-ci and, as dive, keeps the default for it', async () => {
    const folder = path.join(scratch, 'kebab-dive-ci');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, '.dive-ci'), 'rules:\n  lowest-efficiency: 0.1\n');
    const { code, stdout, stderr } = await analyzeIn(folder, [wasteful, '--json']);
    assert.equal(code, 0);
    assert.equal((JSON.parse(stdout) as ImageAnalysisJson).rules[0].limit, 0.9);
    assert.match(stderr, /warning: .*\.dive-ci: rules\.lowest-efficiency is ignored, as dive ignores it there; write lowestEfficiency\n$/);
  });

  it("says where dive stops counting a layer: at a whiteout of a path in no layer below", async () => {
    const stops = path.join(scratch, 'stops.tar');
    fs.writeFileSync(stops, savedArchive([{ repoTags: ['acc/stops:1'], layers: [tarOf([{ name: 'x', content: 'x' }]), tarOf([{ name: '.wh.nothing' }, { name: 'y', content: 'y' }])] }]).bytes);
    const { code, stdout } = await analyzeIn(path.join(scratch, 'plain'), [stops]);
    assert.equal(code, 0);
    assert.match(stdout, /note: as dive does, layer 1 is counted only up to \/nothing, a whiteout of a path in no layer below\n/);
  });

  it('exits 2, with one line, for a bad threshold, a broken .dive-ci or an image it cannot read', async () => {
    const badFlag = await analyzeIn(path.join(scratch, 'plain'), [wasteful, '--lowest-efficiency', '2']);
    assert.equal(badFlag.code, 2);
    assert.equal(badFlag.stderr, "docker-layers: lowestEfficiency config value is outside allowed range (0-1), given '2'\n");
    const folder = path.join(scratch, 'broken-dive-ci');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, '.dive-ci'), 'rules: [oops\n');
    const badFile = await analyzeIn(folder, [wasteful]);
    assert.equal(badFile.code, 2);
    assert.match(badFile.stderr, /^docker-layers: failed to read .*\.dive-ci: [^\n]+\n$/);
    const junk = path.join(scratch, 'junk.tar');
    fs.writeFileSync(junk, 'not a tar at all, just words and more words'.repeat(40));
    const unreadable = await analyzeIn(path.join(scratch, 'plain'), [junk, '--ci']);
    assert.equal(unreadable.code, 2);
    assert.equal(unreadable.stderr.split('\n').length, 2, unreadable.stderr);
    const noImage = await analyzeIn(path.join(scratch, 'plain'), ['acc/absent:1', '--ci']);
    assert.equal(noImage.code, 2, 'no daemon is an operational error too');
    assert.equal(noImage.stderr.split('\n').length, 2, noImage.stderr);
  });
});
