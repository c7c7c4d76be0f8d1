/** Layers stacked as overlayfs stacks them: changes per layer and the merged view as of each layer. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileHistory } from '../../src/core/analysis/fileHistory';
import { MergedFileSystem } from '../../src/core/analysis/mergedFileSystem';
import { ArchiveLayerFileSystem } from '../../src/core/archive/archiveLayerFileSystem';
import { DirectoryFileSystem } from '../../src/core/layerfs/directoryFileSystem';
import { LayerFileSystem, LayerFsError } from '../../src/core/layerfs/layerFileSystem';
import { TarSpec } from './helpers/tarBuilder';
import { tarLayer } from './helpers/tarLayer';

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-history-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const layer = (specs: TarSpec[]): Promise<ArchiveLayerFileSystem> => tarLayer(scratch, specs);

async function names(files: LayerFileSystem, folder: string): Promise<string[]> {
  return (await files.readDirectory(folder)).map((entry) => entry.name).sort();
}

describe('FileHistory', () => {
  let layers: LayerFileSystem[];
  let history: FileHistory;

  before(async () => {
    layers = [
      await layer([
        { name: 'etc/config', content: 'v1' },
        { name: 'data/doomed.txt', content: 'doomed' },
        { name: 'app/old/a.txt', content: 'a' },
        { name: 'app/old/b.txt', content: 'b' },
        { name: 'swap', content: 'a file first' },
        { name: 'tree/leaf', content: 'leaf' },
      ]),
      await layer([
        { name: 'etc/config', content: 'version 2' },
        { name: 'data/.wh.doomed.txt' },
        { name: 'app/old/.wh..wh..opq' },
        { name: 'app/old/c.txt', content: 'c' },
        { name: 'swap/', type: 'dir' },
        { name: 'swap/inside', content: 'now a folder' },
        { name: '.wh.tree' },
        { name: 'new.txt', content: 'new' },
      ]),
      await layer([{ name: 'tree/again', content: 'back' }]),
    ];
    history = await FileHistory.build(layers);
  });

  it('sorts each layer into added, modified and deleted, as the diff contract lists them', () => {
    const sorted = history.changes.map((changes) => ({
      added: changes.added.map((file) => file.path).sort(),
      modified: changes.modified.map((file) => file.path).sort(),
      deleted: [...changes.deleted].sort((a, b) => a.path.localeCompare(b.path)).map((entry) => ('opaque' in entry ? { path: entry.path, opaque: true } : { path: entry.path })),
    }));
    assert.deepEqual(sorted[0], { added: ['/app/old/a.txt', '/app/old/b.txt', '/data/doomed.txt', '/etc/config', '/swap', '/tree/leaf'], modified: [], deleted: [] });
    assert.deepEqual(sorted[1], {
      // c.txt is new in the opaque folder; a.txt and b.txt go with the folder's opaque mark, not one by one.
      added: ['/app/old/c.txt', '/new.txt', '/swap/inside'],
      modified: ['/etc/config'],
      deleted: [{ path: '/app/old', opaque: true }, { path: '/data/doomed.txt' }, { path: '/tree' }],
    });
    const added = history.changes[1].added.find((file) => file.path === '/new.txt');
    assert.deepEqual(added && { path: added.path, size: added.size }, { path: '/new.txt', size: 3 });
    assert.deepEqual(sorted[2], { added: ['/tree/again'], modified: [], deleted: [] });
  });

  it('shows the merged file system as of each layer, with the layer that last wrote each path', async () => {
    const at0 = new MergedFileSystem(history, layers, 0);
    const at1 = new MergedFileSystem(history, layers, 1);
    const at2 = new MergedFileSystem(history, layers, 2);
    assert.deepEqual(await names(at0, '/'), ['app', 'data', 'etc', 'swap', 'tree']);
    assert.deepEqual(await names(at1, '/'), ['app', 'data', 'etc', 'new.txt', 'swap']);
    assert.deepEqual(await names(at2, '/'), ['app', 'data', 'etc', 'new.txt', 'swap', 'tree']);
    assert.equal((await at0.readFile('/etc/config')).toString(), 'v1');
    assert.equal((await at1.readFile('/etc/config')).toString(), 'version 2');
    assert.equal((await at1.stat('/etc/config')).layer, 1);
    assert.equal((await at2.stat('/etc/config')).layer, 1, 'still layer 1 as of layer 2');
    assert.deepEqual(await names(at1, '/data'), [], 'the whiteout applied');
    assert.deepEqual(await names(at1, '/app/old'), ['c.txt'], 'the opaque folder hides what was below');
    assert.deepEqual(await names(at0, '/app/old'), ['a.txt', 'b.txt']);
    assert.equal((await at0.stat('/swap')).kind, 'file');
    assert.equal((await at1.stat('/swap')).kind, 'directory');
    assert.deepEqual(await names(at2, '/tree'), ['again'], 'a deleted folder comes back without its old contents');
    await assert.rejects(at1.stat('/tree/leaf'), LayerFsError);
    await assert.rejects(at1.readFile('/data/doomed.txt'), (error: unknown) => error instanceof LayerFsError && error.code === 'notFound');
  });

  it('gives the same history from a folder as from a tar of the same files', async () => {
    const folder = path.join(scratch, 'folder-layer');
    fs.mkdirSync(path.join(folder, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'etc', 'config'), 'v1');
    const fromFolder = await FileHistory.build([new DirectoryFileSystem(folder)]);
    const fromTar = await FileHistory.build([await layer([{ name: 'etc/config', content: 'v1' }])]);
    const shape = (history: FileHistory) => history.changes.map(({ added, modified, deleted }) => [...added, ...modified].map(({ path, size }) => `${path} ${size}`).concat(deleted.map((entry) => entry.path)));
    assert.deepEqual(shape(fromFolder), shape(fromTar));
  });
});

describe('MergedFileSystem.resolve', () => {
  it('follows symbolic links inside the image, never on this machine, and stops at a loop', async () => {
    const layers = [
      await layer([
        { name: 'bin/busybox', content: 'BUSYBOX' },
        { name: 'bin/sh', type: 'symlink', linkName: 'busybox' },
        { name: 'usr/bin', type: 'symlink', linkName: '../bin' },
        { name: 'etc/shadow-link', type: 'symlink', linkName: '../../../../etc/shadow' },
        { name: 'loop/a', type: 'symlink', linkName: 'b' },
        { name: 'loop/b', type: 'symlink', linkName: 'a' },
      ]),
      await layer([{ name: 'bin/sh2', type: 'symlink', linkName: '/usr/bin/sh' }]),
    ];
    const merged = new MergedFileSystem(await FileHistory.build(layers), layers, 1);
    assert.equal((await merged.resolve('/bin/sh')).path, '/bin/busybox');
    assert.equal((await merged.resolve('/bin/sh2')).path, '/bin/busybox', 'through a link of another layer and a linked folder');
    assert.equal((await merged.readFile((await merged.resolve('/usr/bin/sh')).path)).toString(), 'BUSYBOX');
    await assert.rejects(merged.resolve('/etc/shadow-link'), (error: unknown) => error instanceof LayerFsError && error.code === 'notFound', "the image's /etc/shadow, which it does not have");
    await assert.rejects(merged.resolve('/loop/a'), /a loop/);
  });
});
