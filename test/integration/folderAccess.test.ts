/**
 * checkFolderAccess on a real layer folder as the unprivileged docker-group user: the Engine gives the
 * path, /var/lib/docker (0710 root:root) refuses it. The answer must say so plainly and change nothing.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { FolderAccess, checkFolderAccess } from '../../src/core/storage/folderAccess';
import { StorageProfile } from '../../src/core/storage/storageProfile';
import { skipBecause } from '../helpers/skip';
import { Daemon, REPO_ROOT, TEST_USER, requireDaemon, run } from './helpers/daemon';

/** The compiled module the script loads (tsc puts src/ under out/src/). */
const FOLDER_ACCESS_JS = path.join(REPO_ROOT, 'out', 'src', 'core', 'storage', 'folderAccess.js');

/** Run as the test user: node -e SCRIPT <module> <folder> <storage JSON>; prints the FolderAccess as JSON. */
const SCRIPT = `
const [modulePath, folder, storageJson] = process.argv.slice(1);
require(modulePath).checkFolderAccess(folder, JSON.parse(storageJson)).then(
  (access) => process.stdout.write(JSON.stringify({ uid: process.getuid(), access })),
  (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(3); },
);`;

async function checkAsTestUser(folder: string, storage: StorageProfile): Promise<{ uid: number; access: FolderAccess }> {
  const result = await run('runuser', ['-u', TEST_USER, '--', process.execPath, '-e', SCRIPT, FOLDER_ACCESS_JS, folder, JSON.stringify(storage)]);
  assert.equal(result.code, 0, `the script failed as ${TEST_USER} (exit ${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout) as { uid: number; access: FolderAccess };
}

/** What could betray a write or a chmod: mode, mtime and ctime (a chmod-and-restore still moves ctime). */
function fingerprint(file: string): { mode: number; mtimeNs: bigint; ctimeNs: bigint } {
  const stat = fs.statSync(file, { bigint: true });
  return { mode: Number(stat.mode), mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs };
}

describe(`checkFolderAccess on a real layer folder as "${TEST_USER}" (docker group, not root)`, function () {
  let daemon: Daemon;
  let storage: StorageProfile;
  let dataRoot: string;
  let diffDir: string;

  before(async function () {
    daemon = await requireDaemon(this);
    if (process.getuid?.() !== 0) {
      skipBecause(this, `not root (uid ${process.getuid?.()}): cannot switch to the test user with runuser`);
    }
    if ((await run('id', [TEST_USER])).code !== 0) {
      skipBecause(this, `the test user ${TEST_USER} does not exist (bash test/setup/ensure-test-user.sh creates it)`);
    }
    assert.ok(fs.existsSync(FOLDER_ACCESS_JS), `${FOLDER_ACCESS_JS} is missing: compile with npx tsc -p .`);
    const catalog = daemon.catalog();
    storage = await catalog.storage();
    dataRoot = storage.dataRoot ?? '';
    assert.ok(dataRoot, 'the daemon reports DockerRootDir');
    const app = await catalog.imageLayers(daemon.images.app.Id);
    diffDir = app.layers[app.layers.length - 1].diffDir ?? '';
    assert.ok(diffDir.startsWith(`${dataRoot}/`), `dle-app's top layer has a diff folder under ${dataRoot}: ${diffDir}`);
  });

  it('root can open the folder (the control: it is there)', async () => {
    assert.deepEqual(await checkFolderAccess(diffDir, storage), { ok: true });
  });

  it(`gives 'unreadable' with a message naming the folder, the data root and the user, and writes nothing`, async () => {
    const watched = [dataRoot, path.dirname(diffDir), diffDir];
    const before = watched.map(fingerprint);
    const { uid, access } = await checkAsTestUser(diffDir, storage);
    const after = watched.map(fingerprint);
    assert.notEqual(uid, 0, `the script ran as ${TEST_USER}, not root`);
    assert.equal(access.ok, false, JSON.stringify(access));
    assert.ok(!access.ok && access.reason === 'unreadable', JSON.stringify(access));
    assert.ok(access.message.includes(diffDir), `names the folder: ${access.message}`);
    assert.ok(access.message.includes(`data root ${dataRoot}`), `names the data root: ${access.message}`);
    assert.ok(access.message.includes(`user ${TEST_USER}`), `names the user: ${access.message}`);
    assert.match(access.message, /Nothing was changed/);
    watched.forEach((file, index) => {
      assert.equal(after[index].mode.toString(8), before[index].mode.toString(8), `mode of ${file} is unchanged`);
      assert.equal(after[index].mtimeNs, before[index].mtimeNs, `mtime of ${file} is unchanged`);
      assert.equal(after[index].ctimeNs, before[index].ctimeNs, `ctime of ${file} is unchanged (no chmod/chown, even undone)`);
    });
    assert.equal(after[0].mode & 0o777, 0o710, `${dataRoot} is still 0710`);
  });

  it("gives 'elsewhere' before touching the disk when the profile has a limitation, as the test user too", async () => {
    const limited: StorageProfile = { ...storage, location: 'remote', limitation: { code: 'remoteHost', host: 'tcp://10.0.0.5:2375' } };
    const { access } = await checkAsTestUser(diffDir, limited);
    assert.deepEqual(access, { ok: false, reason: 'elsewhere', limitation: limited.limitation });
  });
});
