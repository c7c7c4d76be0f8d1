/**
 * dive's image figures, computed exactly as dive 0.13 does (wagoodman/dive: dive/filetree/
 * efficiency.go, dive/image/analysis.go, dive/image/docker/image_archive.go), so a CI gate moved
 * from dive passes or fails as before:
 * - a layer's size is the sum of its tar's entry sizes (folders, links: 0);
 * - per layer, only leaves count: entries with nothing under them in that layer;
 * - a leaf whiteout counts what was under the path in the layers below when that was a folder, 0
 *   when it was a file; `.wh..wh..opq` is no entry (its folder stays, as a leaf when alone);
 * - efficiency = Σ smallest size per path ÷ Σ sizes per path (1 when nothing counts);
 * - wasted bytes = Σ sizes of every path counted in two or more layers;
 * - user wasted percent = wasted ÷ the size of every layer but the first.
 * "Below" is dive's own stacking, which is not overlayfs': it ignores opaque folders and keeps what
 * was under a folder that a file replaced. Kept, so the figures match.
 */
import { LayerEntry, LayerFileSystem } from '../layerfs/layerFileSystem';

export interface InefficientFile {
  path: string;
  /** Layers that counted this path. */
  count: number;
  /** dive's CumulativeSize: everything counted for the path, all copies included. */
  wastedBytes: number;
  /** The layers that counted it, bottom first. */
  layers: number[];
}

export interface ImageEfficiency {
  /** Σ of every layer's size (its tar's entry sizes). */
  sizeBytes: number;
  /** The same without the first layer. */
  userSizeBytes: number;
  layerSizes: number[];
  wastedBytes: number;
  efficiency: number;
  /** wasted ÷ user size; null when the layers above the first add nothing (dive would print NaN or +Inf). */
  userWastedPercent: number | null;
  /** Largest first (then by path). */
  inefficientFiles: InefficientFile[];
}

/** dive's stacked tree of the layers below: a size per node, children kept when a file replaces a folder. */
interface StackNode {
  size: number;
  isDir: boolean;
  children?: Map<string, StackNode>;
}

interface PathFigures {
  count: number;
  cumulative: number;
  smallest: number;
  layers: number[];
}

const isFolder = (entry: LayerEntry) => entry.kind === 'directory' || entry.kind === 'opaqueDirectory';

export async function imageEfficiency(layers: readonly LayerFileSystem[], signal?: AbortSignal): Promise<ImageEfficiency> {
  const paths = new Map<string, PathFigures>();
  const stack: StackNode = { size: 0, isDir: true };
  const layerSizes: number[] = [];
  for (const [index, layer] of layers.entries()) {
    signal?.throwIfAborted();
    const entries: LayerEntry[] = [];
    const leaves: LayerEntry[] = [];
    await walk(layer, '/', entries, leaves, signal);
    const sizes = tarSizes(entries);
    layerSizes.push(entries.reduce((sum, entry) => sum + (sizes.get(entry) ?? 0), 0));
    for (const leaf of leaves) {
      const size = leaf.kind === 'whiteout' ? removedBytes(stack, leaf.path) : (sizes.get(leaf) ?? 0);
      const figures = paths.get(leaf.path);
      if (figures) {
        figures.count++;
        figures.cumulative += size;
        figures.smallest = Math.min(figures.smallest, size);
        figures.layers.push(index);
      } else {
        paths.set(leaf.path, { count: 1, cumulative: size, smallest: size, layers: [index] });
      }
    }
    for (const entry of entries) {
      if (entry.kind === 'whiteout') {
        removePath(stack, entry.path);
      } else {
        addPath(stack, entry.path, { size: sizes.get(entry) ?? 0, isDir: isFolder(entry) });
      }
    }
  }
  let smallest = 0;
  let cumulative = 0;
  let wastedBytes = 0;
  const inefficientFiles: InefficientFile[] = [];
  for (const [path, figures] of paths) {
    smallest += figures.smallest;
    cumulative += figures.cumulative;
    if (figures.count >= 2) {
      wastedBytes += figures.cumulative;
      inefficientFiles.push({ path, count: figures.count, wastedBytes: figures.cumulative, layers: figures.layers });
    }
  }
  inefficientFiles.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const sizeBytes = layerSizes.reduce((sum, size) => sum + size, 0);
  const userSizeBytes = sizeBytes - (layerSizes[0] ?? 0);
  return {
    sizeBytes,
    userSizeBytes,
    layerSizes,
    wastedBytes,
    efficiency: cumulative === 0 ? 1 : smallest / cumulative,
    userWastedPercent: userSizeBytes === 0 ? null : wastedBytes / userSizeBytes,
    inefficientFiles,
  };
}

/** Every entry of a layer (each folder before what is in it) and its leaves. */
async function walk(layer: LayerFileSystem, folder: string, entries: LayerEntry[], leaves: LayerEntry[], signal: AbortSignal | undefined): Promise<number> {
  signal?.throwIfAborted();
  const children = await layer.readDirectory(folder);
  for (const child of children) {
    entries.push(child);
    const inside = isFolder(child) ? await walk(layer, child.path, entries, leaves, signal) : 0;
    if (inside === 0) {
      leaves.push(child);
    }
  }
  return children.length;
}

/**
 * What each entry counts as in its tar: a file's size, except the second and later names of a
 * hard-linked file of a folder (the tar writer walks names in order and writes those as links).
 */
function tarSizes(entries: readonly LayerEntry[]): Map<LayerEntry, number> {
  const sizes = new Map<LayerEntry, number>();
  const linked = entries.filter((entry) => entry.hardLinkKey !== undefined).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const seen = new Set<string>();
  const secondNames = new Set<LayerEntry>();
  for (const entry of linked) {
    if (seen.has(entry.hardLinkKey!)) {
      secondNames.add(entry);
    }
    seen.add(entry.hardLinkKey!);
  }
  for (const entry of entries) {
    sizes.set(entry, entry.kind === 'file' && !secondNames.has(entry) ? entry.size : 0);
  }
  return sizes;
}

function segments(path: string): string[] {
  return path.split('/').filter(Boolean);
}

function addPath(root: StackNode, path: string, data: { size: number; isDir: boolean }): void {
  let node = root;
  for (const name of segments(path)) {
    node.children ??= new Map();
    let next = node.children.get(name);
    if (!next) {
      next = { size: 0, isDir: false };
      node.children.set(name, next);
    }
    node = next;
  }
  node.size = data.size;
  node.isDir = data.isDir;
}

function findPath(root: StackNode, path: string): StackNode | undefined {
  let node: StackNode | undefined = root;
  for (const name of segments(path)) {
    node = node.children?.get(name);
    if (!node) {
      return undefined;
    }
  }
  return node;
}

function removePath(root: StackNode, path: string): void {
  const names = segments(path);
  const parent = findPath(root, `/${names.slice(0, -1).join('/')}`);
  parent?.children?.delete(names[names.length - 1]);
}

/** dive's size of a whiteout: what was under a removed folder (itself included), 0 for a removed file. */
function removedBytes(root: StackNode, path: string): number {
  const node = findPath(root, path);
  if (!node?.isDir) {
    return 0;
  }
  let total = 0;
  const pending: StackNode[] = [node];
  while (pending.length) {
    const current = pending.pop()!;
    total += current.size;
    for (const child of current.children?.values() ?? []) {
      pending.push(child);
    }
  }
  return total;
}
