/** compareImages: two images' merged file systems side by side, on crafted layers. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileHistory } from '../../src/core/analysis/fileHistory';
import { ComparedImage, compareImages } from '../../src/core/analysis/imageComparison';
import { MergedFileSystem } from '../../src/core/analysis/mergedFileSystem';
import { LayerFileSystem, ReadFileOptions } from '../../src/core/layerfs/layerFileSystem';
import { TarSpec } from './helpers/tarBuilder';
import { tarLayer } from './helpers/tarLayer';

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-compare-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A layer from tar specs, with the diff ID it is known by and a log of the files read from it. */
async function layer(specs: TarSpec[], reads: string[] = []): Promise<LayerFileSystem> {
  const files = await tarLayer(scratch, specs);
  const readFile = files.readFile.bind(files);
  files.readFile = (layerPath: string, options?: ReadFileOptions) => {
    reads.push(layerPath);
    return readFile(layerPath, options);
  };
  return files;
}

async function image(layers: LayerFileSystem[], diffIds: string[]): Promise<ComparedImage> {
  return { files: new MergedFileSystem(await FileHistory.build(layers), layers, layers.length - 1), diffIds };
}

describe('compareImages', () => {
  it('lists added, removed and changed paths, and why each changed', async () => {
    const baseReads: string[] = [];
    const base = await layer([{ name: 'etc/os-release', content: 'ID=test\n' }, { name: 'bin/tool', content: 'v1' }], baseReads);
    const from = await image(
      [
        base,
        await layer([
          { name: 'app/same.txt', content: 'same bytes' },
          { name: 'app/edit.txt', content: 'aaaa' },
          { name: 'app/grow.txt', content: 'a' },
          { name: 'app/chmod.sh', content: '#!/bin/sh', mode: 0o644 },
          { name: 'app/owned', content: 'o' },
          { name: 'app/link', type: 'symlink', linkName: 'same.txt' },
          { name: 'app/gone/a', content: 'aa' },
          { name: 'app/gone/b', content: 'b' },
          { name: 'app/became-folder', content: 'file' },
          { name: 'app/empty', type: 'dir' },
        ]),
      ],
      ['sha256:base', 'sha256:app-v1'],
    );
    const to = await image(
      [
        base,
        await layer([
          { name: 'app/same.txt', content: 'same bytes' },
          { name: 'app/edit.txt', content: 'bbbb' },
          { name: 'app/grow.txt', content: 'abc' },
          { name: 'app/chmod.sh', content: '#!/bin/sh', mode: 0o755 },
          { name: 'app/owned', content: 'o', uid: 1000, gid: 1000 },
          { name: 'app/link', type: 'symlink', linkName: 'edit.txt' },
          { name: 'app/became-folder/inside', content: 'in' },
          { name: 'app/new.txt', content: 'new!' },
        ]),
      ],
      ['sha256:base', 'sha256:app-v2'],
    );
    const result = await compareImages(from, to);
    assert.deepEqual(result.added, [
      { path: '/app/became-folder/inside', size: 2, kind: 'file' },
      { path: '/app/new.txt', size: 4, kind: 'file' },
    ]);
    assert.deepEqual(result.removed, [
      { path: '/app/empty', size: 0, kind: 'directory' },
      { path: '/app/gone/a', size: 2, kind: 'file' },
      { path: '/app/gone/b', size: 1, kind: 'file' },
    ]);
    assert.deepEqual(
      result.changed.map((change) => [change.path, change.fromSize, change.toSize, change.reasons.join(',')]),
      [
        ['/app/became-folder', 4, 0, 'type'],
        ['/app/chmod.sh', 9, 9, 'mode'],
        ['/app/edit.txt', 4, 4, 'content'],
        ['/app/grow.txt', 1, 3, 'content'],
        ['/app/link', 0, 0, 'linkTarget'],
        ['/app/owned', 1, 1, 'owner'],
      ],
      'a same-size edit is a change; the same bytes rewritten by another layer are not',
    );
    assert.deepEqual(baseReads, [], 'paths both images got from the same layer are never read');
  });

  it('finds nothing between an image and itself, and reads no file to say so', async () => {
    const reads: string[] = [];
    const layers = [await layer([{ name: 'a', content: 'x'.repeat(3000) }, { name: 'd/b', content: 'b' }], reads)];
    const result = await compareImages(await image(layers, ['sha256:one']), await image(layers, ['sha256:one']));
    assert.deepEqual(result, { added: [], removed: [], changed: [] });
    assert.deepEqual(reads, []);
  });

  it('compares large same-size files piece by piece: a difference in the last byte counts', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    const edited = Buffer.from(big);
    edited[edited.length - 1] = 8;
    const from = await image([await layer([{ name: 'big.bin', content: big }])], ['sha256:a']);
    const to = await image([await layer([{ name: 'big.bin', content: edited }])], ['sha256:b']);
    assert.deepEqual((await compareImages(from, to)).changed, [{ path: '/big.bin', fromSize: big.length, toSize: big.length, reasons: ['content'] }]);
    const same = await image([await layer([{ name: 'big.bin', content: big }])], ['sha256:c']);
    assert.deepEqual((await compareImages(from, same)).changed, []);
  });

  it('takes a hard link as the file it names, so a tar and a folder of the same files agree', async () => {
    const from = await image([await layer([{ name: 'bin/a', content: 'tool' }, { name: 'bin/b', type: 'hardlink', linkName: 'bin/a' }])], ['sha256:a']);
    const to = await image([await layer([{ name: 'bin/a', content: 'tool' }, { name: 'bin/b', content: 'tool' }])], ['sha256:b']);
    assert.deepEqual(await compareImages(from, to), { added: [], removed: [], changed: [] });
  });

  it('compares with an image of no layers: everything is added', async () => {
    const empty = await image([], []);
    const to = await image([await layer([{ name: 'x', content: 'xx' }])], ['sha256:x']);
    assert.deepEqual((await compareImages(empty, to)).added, [{ path: '/x', size: 2, kind: 'file' }]);
  });
});
