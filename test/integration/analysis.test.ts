/**
 * `docker-layers analyze` and `compare` on real images of both builders (dle-app: legacy,
 * dle-buildkit: BuildKit): dive's figures are the same whether the layers are read from their
 * overlay2 folders (root), from a `docker save` archive or from the Engine's archive (the test
 * user), and hold the waste their Dockerfiles make; an image compared with its own archive has no
 * changes; the two images differ by what their Dockerfiles do differently.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageAnalysisJson } from '../../src/cli/commands/analyze';
import { ImageComparisonJson } from '../../src/cli/commands/compare';
import { skipBecause } from '../helpers/skip';
import { CLI, REPO_ROOT, RunResult, TEST_USER, ensureCliBuilt, requireDaemon, run } from './helpers/daemon';

const REQUIRE_DOCKER = process.env.DOCKER_LAYERS_REQUIRE_DOCKER === '1';
const payloadSize = (image: string) => fs.statSync(path.join(REPO_ROOT, 'test', 'setup', 'images', image, 'payload.txt')).size;

describe('analyze and compare on real images of both builders', function () {
  let scratch: string;
  const saved = new Map<string, string>();

  /** The CLI in a folder of its own (no .dive-ci) with its own cache, as root or as the test user. */
  const cli = (args: string[], asTestUser = false): Promise<RunResult> => {
    const cache = fs.mkdtempSync(path.join(scratch, 'cache-'));
    if (asTestUser) {
      fs.chmodSync(cache, 0o777);
      return run('runuser', ['-u', TEST_USER, '--', 'env', `XDG_CACHE_HOME=${cache}`, process.execPath, CLI, ...args], { cwd: scratch });
    }
    return run(process.execPath, [CLI, ...args], { cwd: scratch, env: { ...process.env, XDG_CACHE_HOME: cache } });
  };
  const json = <T>(result: RunResult, what: string): T => {
    assert.ok(result.code === 0 || result.code === 1, `${what} exited ${result.code}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  before(async function () {
    const daemon = await requireDaemon(this);
    if (process.getuid?.() !== 0) {
      skipBecause(this, `not root (uid ${process.getuid?.()}): cannot read the layer folders or switch to the test user`);
    }
    await ensureCliBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-analysis-'));
    fs.chmodSync(scratch, 0o755);
    const tags = (await daemon.engine.listImages()).flatMap((image) => image.RepoTags ?? []);
    for (const tag of ['dle-app:1.0', 'dle-buildkit:latest']) {
      if (!tags.includes(tag)) {
        if (tag === 'dle-buildkit:latest' && !REQUIRE_DOCKER) {
          continue; // Its tests skip, loudly, below.
        }
        throw new Error(`${tag} does not exist: build it with bash test/setup/build-test-images.sh`);
      }
      const file = path.join(scratch, `${tag.replace(/[:/]/g, '_')}.tar`);
      const result = await run('docker', ['save', tag, '-o', file]);
      assert.equal(result.code, 0, `docker save ${tag}: ${result.stderr}`);
      fs.chmodSync(file, 0o644);
      saved.set(tag, file);
    }
  });
  after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

  const cases = [
    {
      tag: 'dle-app:1.0',
      /** The same COPY twice writes /payload.txt twice; a later RUN removes /data/doomed.txt (dive counts its whiteout as a second copy of 0 bytes). */
      waste: () => [
        { path: '/payload.txt', count: 2, wastedBytes: 2 * payloadSize('dle-app') },
        { path: '/data/doomed.txt', count: 2, wastedBytes: 7 },
      ],
    },
    { tag: 'dle-buildkit:latest', waste: () => [{ path: '/data/doomed.txt', count: 2, wastedBytes: 7 }] },
  ];

  for (const testCase of cases) {
    describe(testCase.tag, function () {
      let fromFolders: ImageAnalysisJson;

      before(function () {
        if (!saved.has(testCase.tag)) {
          skipBecause(this, `${testCase.tag} was not built (docker buildx unavailable); with DOCKER_LAYERS_REQUIRE_DOCKER=1 this fails`);
        }
      });

      it("analyze --json from the layer folders: dive's figures, with the waste the Dockerfile makes", async () => {
        fromFolders = json<ImageAnalysisJson>(await cli(['analyze', testCase.tag, '--json']), `analyze ${testCase.tag}`);
        for (const file of testCase.waste()) {
          assert.deepEqual(
            fromFolders.inefficientFiles.find((each) => each.path === file.path),
            file,
            `${file.path} in ${JSON.stringify(fromFolders.inefficientFiles)}`,
          );
        }
        const wasted = fromFolders.inefficientFiles.reduce((sum, file) => sum + file.wastedBytes, 0);
        assert.equal(fromFolders.wastedBytes, wasted, 'wasted bytes are the sum over the inefficient files');
        assert.ok(fromFolders.efficiency > 0.9 && fromFolders.efficiency < 1, `efficiency ${fromFolders.efficiency}`);
        assert.equal(fromFolders.userWastedPercent, fromFolders.wastedBytes / fromFolders.userSizeBytes);
        const layers = JSON.parse((await cli(['ls', testCase.tag, '--json'])).stdout) as { layers: { size: number }[] }[];
        assert.ok(fromFolders.sizeBytes > 0 && fromFolders.userSizeBytes < fromFolders.sizeBytes);
        assert.equal(layers[0].layers.length > 1, true);
      });

      it('analyze of its `docker save` archive, and as the test user from the Engine archive, gives the same figures', async () => {
        const fromArchive = json<ImageAnalysisJson>(await cli(['analyze', saved.get(testCase.tag)!, '--json']), `analyze ${saved.get(testCase.tag)}`);
        assert.deepEqual(fromArchive, fromFolders);
        const asUser = json<ImageAnalysisJson>(await cli(['analyze', testCase.tag, '--json'], true), `analyze ${testCase.tag} as ${TEST_USER}`);
        assert.deepEqual(asUser, fromFolders);
      });

      it("analyze --ci passes or fails on dive's rules as the figures say", async () => {
        const strict = await cli(['analyze', testCase.tag, '--ci', '--highest-wasted-bytes', String(fromFolders.wastedBytes - 1)]);
        assert.equal(strict.code, 1, strict.stdout);
        assert.match(strict.stdout, /FAIL: highestWastedBytes: too many bytes wasted/);
        const loose = await cli(['analyze', testCase.tag, '--ci', '--highest-wasted-bytes', String(fromFolders.wastedBytes), '--highest-user-wasted-percent', '1', '--lowest-efficiency', '0.5']);
        assert.equal(loose.code, 0, loose.stdout);
      });

      it('compare IMAGE with its own saved archive: nothing added, removed or changed', async () => {
        const result = json<ImageComparisonJson>(await cli(['compare', testCase.tag, saved.get(testCase.tag)!, '--json', '--ci']), 'compare');
        assert.deepEqual([result.added, result.removed, result.changed, result.sizeDelta, result.verdict], [[], [], [], 0, 'ok']);
      });
    });
  }

  it('compare dle-app:1.0 dle-buildkit:latest lists what the two Dockerfiles do differently', async function () {
    if (!saved.has('dle-buildkit:latest')) {
      skipBecause(this, 'dle-buildkit:latest was not built (docker buildx unavailable)');
    }
    const result = json<ImageComparisonJson>(await cli(['compare', 'dle-app:1.0', 'dle-buildkit:latest', '--json']), 'compare');
    const paths = (list: { path: string }[]) => list.map((each) => each.path);
    assert.ok(paths(result.added).includes('/work'), `WORKDIR /work made a folder: ${JSON.stringify(result.added)}`);
    for (const gone of ['/data/keep.txt', '/empty']) {
      assert.ok(paths(result.removed).includes(gone), `${gone} is only in dle-app: ${JSON.stringify(result.removed)}`);
    }
    assert.deepEqual(
      result.changed.find((each) => each.path === '/payload.txt'),
      { path: '/payload.txt', fromSize: payloadSize('dle-app'), toSize: payloadSize('dle-buildkit'), reasons: ['content'] },
    );
    for (const same of ['/app/hello.txt', '/app/old/new.txt', '/bin/busybox']) {
      assert.ok(!paths(result.changed).includes(same), `${same} is the same in both`);
    }
    assert.equal(result.sizeDelta, result.toSizeBytes - result.fromSizeBytes);
    const text = await cli(['compare', 'dle-app:1.0', 'dle-buildkit:latest']);
    assert.match(text.stdout, /\nverdict: ok\n$/, 'dle-buildkit is smaller');
  });
});
