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
 *
 * One pass per layer over its folders, down a single tree of every path seen: each node holds the
 * path's figures (which persist) and its state in dive's stack (present or removed), so no path
 * string is split, joined or hashed until the inefficient files are named at the end.
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

/**
 * One path of the image: its figures so far, and its state in dive's stack of the layers applied
 * so far (present or removed, folder or not, its size).
 */
interface PathNode {
  children: Map<string, PathNode> | undefined;
  // The stack.
  present: boolean;
  isDir: boolean;
  size: number;
  // The figures: layers that counted the path, what they counted.
  count: number;
  cumulative: number;
  smallest: number;
  firstLayer: number;
  /** Only for paths counted more than once (few). */
  laterLayers: number[] | undefined;
}

const newNode = (): PathNode => ({ children: undefined, present: false, isDir: false, size: 0, count: 0, cumulative: 0, smallest: 0, firstLayer: 0, laterLayers: undefined });

const isFolder = (entry: LayerEntry) => entry.kind === 'directory' || entry.kind === 'opaqueDirectory';

/** A file with more than one name in a folder: sized once the whole layer is seen (hard links). */
interface LinkedName {
  entry: LayerEntry;
  node: PathNode;
}

export async function imageEfficiency(layers: readonly LayerFileSystem[], signal?: AbortSignal): Promise<ImageEfficiency> {
  const root = newNode();
  root.present = root.isDir = true;
  const layerSizes: number[] = [];
  for (const [index, layer] of layers.entries()) {
    signal?.throwIfAborted();
    const linked: LinkedName[] = [];
    const { bytes } = await applyFolder(layer, '/', root, index, linked, signal);
    layerSizes.push(bytes + sizeHardLinks(linked, index));
  }
  const inefficientFiles: InefficientFile[] = [];
  let smallest = 0;
  let cumulative = 0;
  let wastedBytes = 0;
  // Depth first with the names on the way: a path string is made only for an inefficient file.
  const names: string[] = [];
  const visit = (node: PathNode) => {
    for (const [name, child] of node.children ?? []) {
      names.push(name);
      if (child.count > 0) {
        smallest += child.smallest;
        cumulative += child.cumulative;
        if (child.count >= 2) {
          wastedBytes += child.cumulative;
          inefficientFiles.push({ path: `/${names.join('/')}`, count: child.count, wastedBytes: child.cumulative, layers: [child.firstLayer, ...(child.laterLayers ?? [])] });
        }
      }
      visit(child);
      names.pop();
    }
  };
  visit(root);
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

/**
 * Applies one folder of a layer to the tree: counts its leaves (entries with nothing under them in
 * this layer) and stacks its entries. Returns how many entries it had and the bytes their tar
 * entries hold.
 *
 * Stacking as it goes gives what stacking after the layer would: a whiteout reads only the stack at
 * its own path, which no other entry of the same layer can be at or under.
 */
async function applyFolder(
  layer: LayerFileSystem,
  folderPath: string,
  folder: PathNode,
  index: number,
  linked: LinkedName[],
  signal: AbortSignal | undefined,
): Promise<{ entries: number; bytes: number }> {
  signal?.throwIfAborted();
  const entries = await layer.readDirectory(folderPath);
  const children = (folder.children ??= new Map<string, PathNode>());
  let bytes = 0;
  for (const entry of entries) {
    let node = children.get(entry.name);
    if (!node) {
      node = newNode();
      children.set(entry.name, node);
    }
    if (entry.kind === 'whiteout') {
      count(node, removeBelow(node), index);
      continue;
    }
    node.present = true;
    node.isDir = isFolder(entry);
    if (entry.kind === 'file' && entry.hardLinkKey !== undefined) {
      node.size = 0; // Sized, and counted, once every name of the layer is known.
      linked.push({ entry, node });
      continue;
    }
    node.size = entry.kind === 'file' ? entry.size : 0;
    bytes += node.size;
    if (node.isDir) {
      const inside = await applyFolder(layer, entry.path, node, index, linked, signal);
      bytes += inside.bytes;
      if (inside.entries > 0) {
        continue;
      }
    }
    count(node, node.size, index);
  }
  return { entries: entries.length, bytes };
}

function count(node: PathNode, size: number, layer: number): void {
  if (node.count === 0) {
    node.count = 1;
    node.cumulative = node.smallest = size;
    node.firstLayer = layer;
    return;
  }
  node.count++;
  node.cumulative += size;
  node.smallest = Math.min(node.smallest, size);
  (node.laterLayers ??= []).push(layer);
}

/**
 * A whiteout: dive's size of it (what was under a removed folder, itself included; 0 for a file or
 * a path not in the stack), and the path and all below it leave the stack.
 */
function removeBelow(node: PathNode): number {
  const wasFolder = node.present && node.isDir;
  let total = 0;
  const pending: PathNode[] = [node];
  while (pending.length) {
    const current = pending.pop()!;
    if (!current.present) {
      continue;
    }
    total += current.size;
    current.present = false;
    for (const child of current.children?.values() ?? []) {
      pending.push(child);
    }
  }
  return wasFolder ? total : 0;
}

/**
 * The names of hard-linked files of a folder layer, counted as its tar would hold them: the tar
 * writer walks names in order and writes the first with the data, the others as links of size 0.
 */
function sizeHardLinks(linked: LinkedName[], layer: number): number {
  linked.sort((a, b) => (a.entry.path < b.entry.path ? -1 : a.entry.path > b.entry.path ? 1 : 0));
  const seen = new Set<string>();
  let bytes = 0;
  for (const { entry, node } of linked) {
    const first = !seen.has(entry.hardLinkKey!);
    seen.add(entry.hardLinkKey!);
    node.size = first ? entry.size : 0;
    bytes += node.size;
    count(node, node.size, layer);
  }
  return bytes;
}
