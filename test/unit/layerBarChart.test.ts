/** The image summary's layer bar chart and each layer's wasted share. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageEfficiency } from '../../src/core/analysis/efficiency';
import { FileHistory } from '../../src/core/analysis/fileHistory';
import { layerBarChart, wastedBytesPerLayer } from '../../src/core/analysis/layerBarChart';
import { tarLayer } from './helpers/tarLayer';

describe('layer bar chart', () => {
  it('scales bars to the largest layer, marks the wasted share, keeps tiny layers visible and aligns the columns', () => {
    const lines = layerBarChart(
      [
        { label: '0 · FROM base', bytes: 1000, wastedBytes: 0 },
        { label: '1 · COPY big', bytes: 500, wastedBytes: 250 },
        { label: '2 · ENV', bytes: 0, wastedBytes: 0 },
        { label: '3 · RUN tiny', bytes: 1, wastedBytes: 1 },
      ],
      10,
    );
    assert.deepEqual(lines, [
      '0 · FROM base  ██████████  1.00 kB',
      '1 · COPY big   ██▒▒▒         500 B  (250 B wasted)',
      '2 · ENV                        0 B',
      '3 · RUN tiny   ▒               1 B  (1 B wasted)',
    ]);
  });

  it('draws nothing for an image of empty layers', () => {
    assert.deepEqual(layerBarChart([{ label: '0', bytes: 0, wastedBytes: 0 }], 4), ['0        0 B']);
  });

  it("gives each layer the bytes it wrote to dive's inefficient paths", async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bars-'));
    try {
      const layers = [
        await tarLayer(scratch, [
          { name: 'keep', content: 'k'.repeat(100) },
          { name: 'config', content: 'c'.repeat(10) },
        ]),
        await tarLayer(scratch, [{ name: 'config', content: 'c'.repeat(30) }]),
        await tarLayer(scratch, [{ name: '.wh.config' }, { name: 'new', content: 'n' }]),
      ];
      const history = await FileHistory.build(layers);
      const figures = await imageEfficiency(layers);
      assert.deepEqual(wastedBytesPerLayer(history, figures.inefficientFiles), [10, 30, 0]);
      assert.equal(figures.wastedBytes, 40, "the same total as dive's");
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
