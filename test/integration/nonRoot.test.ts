/**
 * The CLI as an unprivileged user in the docker group: the Engine answers, /var/lib/docker does not.
 * Folders must come from GraphDriver data and steps from the Engine history, and still match root's.
 */
import * as assert from 'node:assert/strict';
import * as path from 'path';
import { ImageJson } from '../../src/cli/commands/ls';
import { skipBecause } from '../helpers/skip';
import { Daemon, REPO_ROOT, TEST_USER, ensureCliBuilt, requireDaemon, run, runCli, runCliAsTestUser } from './helpers/daemon';

describe(`docker-layers CLI as the unprivileged user "${TEST_USER}" (docker group)`, function () {
  let daemon: Daemon;

  before(async function () {
    daemon = await requireDaemon(this);
    if (process.getuid?.() !== 0) {
      skipBecause(this, `not root (uid ${process.getuid?.()}): cannot switch to the test user with runuser`);
    }
    await ensureCliBuilt();
    if ((await run('id', [TEST_USER])).code !== 0) {
      console.log(`      creating the test user: bash test/setup/ensure-test-user.sh`);
    }
    // Idempotent; also checks that the user reaches the socket and cannot read the data root.
    const ensured = await run('bash', [path.join(REPO_ROOT, 'test', 'setup', 'ensure-test-user.sh')], { env: { ...process.env, DLE_TEST_USER: TEST_USER } });
    assert.equal(ensured.code, 0, `test/setup/ensure-test-user.sh failed:\n${ensured.stdout}\n${ensured.stderr}`);
  });

  it(`${TEST_USER} is not root and cannot read the data root`, async () => {
    const id = await run('runuser', ['-u', TEST_USER, '--', 'id', '-u']);
    assert.notEqual(id.stdout.trim(), '0');
    const dataRoot = daemon.info.DockerRootDir ?? '/var/lib/docker';
    for (const folder of [dataRoot, path.join(dataRoot, 'image'), path.join(dataRoot, 'image', 'overlay2', 'layerdb')]) {
      const listing = await run('runuser', ['-u', TEST_USER, '--', 'ls', folder]);
      assert.notEqual(listing.code, 0, `${TEST_USER} can list ${folder}`);
      assert.match(listing.stderr, /Permission denied/);
    }
  });

  it("gives the same chain IDs, diff IDs, cache IDs, folders and steps as root's run", async () => {
    const [asRoot, asUser] = await Promise.all([runCli(['ls', '--json']), runCliAsTestUser(['ls', '--json'])]);
    assert.equal(asRoot.code, 0, asRoot.stderr);
    assert.equal(asUser.code, 0, asUser.stderr);
    const rootImages = JSON.parse(asRoot.stdout) as ImageJson[];
    const userImages = JSON.parse(asUser.stdout) as ImageJson[];
    const key = (images: ImageJson[]) =>
      images.map((image) => ({
        id: image.id,
        tags: image.tags,
        layers: image.layers.map(({ index, diffId, chainId, cacheId, diffDir, createdBy }) => ({ index, diffId, chainId, cacheId, diffDir, createdBy })),
      }));
    assert.deepEqual(key(userImages), key(rootImages));
    const app = userImages.find((image) => image.id === daemon.images.app.Id);
    assert.ok(app, 'dle-app is listed for the user');
    assert.equal(app.layers.length, 6);
    for (const image of userImages) {
      for (const layer of image.layers) {
        assert.ok(layer.cacheId && layer.diffDir, `${image.id} layer ${layer.index} has a folder for the user too`);
        assert.equal(typeof layer.size, 'number', `${image.id} layer ${layer.index}: size from the Engine history`);
      }
    }
    assert.equal(app.layers[5].createdBy, '/bin/sh -c touch /empty');
  });

  it('says in the text output that the steps are inferred', async () => {
    const result = await runCliAsTestUser(['ls', 'dle-app']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /note: steps matched to layers from the Engine history \(a guess/);
    assert.match(result.stdout, /RUN touch \/empty/);
  });
});
