/** What each layer did to each path (git's A/M/D, R for an opaque folder), its figures, and where the bytes are. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileHistory } from '../../src/core/analysis/fileHistory';
import { FolderSizes, largestFiles } from '../../src/core/analysis/fileSizes';
import { layerChangeSummary, pathsTouchedBy } from '../../src/core/analysis/layerChangeSummary';
import { MergedFileSystem } from '../../src/core/analysis/mergedFileSystem';
import { ArchiveLayerFileSystem } from '../../src/core/archive/archiveLayerFileSystem';
import { TarSpec } from './helpers/tarBuilder';
import { tarLayer } from './helpers/tarLayer';

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-layer-changes-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const layer = (specs: TarSpec[]): Promise<ArchiveLayerFileSystem> => tarLayer(scratch, specs);

describe('layer changes', () => {
  let layers: ArchiveLayerFileSystem[];
  let history: FileHistory;

  before(async () => {
    layers = [
      await layer([{ name: 'etc/conf', content: '12345' }, { name: 'data/a', content: 'aaa' }, { name: 'data/b', content: 'bb' }, { name: 'old/x', content: 'xxxx' }, { name: 'gone', content: '1234567' }]),
      await layer([{ name: 'etc/conf', content: '123456789' }, { name: 'new.txt', content: 'n' }, { name: '.wh.gone' }, { name: '.wh.data' }, { name: 'old/.wh..wh..opq' }, { name: 'old/y', content: 'y' }]),
      await layer([{ name: 'etc/conf', content: '1' }]),
    ];
    history = await FileHistory.build(layers);
  });

  it("names what each layer did to a path: added, modified, deleted, replaced; nothing where it did not touch it", () => {
    const change = (file: string, at: number) => history.node(file)?.changeAt(at);
    assert.equal(change('/etc/conf', 0), 'added');
    assert.equal(change('/etc/conf', 1), 'modified');
    assert.equal(change('/etc/conf', 2), 'modified');
    assert.equal(change('/new.txt', 1), 'added');
    assert.equal(change('/new.txt', 2), undefined, 'layer 2 did not touch it');
    assert.equal(change('/gone', 1), 'deleted');
    assert.equal(change('/data', 1), 'deleted');
    assert.equal(change('/data/a', 1), 'deleted', 'what a deleted folder held goes with it');
    assert.equal(change('/old', 1), 'replaced');
    assert.equal(change('/old/y', 1), 'added');
  });

  it('lists every version of a path, and the merged view only those up to its layer', () => {
    assert.deepEqual(
      history.node('/etc/conf')!.versions().map((version) => [version.layer, version.entry?.size]),
      [
        [0, 5],
        [1, 9],
        [2, 1],
      ],
    );
    assert.deepEqual(
      new MergedFileSystem(history, layers, 1).versionsOf('/gone').map((version) => [version.layer, version.entry === null]),
      [
        [0, false],
        [1, true],
      ],
    );
  });

  it("sums each layer's changes: counts, bytes written, and the bytes its deletions hide", () => {
    assert.deepEqual(layerChangeSummary(history, 0), { added: { count: 5, bytes: 21 }, modified: { count: 0, bytes: 0 }, deleted: { count: 0, bytes: 0 } });
    // Deleted: /gone (7), /data (3 + 2), /old replaced (4).
    assert.deepEqual(layerChangeSummary(history, 1), { added: { count: 2, bytes: 2 }, modified: { count: 1, bytes: 9 }, deleted: { count: 3, bytes: 16 } });
    assert.deepEqual(layerChangeSummary(history, 2), { added: { count: 0, bytes: 0 }, modified: { count: 1, bytes: 1 }, deleted: { count: 0, bytes: 0 } });
  });

  it('finds the largest files of a tree, largest first, ties by path', async () => {
    const merged = new MergedFileSystem(history, layers, 1);
    assert.deepEqual(
      (await largestFiles(merged, 3)).map((entry) => [entry.path, entry.size]),
      [
        ['/etc/conf', 9],
        ['/new.txt', 1],
        ['/old/y', 1],
      ],
    );
    const many = await layer(Array.from({ length: 50 }, (_, at) => ({ name: `f/${String(at).padStart(2, '0')}`, content: 'x'.repeat(at) })));
    assert.deepEqual(
      (await largestFiles(many, 4)).map((entry) => entry.size),
      [49, 48, 47, 46],
      'trimming on the way keeps the largest',
    );
  });

  it('totals folders from their files, once per folder', async () => {
    const sizes = new FolderSizes(layers[0]);
    const root = await layers[0].stat('/');
    assert.equal(await sizes.sizeOf(root), 21);
    assert.equal(await sizes.sizeOf(await layers[0].stat('/data')), 5);
    assert.equal(await sizes.sizeOf(await layers[0].stat('/gone')), 7);
  });
});

describe('pathsTouchedBy', () => {
  it('keeps what a layer changed and the folders on the way to it, nothing else', async () => {
    const layers = [
      await layer([{ name: 'a/b/c.txt', content: 'c' }, { name: 'a/keep.txt', content: 'k' }, { name: 'z/old', content: 'o' }]),
      await layer([{ name: 'a/b/c.txt', content: 'C' }, { name: 'z/.wh.old' }, { name: 'n/e/w', content: 'w' }]),
    ];
    const touched = pathsTouchedBy(await FileHistory.build(layers), 1);
    assert.deepEqual([...touched].sort(), ['/', '/a', '/a/b', '/a/b/c.txt', '/n', '/n/e', '/n/e/w', '/z', '/z/old']);
  });
});
