/**
 * dive's image figures, computed exactly as dive 0.13 does (wagoodman/dive: dive/filetree/
 * efficiency.go, file_tree.go, dive/image/image.go, dive/image/docker/image_archive.go), so a CI
 * gate moved from dive passes or fails as before:
 * - a layer's size is the sum of its tar's entry sizes (folders, links: 0);
 * - per layer, only leaves count: entries with nothing under them in that layer;
 * - a leaf whiteout counts what was under the path in the layers below when that was a folder, 0
 *   when it was a file; `.wh..wh..opq` is no entry (its folder stays, as a leaf when alone);
 * - efficiency = Σ smallest size per path ÷ Σ sizes per path (1 when nothing counts);
 * - wasted bytes = Σ sizes of every path counted in two or more layers;
 * - user wasted percent = wasted ÷ the size of every layer but the first.
 * "Below" is dive's own stacking, which is not overlayfs': it ignores opaque folders, keeps what
 * was under a folder that a file replaced, and stacks a folder a layer only implies (`d/x` without
 * `d/`, FileTree.AddPath's empty FileInfo) as no folder, so a later whiteout of it counts 0.
 * And a whiteout of a path not in that stack ends dive's count of its layer: GetNode fails, the
 * visitor returns the error, VisitDepthChildFirst stops, and the leaves after it (dive walks names
 * sorted) are not counted; the whiteout's path stays in dive's map with a smallest size of -1
 * unless a layer counts it. All kept, so the figures match.
 *
 * One pass per layer over its folders, down a single tree of every path seen: each node holds the
 * path's figures (which persist) and its state in dive's stack (present or removed), so no path
 * string is split, joined or hashed until the inefficient files are named at the end. Folders are
 * walked in the order they come; only an image with a whiteout of a path not in the stack (rare)
 * is walked again, from that whiteout's layer on with each folder sorted as dive sorts it, to know
 * where dive's count stops.
 */
import { LayerEntry, LayerFileSystem } from '../layerfs/layerFileSystem';
import { compareCodeUnits } from '../model/textOrder';

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
  /**
   * Where dive stops counting a layer: at a whiteout of a path in none of the layers below, in
   * dive's order. The figures leave out that layer's leaves from there on, as dive's do. Absent
   * when no layer stops.
   */
  stoppedLayers?: StoppedLayer[];
}

export interface StoppedLayer {
  layer: number;
  /** The whiteout's path (what it deletes). */
  path: string;
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
  /** Before the point where dive stops counting the layer, if it does. */
  counted: boolean;
}

/** One layer's walk. */
interface LayerWalk {
  layer: LayerFileSystem;
  index: number;
  linked: LinkedName[];
  signal: AbortSignal | undefined;
  /** Each folder in dive's order: names sorted as Go sorts them, a whiteout as its `.wh.` name. */
  inDiveOrder: boolean;
  /** Not in dive's order, a whiteout of a path not in the stack: this layer must be walked in it. */
  missed: boolean;
  /** In dive's order, the whiteout where dive stops counting this layer. */
  stoppedAt: { node: PathNode; path: string } | undefined;
}

export async function imageEfficiency(layers: readonly LayerFileSystem[], signal?: AbortSignal): Promise<ImageEfficiency> {
  const figures = await walkImage(layers, layers.length, signal);
  // Again from the start: the layers below the one that missed walk as before, unsorted, and never miss.
  return typeof figures === 'number' ? ((await walkImage(layers, figures, signal)) as ImageEfficiency) : figures;
}

/**
 * The figures, walking the layers from `diveOrderFrom` on in dive's order; or the index of a layer
 * below it with a whiteout of a path not in the stack, which must be walked in dive's order.
 */
async function walkImage(layers: readonly LayerFileSystem[], diveOrderFrom: number, signal: AbortSignal | undefined): Promise<ImageEfficiency | number> {
  const root = newNode();
  root.present = root.isDir = true;
  const layerSizes: number[] = [];
  const stoppedLayers: StoppedLayer[] = [];
  /** The whiteouts dive stopped at: each path is in its map with -1 for smallest until a layer counts it. */
  const unsized = new Set<PathNode>();
  for (const [index, layer] of layers.entries()) {
    signal?.throwIfAborted();
    const walk: LayerWalk = { layer, index, linked: [], signal, inDiveOrder: index >= diveOrderFrom, missed: false, stoppedAt: undefined };
    const { bytes } = await applyFolder(walk, '/', root);
    if (walk.missed) {
      return index;
    }
    layerSizes.push(bytes + sizeHardLinks(walk.linked, index));
    if (walk.stoppedAt) {
      stoppedLayers.push({ layer: index, path: walk.stoppedAt.path });
      unsized.add(walk.stoppedAt.node);
    }
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
  for (const node of unsized) {
    // dive's minDiscoveredSize starts at -1, and only a count replaces it.
    smallest -= node.count === 0 ? 1 : 0;
  }
  inefficientFiles.sort((a, b) => b.wastedBytes - a.wastedBytes || compareCodeUnits(a.path, b.path));
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
    ...(stoppedLayers.length ? { stoppedLayers } : {}),
  };
}

/**
 * Applies one folder of a layer to the tree: counts its leaves (entries with nothing under them in
 * this layer) and stacks its entries. Returns how many entries it had and the bytes their tar
 * entries hold.
 *
 * Stacking as it goes gives what stacking after the layer would: a whiteout reads only the stack at
 * its own path, which no other entry of the same layer can be at or under. Once dive has stopped
 * counting the layer, its entries are still stacked: dive stacks every layer whole.
 */
async function applyFolder(walk: LayerWalk, folderPath: string, folder: PathNode): Promise<{ entries: number; bytes: number }> {
  walk.signal?.throwIfAborted();
  const listed = await walk.layer.readDirectory(folderPath);
  const entries = walk.inDiveOrder ? [...listed].sort(byDiveName) : listed;
  const children = (folder.children ??= new Map<string, PathNode>());
  let bytes = 0;
  for (const entry of entries) {
    let node = children.get(entry.name);
    if (!node) {
      node = newNode();
      children.set(entry.name, node);
    }
    if (entry.kind === 'whiteout') {
      if (!node.present && !walk.stoppedAt) {
        if (!walk.inDiveOrder) {
          walk.missed = true;
          return { entries: 0, bytes: 0 };
        }
        walk.stoppedAt = { node, path: entry.path };
        continue;
      }
      const size = removeBelow(node);
      if (!walk.stoppedAt) {
        count(node, size, walk.index);
      }
      continue;
    }
    node.present = true;
    // Every entry of a layer sets what dive's stack holds at its path, an implied folder too.
    node.isDir = isFolder(entry) && !entry.implied;
    if (entry.kind === 'file' && entry.hardLinkKey !== undefined) {
      node.size = 0; // Sized, and counted, once every name of the layer is known.
      walk.linked.push({ entry, node, counted: !walk.stoppedAt });
      continue;
    }
    node.size = entry.kind === 'file' ? entry.size : 0;
    bytes += node.size;
    if (isFolder(entry)) {
      const inside = await applyFolder(walk, entry.path, node);
      if (walk.missed) {
        return inside;
      }
      bytes += inside.bytes;
      if (inside.entries > 0) {
        continue;
      }
    }
    if (!walk.stoppedAt) {
      count(node, node.size, walk.index);
    }
  }
  return { entries: entries.length, bytes };
}

/** The name dive's tree has for an entry: a whiteout keeps its `.wh.` prefix there (as in a tar). */
const diveName = (entry: LayerEntry) => (entry.kind === 'whiteout' ? `.wh.${entry.name}` : entry.name);

/** Go's sort.Strings: UTF-8 byte order, which is code point order. */
function byDiveName(a: LayerEntry, b: LayerEntry): number {
  const x = diveName(a);
  const y = diveName(b);
  for (let i = 0; i < x.length && i < y.length; i++) {
    const unitX = x.charCodeAt(i);
    const unitY = y.charCodeAt(i);
    if (unitX !== unitY) {
      return codePointRank(unitX) - codePointRank(unitY);
    }
  }
  return x.length - y.length;
}

/** UTF-16 units reordered as code points order: a surrogate (a code point above U+FFFF) after U+E000–U+FFFF. */
const codePointRank = (unit: number) => (unit >= 0xd800 && unit < 0xe000 ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit);

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
  for (const { entry, node, counted } of linked) {
    const first = !seen.has(entry.hardLinkKey!);
    seen.add(entry.hardLinkKey!);
    node.size = first ? entry.size : 0;
    bytes += node.size;
    if (counted) {
      count(node, node.size, layer);
    }
  }
  return bytes;
}
