/**
 * Each layer's size as a bar of text, its wasted share marked: a chart that reads the same in a
 * Markdown preview, in the Markdown source and in a terminal. Bars are scaled to the largest
 * layer; a layer with any bytes gets at least one cell, so small layers do not vanish.
 */
import { formatBytes } from '../format';
import { InefficientFile } from './efficiency';
import { FileHistory } from './fileHistory';

export interface LayerBar {
  label: string;
  bytes: number;
  wastedBytes: number;
}

export const BAR_WIDTH = 20;
const FULL = '█';
const WASTED = '▒';

export function layerBarChart(bars: readonly LayerBar[], width = BAR_WIDTH): string[] {
  const largest = Math.max(0, ...bars.map((bar) => bar.bytes));
  const labelWidth = Math.max(0, ...bars.map((bar) => [...bar.label].length));
  const sizes = bars.map((bar) => formatBytes(bar.bytes));
  const sizeWidth = Math.max(0, ...sizes.map((size) => size.length));
  return bars.map((bar, i) => {
    const cells = largest === 0 || bar.bytes === 0 ? 0 : Math.max(1, Math.round((bar.bytes / largest) * width));
    const wastedCells = bar.wastedBytes <= 0 || cells === 0 ? 0 : Math.min(cells, Math.max(1, Math.round((Math.min(bar.wastedBytes, bar.bytes) / bar.bytes) * cells)));
    const drawn = FULL.repeat(cells - wastedCells) + WASTED.repeat(wastedCells);
    const wasted = bar.wastedBytes > 0 ? `  (${formatBytes(bar.wastedBytes)} wasted)` : '';
    return `${bar.label.padEnd(labelWidth)}  ${drawn.padEnd(width)}  ${sizes[i].padStart(sizeWidth)}${wasted}`.trimEnd();
  });
}

/**
 * Per layer, the bytes it wrote to paths dive counts as inefficient (held by two or more layers):
 * the wasted share of its size. Summed over layers this is dive's wasted figure, except for
 * deleted folders, which dive sizes from what was below and which add nothing to any layer.
 */
export function wastedBytesPerLayer(history: FileHistory, inefficientFiles: readonly InefficientFile[]): number[] {
  const wasted = new Array<number>(history.layerCount).fill(0);
  for (const file of inefficientFiles) {
    for (const version of history.node(file.path)?.versions() ?? []) {
      if (version.entry?.kind === 'file' && file.layers.includes(version.layer)) {
        wasted[version.layer] += version.entry.size;
      }
    }
  }
  return wasted;
}
