/**
 * The one reader of layer folders: entries typed, and nothing outside the layer's root read,
 * whatever the name or the links inside the layer say.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DirectoryFileSystem } from '../../src/core/layerfs/directoryFileSystem';
import { LayerFsError, LayerFsErrorCode } from '../../src/core/layerfs/layerFileSystem';
import { joinLayerPath, layerPathName, layerPathParent, layerPathSegments, normalizeLayerPath } from '../../src/core/layerfs/layerPath';
import { opaqueDirectoriesOf } from '../../src/core/storage/overlay2/tarSplit';
import { skipBecause } from '../helpers/skip';

const isRoot = process.getuid?.() === 0;

async function rejectsWith(promise: Promise<unknown>, code: LayerFsErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof LayerFsError, `a LayerFsError, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('layer paths', () => {
  it('normalises like a chroot: `..` stops at the layer root', () => {
    assert.equal(normalizeLayerPath(''), '/');
    assert.equal(normalizeLayerPath('a/./b/../c'), '/a/c');
    assert.equal(normalizeLayerPath('/../../etc/shadow'), '/etc/shadow');
    assert.equal(normalizeLayerPath('//app///hello.txt/'), '/app/hello.txt');
    assert.deepEqual(layerPathSegments('/a/b'), ['a', 'b']);
    assert.deepEqual(layerPathSegments('/'), []);
    assert.equal(joinLayerPath('/app', '../../x'), '/x');
    assert.equal(layerPathParent('/app/hello.txt'), '/app');
    assert.equal(layerPathParent('/app'), '/');
    assert.equal(layerPathName('/app/hello.txt'), 'hello.txt');
  });

  it('refuses a NUL byte', () => {
    assert.throws(() => normalizeLayerPath('/a\0b'), /NUL/);
  });
});

describe('DirectoryFileSystem', () => {
  let base: string;
  let root: string;
  let outside: string;
  let files: DirectoryFileSystem;

  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-layerfs-'));
    root = path.join(base, 'overlay2', 'abc', 'diff');
    outside = path.join(base, 'secret.txt');
    fs.mkdirSync(path.join(root, 'app', 'nested'), { recursive: true });
    fs.writeFileSync(path.join(root, 'app', 'hello.txt'), 'hello\n');
    fs.writeFileSync(path.join(root, 'app', 'nested', 'deep.txt'), 'deep');
    fs.writeFileSync(outside, 'host secret');
    // Links a hostile layer could hold: to the host's root, up and out, absolute, and inside.
    fs.symlinkSync('/', path.join(root, 'to-root'));
    fs.symlinkSync('../../../../secret.txt', path.join(root, 'up-and-out'));
    fs.symlinkSync(outside, path.join(root, 'absolute-out'));
    fs.symlinkSync('app', path.join(root, 'app-link'));
    fs.linkSync(path.join(root, 'app', 'hello.txt'), path.join(root, 'hello-again.txt'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    files = new DirectoryFileSystem(root);
  });

  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it('lists a folder with each entry typed, sized and with its link target', async () => {
    const entries = await files.readDirectory('/');
    const byName = Object.fromEntries(entries.map((entry) => [entry.name, entry]));
    assert.deepEqual(Object.keys(byName).sort(), ['absolute-out', 'app', 'app-link', 'fifo', 'hello-again.txt', 'to-root', 'up-and-out']);
    assert.equal(byName.app.kind, 'directory');
    assert.equal(byName.app.path, '/app');
    assert.equal(byName['to-root'].kind, 'symlink');
    assert.equal(byName['to-root'].linkTarget, '/');
    assert.equal(byName['up-and-out'].linkTarget, '../../../../secret.txt');
    assert.equal(byName['hello-again.txt'].kind, 'file', 'a hard link in a folder is a file like its twin');
    assert.equal(byName['hello-again.txt'].size, 6);
    assert.equal(byName.fifo.kind, 'other');
    assert.equal(byName.fifo.size, 0);
  });

  it('reads a file by its in-layer path, however the name is spelled', async () => {
    assert.equal((await files.readFile('/app/hello.txt')).toString(), 'hello\n');
    assert.equal((await files.readFile('app/./nested/../hello.txt')).toString(), 'hello\n');
    assert.equal((await files.stat('/app/nested/deep.txt')).size, 4);
    assert.equal((await files.stat('/')).kind, 'directory');
  });

  it('keeps `..` inside the layer: /../../secret.txt is the layer\'s /secret.txt, which does not exist', async () => {
    await rejectsWith(files.readFile('/../../../secret.txt'), 'notFound');
    await rejectsWith(files.stat('../../../../secret.txt'), 'notFound');
    assert.equal(files.hostPath('/../../x'), path.join(root, 'x'));
  });

  it('never follows a symbolic link: not at the end, not on the way', async () => {
    await rejectsWith(files.readFile('/up-and-out'), 'notRegularFile');
    await rejectsWith(files.readFile('/absolute-out'), 'notRegularFile');
    await rejectsWith(files.readDirectory('/to-root'), 'symlinkOnPath');
    await rejectsWith(files.readDirectory('/to-root/etc'), 'symlinkOnPath');
    await rejectsWith(files.readFile('/to-root/etc/passwd'), 'symlinkOnPath');
    await rejectsWith(files.readFile('/app-link/hello.txt'), 'symlinkOnPath');
    // The link itself is described, not its target.
    const link = await files.stat('/absolute-out');
    assert.equal(link.kind, 'symlink');
    assert.equal(link.linkTarget, outside);
  });

  it('does not wait on a FIFO, and reads no folder as a file', async () => {
    await rejectsWith(files.readFile('/fifo'), 'notRegularFile');
    await rejectsWith(files.readFile('/app'), 'isDirectory');
    await rejectsWith(files.readDirectory('/app/hello.txt'), 'notDirectory');
  });

  it('refuses a file larger than maxBytes instead of reading it', async () => {
    await rejectsWith(files.readFile('/app/hello.txt', { maxBytes: 5 }), 'tooLarge');
    assert.equal((await files.readFile('/app/hello.txt', { maxBytes: 6 })).length, 6);
  });

  it('marks a 0/0 character device as a whiteout (overlayfs deletion)', async function () {
    if (!isRoot) {
      skipBecause(this, 'mknod of a character device needs root');
    }
    const whiteouts = path.join(base, 'whiteouts');
    fs.mkdirSync(whiteouts);
    execFileSync('mknod', [path.join(whiteouts, 'doomed.txt'), 'c', '0', '0']);
    execFileSync('mknod', [path.join(whiteouts, 'null'), 'c', '1', '3']);
    const entries = await new DirectoryFileSystem(whiteouts).readDirectory('/');
    assert.deepEqual(entries.map((entry) => [entry.name, entry.kind]).sort(), [
      ['doomed.txt', 'whiteout'],
      ['null', 'other'],
    ]);
    await rejectsWith(new DirectoryFileSystem(whiteouts).readFile('/null'), 'notRegularFile');
  });

  it('says permission when the layer folder is not readable by this user', async function () {
    if (isRoot) {
      skipBecause(this, 'running as root: root reads every folder (the extension-host run as the docker-group user covers it)');
    }
    const locked = path.join(base, 'locked');
    fs.mkdirSync(path.join(locked, 'diff'), { recursive: true });
    fs.chmodSync(locked, 0o700 & 0o000);
    try {
      await rejectsWith(new DirectoryFileSystem(path.join(locked, 'diff')).readDirectory('/'), 'permission');
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });

  it('says notFound for a layer folder that is gone', async () => {
    await rejectsWith(new DirectoryFileSystem(path.join(base, 'gone', 'diff')).readDirectory('/'), 'notFound');
  });
});

describe('opaque folders from the layerdb tar-split', () => {
  it('finds the .wh..wh..opq entries of tar-split.json.gz and marks those folders opaque in the folder reader', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-tarsplit-'));
    try {
      // What Docker writes: raw header segments (type 2) and file entries (type 1) as JSON lines.
      const lines = [
        { type: 2, payload: Buffer.from('header bytes').toString('base64'), position: 0 },
        { type: 1, name: 'app/', size: 0, position: 1 },
        { type: 1, name: 'app/old/', size: 0, position: 2 },
        { type: 1, name: 'app/old/.wh..wh..opq', size: 0, position: 3 },
        { type: 1, name: './etc/.wh..wh..opq', size: 0, position: 4 },
        { type: 1, name: 'data/.wh.doomed.txt', size: 0, position: 5 },
      ];
      const tarSplit = path.join(base, 'tar-split.json.gz');
      fs.writeFileSync(tarSplit, zlib.gzipSync(lines.map((line) => JSON.stringify(line)).join('\n')));
      const opaque = await opaqueDirectoriesOf(tarSplit);
      assert.deepEqual([...opaque].sort(), ['/app/old', '/etc']);
      const diff = path.join(base, 'diff');
      fs.mkdirSync(path.join(diff, 'app', 'old'), { recursive: true });
      fs.mkdirSync(path.join(diff, 'app', 'plain'));
      const files = new DirectoryFileSystem(diff, opaque);
      assert.deepEqual((await files.readDirectory('/app')).map((entry) => [entry.name, entry.kind]).sort(), [
        ['old', 'opaqueDirectory'],
        ['plain', 'directory'],
      ]);
      await assert.rejects(opaqueDirectoriesOf(path.join(base, 'missing.json.gz')), /ENOENT/);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
