/**
 * dive's figures on crafted layers, worked out by hand from dive 0.13's efficiency.go and
 * analysis.go (the comment on each case shows the sums), so a CI gate moved from dive keeps its verdict.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageEfficiency } from '../../src/core/analysis/efficiency';
import { ArchiveLayerFileSystem } from '../../src/core/archive/archiveLayerFileSystem';
import { DirectoryFileSystem } from '../../src/core/layerfs/directoryFileSystem';
import { TarSpec } from './helpers/tarBuilder';
import { tarLayer } from './helpers/tarLayer';

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-efficiency-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const layer = (specs: TarSpec[]): Promise<ArchiveLayerFileSystem> => tarLayer(scratch, specs);

const bytes = (count: number, fill = 'x') => fill.repeat(count);

describe("imageEfficiency (dive's figures)", () => {
  it('a file overwritten in a later layer: both copies are wasted', async () => {
    // /a: 100 + 50 (smallest 50); /b: 10. Efficiency (50 + 10) / (150 + 10); wasted 150; user 50.
    const result = await imageEfficiency([
      await layer([{ name: 'a', content: bytes(100) }, { name: 'b', content: bytes(10) }]),
      await layer([{ name: 'a', content: bytes(50, 'y') }]),
    ]);
    assert.deepEqual(result.layerSizes, [110, 50]);
    assert.equal(result.sizeBytes, 160);
    assert.equal(result.userSizeBytes, 50);
    assert.equal(result.efficiency, 60 / 160);
    assert.equal(result.wastedBytes, 150);
    assert.equal(result.userWastedPercent, 3);
    assert.deepEqual(result.inefficientFiles, [{ path: '/a', count: 2, wastedBytes: 150, layers: [0, 1] }]);
  });

  it('a chmod copy-up: the same bytes again, counted twice; folders with files in them do not count', async () => {
    const result = await imageEfficiency([
      await layer([{ name: 'bin/', type: 'dir' }, { name: 'bin/tool', content: bytes(1000), mode: 0o644 }]),
      await layer([{ name: 'bin/', type: 'dir' }, { name: 'bin/tool', content: bytes(1000), mode: 0o755 }]),
    ]);
    assert.equal(result.efficiency, 0.5);
    assert.equal(result.wastedBytes, 2000);
    assert.equal(result.userWastedPercent, 2);
    assert.deepEqual(result.inefficientFiles.map((file) => file.path), ['/bin/tool']);
  });

  it("a removed folder counts what was under it, a removed file 0; only the file's path is wasted", async () => {
    // Leaves: /d/x 30, /d/y 20, /f 7 | /d (whiteout of a folder: 0 + 30 + 20), /f (whiteout of a file: 0) | /g 10.
    // Σ smallest 30 + 20 + 0 + 50 + 10 = 110; Σ sizes 30 + 20 + 7 + 50 + 10 = 117; wasted: /f, 7.
    const result = await imageEfficiency([
      await layer([{ name: 'd/', type: 'dir' }, { name: 'd/x', content: bytes(30) }, { name: 'd/y', content: bytes(20) }, { name: 'f', content: bytes(7) }]),
      await layer([{ name: '.wh.d' }, { name: '.wh.f' }]),
      await layer([{ name: 'g', content: bytes(10) }]),
    ]);
    assert.deepEqual(result.layerSizes, [57, 0, 10]);
    assert.equal(result.efficiency, 110 / 117);
    assert.equal(result.wastedBytes, 7);
    assert.equal(result.userWastedPercent, 0.7);
    assert.deepEqual(result.inefficientFiles, [{ path: '/f', count: 2, wastedBytes: 7, layers: [0, 1] }]);
  });

  it('a folder a layer only implies (d/x, no d/) is no folder in dive\'s stack: its whiteout counts 0', async () => {
    // AddPath gives d an empty FileInfo (IsDir false), so efficiency.go sizes the whiteout of /d as 0.
    // Leaves: /d/x 30, /d/y 20, /f 7 | /d 0, /f 0 | /g 10. Σ smallest 30 + 20 + 0 + 0 + 10 = 60; Σ sizes 30 + 20 + 7 + 0 + 10 = 67.
    const implied = await layer([{ name: 'd/x', content: bytes(30) }, { name: 'd/y', content: bytes(20) }, { name: 'f', content: bytes(7) }]);
    assert.equal((await implied.stat('/d')).implied, true);
    const result = await imageEfficiency([implied, await layer([{ name: '.wh.d' }, { name: '.wh.f' }]), await layer([{ name: 'g', content: bytes(10) }])]);
    assert.equal(result.efficiency, 60 / 67);
    assert.equal(result.wastedBytes, 7);
    assert.deepEqual(result.inefficientFiles, [{ path: '/f', count: 2, wastedBytes: 7, layers: [0, 1] }]);
  });

  it("the upper layer's entry sets the folder in dive's stack: a real d/ then an implied one, removed, counts 0", async () => {
    // Stack's AddPath overwrites /d's FileInfo with layer 1's empty one. Leaves: /d/x 30, /f 10 | /d/y 5, /f 10 | /d 0.
    // Σ smallest 30 + 10 + 5 + 0 = 45; Σ sizes 30 + 20 + 5 + 0 = 55; wasted: /f, 20.
    const real = await layer([{ name: 'd/', type: 'dir' }, { name: 'd/x', content: bytes(30) }, { name: 'f', content: bytes(10) }]);
    assert.equal((await real.stat('/d')).implied, undefined, 'its own entry makes a folder real');
    const result = await imageEfficiency([real, await layer([{ name: 'd/y', content: bytes(5) }, { name: 'f', content: bytes(10, 'z') }]), await layer([{ name: '.wh.d' }])]);
    assert.equal(result.efficiency, 45 / 55);
    assert.equal(result.wastedBytes, 20);
  });

  it("a whiteout of a path in no layer below ends dive's count of its layer, in dive's order; the layer is still stacked", async () => {
    // Layer 1 in dive's order (names sorted, the whiteout as .wh.gone): -early 3, then .wh.gone: GetNode fails, so
    // a 100 and z/deep 7 are not counted; /gone keeps minDiscoveredSize -1. Layer 2: .wh.z sizes layer 1's z: 0 + 7; m again.
    // Σ smallest 100 (/a) + 50 (/m) + 3 (/-early) - 1 (/gone) + 7 (/z) = 159; Σ sizes 100 + 100 + 3 + 0 + 7 = 210; wasted: /m, 100.
    const result = await imageEfficiency([
      await layer([{ name: 'a', content: bytes(100) }, { name: 'm', content: bytes(50) }]),
      await layer([{ name: 'z/', type: 'dir' }, { name: 'z/deep', content: bytes(7) }, { name: 'a', content: bytes(100, 'b') }, { name: '.wh.gone' }, { name: '-early', content: bytes(3) }]),
      await layer([{ name: '.wh.z' }, { name: 'm', content: bytes(50, 'n') }]),
    ]);
    assert.deepEqual(result.layerSizes, [150, 110, 50], 'layer sizes are the whole tars still');
    assert.equal(result.efficiency, 159 / 210);
    assert.equal(result.wastedBytes, 100);
    assert.equal(result.userWastedPercent, 100 / 160);
    assert.deepEqual(result.inefficientFiles, [{ path: '/m', count: 2, wastedBytes: 100, layers: [0, 2] }]);
    assert.deepEqual(result.stoppedLayers, [{ layer: 1, path: '/gone' }]);
  });

  it("the -1 of a missed whiteout stays until a layer counts the path; dive's order is Go's (code points, not UTF-16)", async () => {
    // Σ smallest 10 (/x) - 1 (/nothing) = 9; Σ sizes 10.
    const missed = await imageEfficiency([await layer([{ name: 'x', content: bytes(10) }]), await layer([{ name: '.wh.nothing' }])]);
    assert.equal(missed.efficiency, 9 / 10);
    // Layer 2 counts /nothing 4, which replaces the -1: Σ smallest 10 + 4 = 14; Σ sizes 14.
    const counted = await imageEfficiency([await layer([{ name: 'x', content: bytes(10) }]), await layer([{ name: '.wh.nothing' }]), await layer([{ name: 'nothing', content: bytes(4) }])]);
    assert.equal(counted.efficiency, 1);
    assert.equal(missed.stoppedLayers?.length, 1);
    assert.equal(counted.inefficientFiles.length, 0, 'the missed whiteout is no copy');
    // U+FF01 is before U+1F600 in UTF-8 (Go), after its surrogates in UTF-16 (JS's <): dive stops at the first.
    const order = await imageEfficiency([await layer([{ name: 'x', content: bytes(1) }]), await layer([{ name: '.wh.\u{1F600}' }, { name: '.wh.\uFF01' }])]);
    assert.deepEqual(order.stoppedLayers, [{ layer: 1, path: '/\uFF01' }]);
  });

  it('an image with no missed whiteout says nothing of stopped layers', async () => {
    const result = await imageEfficiency([await layer([{ name: 'f', content: bytes(1) }]), await layer([{ name: '.wh.f' }])]);
    assert.equal(result.stoppedLayers, undefined);
  });

  it('an opaque folder: the marker is no entry, the files it hides are not counted again', async () => {
    const result = await imageEfficiency([
      await layer([{ name: 'o/a', content: bytes(5) }, { name: 'o/b', content: bytes(6) }]),
      await layer([{ name: 'o/', type: 'dir' }, { name: 'o/.wh..wh..opq' }, { name: 'o/c', content: bytes(7) }]),
    ]);
    assert.deepEqual(result.layerSizes, [11, 7]);
    assert.equal(result.efficiency, 1);
    assert.equal(result.wastedBytes, 0);
    assert.deepEqual(result.inefficientFiles, []);
  });

  it('the same content at two paths is not waste (dive compares paths, not content); nothing above the base gives null', async () => {
    const twoPaths = await imageEfficiency([await layer([{ name: 'x', content: bytes(10) }]), await layer([{ name: 'y', content: bytes(10) }])]);
    assert.deepEqual([twoPaths.efficiency, twoPaths.wastedBytes, twoPaths.userWastedPercent], [1, 0, 0]);
    const baseOnly = await imageEfficiency([await layer([{ name: 'x', content: bytes(10) }])]);
    assert.deepEqual([baseOnly.efficiency, baseOnly.userWastedPercent], [1, null]);
    const nothing = await imageEfficiency([await layer([]), await layer([])]);
    assert.deepEqual([nothing.efficiency, nothing.sizeBytes, nothing.inefficientFiles], [1, 0, []], 'empty layers: no leaf, efficiency 1');
  });

  it('an empty folder in two layers is a leaf each time: listed with 0 bytes, as dive lists it', async () => {
    const result = await imageEfficiency([await layer([{ name: 'e/', type: 'dir' }]), await layer([{ name: 'e/', type: 'dir' }, { name: 'z', content: 'z' }])]);
    assert.deepEqual(result.inefficientFiles, [{ path: '/e', count: 2, wastedBytes: 0, layers: [0, 1] }]);
    assert.equal(result.efficiency, 1);
  });

  it('hard links count 0 after the first name: in a tar, and in a folder counted the way its tar would be', async () => {
    const fromTar = await imageEfficiency([await layer([{ name: 'a', content: bytes(40) }, { name: 'b', type: 'hardlink', linkName: 'a' }])]);
    assert.deepEqual(fromTar.layerSizes, [40]);
    const folder = path.join(scratch, 'linked');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'a'), bytes(40));
    fs.linkSync(path.join(folder, 'a'), path.join(folder, 'b'));
    const fromFolder = await imageEfficiency([new DirectoryFileSystem(folder)]);
    assert.deepEqual(fromFolder.layerSizes, [40], 'b is the second name of a: 0, as in the tar');
  });
});
