import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkFolderAccess } from '../../src/core/storage/folderAccess';
import { StorageProfile, storageProfileOf } from '../../src/core/storage/storageProfile';
import { skipBecause } from '../helpers/skip';
import { LOCAL_SOCKET_ENDPOINT, infoFixture } from './helpers/fixtures';
import { containerdInfoFixture } from './helpers/containerFixtures';

describe('checkFolderAccess', () => {
  let tempRoot: string;
  let local: StorageProfile;

  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-access-'));
    local = { ...storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT), dataRoot: tempRoot };
    assert.equal(local.limitation, undefined, 'the recorded local overlay2 daemon has no limitation');
  });
  after(() => {
    fs.chmodSync(tempRoot, 0o700);
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  it('is ok for a readable folder', async () => {
    const folder = path.join(tempRoot, 'overlay2', 'abc', 'diff');
    fs.mkdirSync(folder, { recursive: true });
    assert.deepEqual(await checkFolderAccess(folder, local), { ok: true });
  });

  it("is 'missing' for a path that does not exist, naming it", async () => {
    const folder = path.join(tempRoot, 'overlay2', 'gone', 'diff');
    const access = await checkFolderAccess(folder, local);
    assert.equal(access.ok, false);
    assert.ok(!access.ok && access.reason === 'missing');
    assert.ok(access.message.includes(folder), access.message);
    assert.match(access.message, /does not exist/);
  });

  it("is 'missing' when a parent of the path is a file (ENOTDIR)", async () => {
    const file = path.join(tempRoot, 'plain-file');
    fs.writeFileSync(file, '');
    const access = await checkFolderAccess(path.join(file, 'diff'), local);
    assert.ok(!access.ok && access.reason === 'missing', JSON.stringify(access));
  });

  const elsewhere: [string, () => StorageProfile][] = [
    ['a remote daemon', () => storageProfileOf(infoFixture(), { host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' })],
    ['the containerd image store of a remote daemon', () => storageProfileOf(containerdInfoFixture(), { host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' })],
    ['Docker Desktop', () => storageProfileOf({ ...infoFixture(), OperatingSystem: 'Docker Desktop' }, LOCAL_SOCKET_ENDPOINT)],
  ];
  for (const [what, profile] of elsewhere) {
    it(`is 'elsewhere' for ${what}, with the limitation, even if a local folder of that name exists`, async () => {
      const storage = profile();
      assert.ok(storage.limitation);
      const access = await checkFolderAccess(tempRoot, storage);
      assert.deepEqual(access, { ok: false, reason: 'elsewhere', limitation: storage.limitation });
    });
  }

  it('checks the folder itself for the containerd image store on this machine (its folders come from containerd\'s metadata)', async () => {
    const storage = storageProfileOf(containerdInfoFixture(), LOCAL_SOCKET_ENDPOINT);
    assert.deepEqual(await checkFolderAccess(tempRoot, storage), { ok: true });
    const missing = await checkFolderAccess(path.join(tempRoot, 'no-such-snapshot'), storage);
    assert.ok(!missing.ok && missing.reason === 'missing', JSON.stringify(missing));
  });

  it("is 'unreadable' for a folder this user may not enter, naming the path and the data root, and changes nothing", async function () {
    if (process.getuid?.() === 0) {
      skipBecause(this, 'running as root (uid 0): root reads every folder, so "unreadable" cannot happen (test/integration/folderAccess.test.ts covers it as the unprivileged user)');
    }
    const locked = path.join(tempRoot, 'locked');
    const folder = path.join(locked, 'overlay2', 'abc', 'diff');
    fs.mkdirSync(folder, { recursive: true });
    fs.chmodSync(locked, 0o000);
    const before = fs.statSync(locked);
    try {
      const access = await checkFolderAccess(folder, { ...local, dataRoot: locked });
      assert.ok(!access.ok && access.reason === 'unreadable', JSON.stringify(access));
      assert.ok(access.message.includes(folder), access.message);
      assert.ok(access.message.includes(`data root ${locked}`), access.message);
      assert.match(access.message, /Nothing was changed/);
      assert.ok(access.message.includes(os.userInfo().username), access.message);
      const after = fs.statSync(locked);
      assert.equal(after.mode, before.mode, 'the mode is unchanged');
      assert.equal(after.mtimeMs, before.mtimeMs, 'nothing was written');
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });

  it('still names the folder, and no "undefined", when the profile does not know the data root', async function () {
    if (process.getuid?.() === 0) {
      skipBecause(this, 'running as root (uid 0): "unreadable" cannot happen for root');
    }
    const locked = path.join(tempRoot, 'locked2');
    fs.mkdirSync(path.join(locked, 'diff'), { recursive: true });
    fs.chmodSync(locked, 0o000);
    try {
      const access = await checkFolderAccess(path.join(locked, 'diff'), { ...local, dataRoot: undefined });
      assert.ok(!access.ok && access.reason === 'unreadable');
      assert.ok(access.message.includes(path.join(locked, 'diff')), access.message);
      assert.doesNotMatch(access.message, /undefined/);
    } finally {
      fs.chmodSync(locked, 0o700);
    }
  });
});
