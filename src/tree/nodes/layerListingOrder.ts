/**
 * How a layer's file views order and filter a folder (settings dockerLayers.files.*): by name or
 * largest first, and in Merged without what the layer did not change. Both computed once per tree.
 */
import { FileHistory } from '../../core/analysis/fileHistory';
import { FolderSizes } from '../../core/analysis/fileSizes';
import { pathsTouchedBy } from '../../core/analysis/layerChangeSummary';
import { LayerEntry, LayerFileSystem } from '../../core/layerfs/layerFileSystem';
import { FileViewOptions } from './treeNode';
import { compareText } from '../../core/model/textOrder';

/** Folder totals per opened tree: computed once, for as long as the catalog keeps that tree. */
const folderSizes = new WeakMap<LayerFileSystem, FolderSizes>();
/** What each layer touched, per image history: computed once per layer, not per folder listed. */
const touchedPaths = new WeakMap<FileHistory, Map<number, Set<string>>>();

export function touchedBy(history: FileHistory, layer: number): Set<string> {
  let layers = touchedPaths.get(history);
  if (!layers) {
    layers = new Map();
    touchedPaths.set(history, layers);
  }
  let touched = layers.get(layer);
  if (!touched) {
    touched = pathsTouchedBy(history, layer);
    layers.set(layer, touched);
  }
  return touched;
}

/** Folders first; by name, or largest first (a folder by the bytes under it). */
export async function sortEntries(files: LayerFileSystem, entries: LayerEntry[], options: FileViewOptions): Promise<Map<LayerEntry, number> | undefined> {
  const isFolder = (entry: LayerEntry) => entry.kind === 'directory' || entry.kind === 'opaqueDirectory';
  if (options.sortBy !== 'size') {
    entries.sort((a, b) => Number(isFolder(b)) - Number(isFolder(a)) || compareText(a.name, b.name));
    return undefined;
  }
  let sizes = folderSizes.get(files);
  if (!sizes) {
    sizes = new FolderSizes(files);
    folderSizes.set(files, sizes);
  }
  const totals = new Map<LayerEntry, number>();
  for (const entry of entries) {
    totals.set(entry, await sizes.sizeOf(entry));
  }
  entries.sort((a, b) => Number(isFolder(b)) - Number(isFolder(a)) || totals.get(b)! - totals.get(a)! || compareText(a.name, b.name));
  return totals;
}
