/**
 * The size map webview's layout (src/webview/sizeMap/layout.ts), run in node: bundled here with
 * esbuild as the extension's build bundles it for the webview (d3-hierarchy is ESM only).
 */
import * as assert from 'node:assert/strict';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SizeMapFolder, SizeMapItem } from '../../src/core/analysis/sizeMapData';

type Layout = typeof import('../../src/webview/sizeMap/layout');

const file = (name: string, bytes: number): SizeMapItem => ({ kind: 'file', name, bytes, layer: 0, wasted: false });
const folder = (name: string, children: SizeMapItem[]): SizeMapFolder => ({
  kind: 'folder',
  name,
  bytes: children.reduce((sum, child) => sum + child.bytes, 0),
  files: children.reduce((sum, child) => sum + (child.kind === 'file' ? 1 : child.files), 0),
  children,
});

describe('size map layout', () => {
  let layout: Layout;
  let scratch: string;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-layout-'));
    const outfile = path.join(scratch, 'layout.js');
    esbuild.buildSync({ entryPoints: [path.join(__dirname, '..', '..', '..', 'src', 'webview', 'sizeMap', 'layout.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'warning' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    layout = require(outfile) as Layout;
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('sizes rectangles by bytes, parents before their children, with in-image paths', () => {
    const root = folder('/', [folder('app', [file('big.bin', 600), file('small.txt', 200)]), file('README', 200)]);
    const tiles = layout.layoutTiles(root, '/', 1000, 500);
    assert.deepEqual(
      tiles.map((tile) => `${tile.path}@${tile.depth}`),
      ['/app@1', '/README@1', '/app/big.bin@2', '/app/small.txt@2'],
    );
    const area = (p: string) => tiles.filter((tile) => tile.path === p).map((tile) => tile.width * tile.height)[0];
    assert.ok(Math.abs(area('/app') / area('/README') - 4) < 0.2, 'the folder holds four times the bytes of README');
    const app = tiles[0];
    for (const inner of tiles.filter((tile) => tile.path.startsWith('/app/'))) {
      assert.ok(inner.x >= app.x && inner.y >= app.y + 2 && inner.x + inner.width <= app.x + app.width && inner.y + inner.height <= app.y + app.height, `${inner.path} inside /app`);
    }
  });

  it('names a "smaller files" rectangle by its folder, and leaves out what is too small to see', () => {
    const root = folder('/', [
      folder('usr', [file('lib', 10_000), { kind: 'rest', bytes: 5_000, files: 40, items: 40, cut: 'detail' }]),
      file('speck', 1),
    ]);
    const tiles = layout.layoutTiles(root, '/', 400, 300);
    assert.deepEqual(tiles.find((tile) => tile.item.kind === 'rest')?.path, '/usr');
    assert.equal(tiles.some((tile) => tile.path === '/speck'), false, '1 byte of 15,001 in 400 × 300 is under 3 px');
  });

  it('spends the rectangle cap breadth first: every top-level folder is drawn before anything deeper', () => {
    const many = (name: string) => folder(name, Array.from({ length: 3000 }, (_, i) => file(`f${i}`, 100)));
    const tiles = layout.layoutTiles(folder('/', [many('d0'), many('d1'), many('d2')]), '/', 2000, 2000, 500);
    assert.equal(tiles.length, 500);
    assert.deepEqual(tiles.slice(0, 3).map((tile) => tile.path).sort(), ['/d0', '/d1', '/d2']);
  });

  it('finds a folder of the map by path, from a zoomed root too', () => {
    const root = folder('usr', [folder('lib', [folder('x', [file('a', 1)])])]);
    assert.equal(layout.folderAt(root, '/usr', '/usr/lib/x')?.name, 'x');
    assert.equal(layout.folderAt(root, '/usr', '/usr'), root);
    assert.equal(layout.folderAt(root, '/usr', '/usr/lib/x/a'), undefined, 'a file is no folder');
    assert.equal(layout.folderAt(root, '/usr', '/etc'), undefined);
    assert.equal(layout.folderAt(root, '/usr', '/usrx'), undefined);
  });

  it("zooms where the host says, else where the page saved (getState) for the same map, else at the root", () => {
    const root = folder('/', [folder('usr', [folder('lib', [file('a', 1)])]), file('b', 1)]);
    const image = { imageId: 'sha256:1', name: 'app:1' };
    assert.equal(layout.zoomToShow(root, '/', { ...image, zoom: '/usr' }, { ...image, zoom: '/usr/lib' }), '/usr', 'the host is told every zoom');
    assert.equal(layout.zoomToShow(root, '/', image, { ...image, zoom: '/usr/lib' }), '/usr/lib', 'the saved zoom, at once');
    assert.equal(layout.zoomToShow(root, '/', image, undefined), '/');
    assert.equal(layout.zoomToShow(root, '/', { imageId: 'sha256:2', name: 'app:1' }, { ...image, zoom: '/usr' }), '/', 'a rebuilt tag: another map');
    assert.equal(layout.zoomToShow(root, '/', image, { ...image, layer: 1, zoom: '/usr' }), '/', "a layer's map is another map");
    assert.equal(layout.zoomToShow(root, '/', image, { ...image, zoom: '/gone' }), '/', 'a folder the map does not hold');
  });
});
