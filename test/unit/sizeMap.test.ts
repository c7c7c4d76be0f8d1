/** The size map's data: folder totals, colour by layer, dive's wasted copies, small files merged, zooming in. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageEfficiency } from '../../src/core/analysis/efficiency';
import { FileHistory } from '../../src/core/analysis/fileHistory';
import { PALETTE_SLOTS, SizeMap, SizeMapError, SizeMapFolder, SizeMapItem, buildSizeMap, layerSlots, mapFileAt, sharedSlotLayers, wastedPaths } from '../../src/core/analysis/sizeMap';
import { LayerFileSystem } from '../../src/core/layerfs/layerFileSystem';
import { tarLayer } from './helpers/tarLayer';

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-sizemap-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const bytes = (count: number) => 'x'.repeat(count);
const STEPS = ['FROM base', 'COPY app /app', 'RUN rm /data/doomed', 'RUN edit config'];

/** Child items by name ('' for the rest), for asserting a folder's contents. */
function byName(folder: SizeMapFolder): Map<string, SizeMapItem> {
  return new Map(folder.children.map((item) => [item.kind === 'rest' ? '' : item.name, item]));
}

function folderAt(map: SizeMap, ...names: string[]): SizeMapFolder {
  let folder = map.root;
  for (const name of names) {
    const next = byName(folder).get(name);
    assert.ok(next?.kind === 'folder', `${name} is a folder of the map`);
    folder = next;
  }
  return folder;
}

describe('size map data', () => {
  let layers: LayerFileSystem[];
  let history: FileHistory;
  let wasted: ReturnType<typeof wastedPaths>;

  before(async () => {
    layers = [
      await tarLayer(scratch, [
        { name: 'bin/tool', content: bytes(500) },
        { name: 'etc/config', content: bytes(10) },
        { name: 'data/doomed', content: bytes(40) },
        { name: 'empty', content: '' },
        { name: 'link', type: 'symlink', linkName: 'bin/tool' },
      ]),
      await tarLayer(scratch, [
        { name: 'app/', type: 'dir' },
        { name: 'app/big.bin', content: bytes(300) },
        { name: 'app/small.txt', content: bytes(20) },
      ]),
      await tarLayer(scratch, [{ name: 'data/.wh.doomed' }]),
      await tarLayer(scratch, [{ name: 'etc/config', content: bytes(12) }]),
    ];
    history = await FileHistory.build(layers);
    wasted = wastedPaths((await imageEfficiency(layers)).inefficientFiles);
  });

  it('sizes folders by the bytes of every file under them, as of the top layer, deleted files gone', () => {
    const map = buildSizeMap(history, STEPS, { kind: 'image' }, wasted);
    assert.equal(map.root.bytes, 500 + 12 + 300 + 20);
    assert.equal(map.root.files, 5, 'tool, config, big.bin, small.txt and the empty file');
    assert.deepEqual(
      map.root.children.map((item) => (item.kind === 'rest' ? '…' : `${item.name} ${item.bytes}`)),
      ['bin 500', 'app 320', 'etc 12'],
      'largest first; the empty file, the symlink and the deleted folder draw nothing',
    );
    assert.equal(byName(map.root).has('data'), false);
  });

  it('colours each file by the layer that last wrote it, and names the layers with their steps in the legend', () => {
    const map = buildSizeMap(history, STEPS, { kind: 'image' }, wasted);
    const config = byName(folderAt(map, 'etc')).get('config');
    assert.deepEqual(config, { kind: 'file', name: 'config', bytes: 12, layer: 3, wasted: true });
    assert.deepEqual(
      map.layers.map(({ index, step, bytes, slot }) => ({ index, step, bytes, slot })),
      [
        { index: 0, step: 'FROM base', bytes: 500, slot: 0 },
        { index: 1, step: 'COPY app /app', bytes: 320, slot: 1 },
        { index: 3, step: 'RUN edit config', bytes: 12, slot: 2 },
      ],
      'layer 2 only deleted: it wrote no byte of the map',
    );
  });

  it("hatches the copies dive counts as wasted: in the image, the last copy of a path two layers hold", () => {
    const map = buildSizeMap(history, STEPS, { kind: 'image' }, wasted);
    const flags = (folder: SizeMapFolder) => folder.children.map((item) => (item.kind === 'file' ? `${item.name}:${item.wasted}` : ''));
    assert.deepEqual(flags(folderAt(map, 'etc')), ['config:true']);
    assert.deepEqual(flags(folderAt(map, 'app')), ['big.bin:false', 'small.txt:false']);
    assert.equal(map.wastedBytes, 12);
    assert.deepEqual(
      map.layers.map((layer) => layer.wastedBytes),
      [0, 0, 12],
    );
  });

  it("maps one layer's own files: its writes only, each copy wasted when dive counts that layer for the path", () => {
    const first = buildSizeMap(history, STEPS, { kind: 'layer', index: 0 }, wasted);
    assert.equal(first.root.bytes, 500 + 10 + 40, 'the layer as it was written, deleted files included');
    assert.deepEqual(
      [...byName(folderAt(first, 'etc'))].map(([name, item]) => [name, item.kind === 'file' && item.wasted]),
      [['config', true]],
    );
    assert.equal((byName(folderAt(first, 'data')).get('doomed') as { wasted: boolean }).wasted, true, 'dive counts the deleted copy too');
    assert.equal((byName(folderAt(first, 'bin')).get('tool') as { wasted: boolean }).wasted, false);
    const app = buildSizeMap(history, STEPS, { kind: 'layer', index: 1 }, wasted);
    assert.deepEqual(app.layers.map((layer) => layer.index), [1]);
    assert.equal(app.root.bytes, 320);
    const deleting = buildSizeMap(history, STEPS, { kind: 'layer', index: 2 }, wasted);
    assert.equal(deleting.root.bytes, 0);
    assert.deepEqual(deleting.root.children, []);
  });

  it('merges a folder\'s children beyond the per-folder limit into one "N smaller files" item', async () => {
    const many = await tarLayer(scratch, [
      ...Array.from({ length: 30 }, (_, i) => ({ name: `many/f${String(i).padStart(2, '0')}`, content: bytes(100 + i) })),
      { name: 'other/one', content: bytes(50) },
    ]);
    const map = buildSizeMap(await FileHistory.build([many]), ['ADD many'], { kind: 'image' }, new Map(), { maxChildren: 10 });
    const folder = folderAt(map, 'many');
    assert.equal(folder.children.length, 11);
    assert.deepEqual(
      folder.children.slice(0, 3).map((item) => item.kind === 'file' && item.name),
      ['f29', 'f28', 'f27'],
    );
    const rest = folder.children[10];
    assert.deepEqual(rest, { kind: 'rest', bytes: Array.from({ length: 20 }, (_, i) => 100 + i).reduce((a, b) => a + b), files: 20, items: 20, cut: 'limit' });
    assert.equal(folder.folded, undefined, 'cut by the per-folder limit, not the detail: zooming in shows no more');
    assert.equal(folder.bytes, map.root.bytes - 50, 'merged bytes still count in the folder');
  });

  it('merges children too small for the detail, marks the folder folded, and gives it full detail when it is asked for itself', async () => {
    const specs = [{ name: 'big', content: bytes(100_000) }, ...Array.from({ length: 5 }, (_, i) => ({ name: `tiny/t${i}`, content: bytes(10 + i) }))];
    const image = await FileHistory.build([await tarLayer(scratch, specs)]);
    const overview = buildSizeMap(image, ['ADD .'], { kind: 'image' }, new Map(), { detail: 100 });
    assert.deepEqual(
      overview.root.children.map((item) => (item.kind === 'rest' ? `rest:${item.cut}` : item.kind)),
      ['file', 'rest:detail'],
      'the tiny folder (60 bytes of 100,060) is under 1/100 of the map',
    );
    assert.equal(overview.root.folded, true);
    const zoomed = buildSizeMap(image, ['ADD .'], { kind: 'image' }, new Map(), { detail: 100, path: '/tiny' });
    assert.equal(zoomed.path, '/tiny');
    assert.equal(zoomed.root.name, 'tiny');
    assert.deepEqual(
      zoomed.root.children.map((item) => item.kind === 'file' && item.name),
      ['t4', 't3', 't2', 't1', 't0'],
    );
    assert.throws(() => buildSizeMap(image, ['ADD .'], { kind: 'image' }, new Map(), { path: '/big' }), SizeMapError);
    assert.throws(() => buildSizeMap(image, ['ADD .'], { kind: 'image' }, new Map(), { path: '/nowhere' }), SizeMapError);
    assert.throws(() => buildSizeMap(image, ['ADD .'], { kind: 'layer', index: 1 }, new Map()), SizeMapError);
  });

  it('leaves out of the legend a layer that wrote only empty files or second names', async () => {
    const layers2 = [
      await tarLayer(scratch, [{ name: 'data', content: bytes(10) }]),
      await tarLayer(scratch, [{ name: 'empty', content: '' }, { name: 'again', type: 'hardlink', linkName: 'data' }]),
    ];
    const map = buildSizeMap(await FileHistory.build(layers2), ['ADD data', 'RUN touch'], { kind: 'image' }, new Map());
    assert.deepEqual(map.layers.map((layer) => layer.index), [0]);
  });

  it('counts the bytes of a file with several names once', async () => {
    const linked = await tarLayer(scratch, [
      { name: 'a', content: bytes(64) },
      { name: 'b', type: 'hardlink', linkName: 'a' },
    ]);
    const map = buildSizeMap(await FileHistory.build([linked]), ['ADD .'], { kind: 'image' }, new Map());
    assert.equal(map.root.bytes, 64);
  });

  it('gives the largest layers their own colours, bottom first, and the others one shared colour', () => {
    const few = layerSlots(new Map([[4, 10], [0, 100], [2, 50]]));
    assert.deepEqual([...few].sort((a, b) => a[0] - b[0]), [[0, 0], [2, 1], [4, 2]]);
    const many = new Map(Array.from({ length: 12 }, (_, index) => [index, index === 5 ? 1 : 1000 - index] as [number, number]));
    const slots = layerSlots(many);
    const own = PALETTE_SLOTS - 1;
    assert.equal(slots.get(5), own, 'the smallest layer shares');
    assert.deepEqual(
      Array.from({ length: own }, (_, slot) => [...slots].find(([, s]) => s === slot)?.[0]),
      [0, 1, 2, 3, 4, 6, 7],
    );
    assert.equal([...slots.values()].filter((slot) => slot === own).length, 12 - own);
  });

  it('tells the legend which layers share the last colour, and files keep their own layer', async () => {
    // Ten layers, one file each, layer i writing 100 + i bytes except layer 2, the smallest.
    const sizes = Array.from({ length: 10 }, (_, index) => (index === 2 ? 1 : 100 + index));
    const stack = await Promise.all(sizes.map((size, index) => tarLayer(scratch, [{ name: `f${index}`, content: bytes(size) }])));
    const map = buildSizeMap(await FileHistory.build(stack), sizes.map((_, index) => `RUN step ${index}`), { kind: 'image' }, new Map());
    const own = PALETTE_SLOTS - 1;
    assert.deepEqual(
      map.layers.filter((layer) => layer.sharedColour).map((layer) => layer.index),
      [0, 1, 2],
      'the three smallest of ten: eight slots, seven of them own',
    );
    assert.ok(map.layers.every((layer) => layer.sharedColour === (layer.slot === own)));
    assert.deepEqual(byName(map.root).get('f2'), { kind: 'file', name: 'f2', bytes: 1, layer: 2, wasted: false }, 'a file in the shared colour still names its layer');
    assert.deepEqual(sharedSlotLayers(layerSlots(new Map(sizes.slice(0, PALETTE_SLOTS).map((size, index) => [index, size])))), [], 'eight layers: each its own colour');
    assert.ok(buildSizeMap(history, STEPS, { kind: 'image' }, wasted).layers.every((layer) => !layer.sharedColour));
  });

  it('finds the file a click names in the history, and nothing for folders, other layers or made-up paths', () => {
    assert.deepEqual(mapFileAt(history, { kind: 'image' }, '/etc/config')?.layer, 3);
    assert.equal(mapFileAt(history, { kind: 'image' }, '/etc/config')?.entry.size, 12);
    assert.equal(mapFileAt(history, { kind: 'layer', index: 0 }, '/etc/config')?.entry.size, 10);
    assert.equal(mapFileAt(history, { kind: 'layer', index: 1 }, '/etc/config'), undefined);
    assert.equal(mapFileAt(history, { kind: 'image' }, '/data/doomed'), undefined, 'deleted');
    assert.equal(mapFileAt(history, { kind: 'image' }, '/app'), undefined);
    assert.equal(mapFileAt(history, { kind: 'image' }, '/link'), undefined);
    assert.equal(mapFileAt(history, { kind: 'image' }, '/../../app/./big.bin')?.layer, 1, 'normalised inside the image');
  });
});
