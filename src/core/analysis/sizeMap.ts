/**
 * What a size map draws: an image's merged file system, or one layer's own files, as a tree of
 * folders and files sized by bytes. Each file carries the layer that last wrote it and whether
 * dive counts it as wasted (a path that two or more layers hold: every copy counts).
 *
 * Small things merge, so a map stays a few thousand rectangles whatever the image's size:
 * - a folder keeps at most `maxChildren` children, largest first;
 * - a child under 1/`detail` of the map's bytes is too small to see at this zoom.
 * The rest of a folder becomes one "N smaller files" item. A folder that lost children to the
 * second rule is `folded`: asked for on its own (zooming in), it gets its own detail.
 */
import { LayerEntry } from '../layerfs/layerFileSystem';
import { layerPathSegments, normalizeLayerPath } from '../layerfs/layerPath';
import { InefficientFile } from './efficiency';
import { FileHistory, PathNode } from './fileHistory';
import { PALETTE_SLOTS, SizeMap, SizeMapFolder, SizeMapItem, SizeMapRest, SizeMapScope } from './sizeMapData';
import { compareText } from '../model/textOrder';

export * from './sizeMapData';

export interface SizeMapOptions {
  /** A folder of the image to map instead of the root. */
  path?: string;
  maxChildren?: number;
  detail?: number;
}

export const MAX_CHILDREN = 100;
/** A child under this share of the map (1/4000 is ~100 px² of an 800×500 panel) merges into the rest. */
export const DETAIL = 4000;

/** The layers that hold a copy of each of dive's inefficient paths. */
export type WastedPaths = ReadonlyMap<string, readonly number[]>;

export function wastedPaths(inefficientFiles: readonly InefficientFile[]): WastedPaths {
  return new Map(inefficientFiles.map((file) => [file.path, file.layers]));
}

export class SizeMapError extends Error {}

const isFolder = (entry: LayerEntry | null): boolean => entry !== null && (entry.kind === 'directory' || entry.kind === 'opaqueDirectory');

/** Maps an image's files (fileHistory.ts), with each layer's step for the legend. */
export function buildSizeMap(history: FileHistory, steps: readonly string[], scope: SizeMapScope, wasted: WastedPaths, options: SizeMapOptions = {}): SizeMap {
  const top = history.layerCount - 1;
  if (scope.kind === 'layer' && !(Number.isInteger(scope.index) && scope.index >= 0 && scope.index <= top)) {
    throw new SizeMapError(`the image has no layer ${scope.index}`);
  }
  const path = normalizeLayerPath(options.path ?? '/');
  const view = scope.kind === 'image' ? top : scope.index;
  let node: PathNode | undefined = history.root;
  for (const segment of layerPathSegments(path)) {
    node = node.children?.get(segment);
    if (!node || !isFolder(node.at(view))) {
      throw new SizeMapError(`${path} is not a folder of the ${scope.kind === 'image' ? 'image' : `layer ${view}`}`);
    }
  }
  const perLayer = new Map<number, { bytes: number; wastedBytes: number }>();
  const walk = new MapWalk(scope, view, wasted, perLayer);
  const root = walk.folder(node, path, path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1));
  prune(root, Math.max(1, options.maxChildren ?? MAX_CHILDREN), root.bytes / Math.max(1, options.detail ?? DETAIL));
  const slots = layerSlots(new Map([...perLayer].map(([index, figures]) => [index, figures.bytes])));
  const shared = sharedSlotLayers(slots);
  const layers = [...perLayer]
    .map(([index, figures]) => ({ index, step: steps[index] ?? '', ...figures, slot: slots.get(index)!, sharedColour: shared.includes(index) }))
    .sort((a, b) => a.index - b.index);
  return { scope, path, root, layers, wastedBytes: layers.reduce((sum, layer) => sum + layer.wastedBytes, 0) };
}

/** Walks the path tree for one scope, building the full (unpruned) map and each layer's figures. */
class MapWalk {
  /** Names of a file with several: its bytes count once. */
  private readonly linked = new Set<string>();

  constructor(
    private readonly scope: SizeMapScope,
    private readonly view: number,
    private readonly wasted: WastedPaths,
    private readonly perLayer: Map<number, { bytes: number; wastedBytes: number }>,
  ) {}

  folder(node: PathNode, path: string, name: string): SizeMapFolder {
    const folder: SizeMapFolder = { kind: 'folder', name, bytes: 0, files: 0, children: [] };
    for (const [childName, child] of node.children ?? []) {
      const entry = child.at(this.view);
      if (!entry) {
        continue;
      }
      const childPath = path === '/' ? `/${childName}` : `${path}/${childName}`;
      if (isFolder(entry)) {
        const sub = this.folder(child, childPath, childName);
        if (sub.files > 0) {
          folder.children.push(sub);
          folder.bytes += sub.bytes;
          folder.files += sub.files;
        }
        continue;
      }
      const layer = child.writerAt(this.view)!;
      if (entry.kind !== 'file' || (this.scope.kind === 'layer' && layer !== this.view)) {
        continue;
      }
      const bytes = this.bytesOf(entry);
      const copies = this.wasted.get(childPath);
      const wasted = copies !== undefined && (this.scope.kind === 'image' || copies.includes(layer));
      folder.files++;
      folder.bytes += bytes;
      if (bytes > 0) {
        folder.children.push({ kind: 'file', name: childName, bytes, layer, wasted });
      }
      if (bytes > 0) {
        // Only layers with bytes in the map get a legend entry and a colour.
        const figures = this.perLayer.get(layer) ?? { bytes: 0, wastedBytes: 0 };
        figures.bytes += bytes;
        figures.wastedBytes += wasted ? bytes : 0;
        this.perLayer.set(layer, figures);
      }
    }
    return folder;
  }

  private bytesOf(entry: LayerEntry): number {
    if (entry.hardLinkKey === undefined) {
      return entry.size;
    }
    if (this.linked.has(entry.hardLinkKey)) {
      return 0;
    }
    this.linked.add(entry.hardLinkKey);
    return entry.size;
  }
}

/** Keeps each folder's largest children (at most `maxChildren`, none under `minBytes`) and merges the rest. */
function prune(folder: SizeMapFolder, maxChildren: number, minBytes: number): void {
  const children = folder.children.sort((a, b) => b.bytes - a.bytes || compareText(nameOf(a), nameOf(b)));
  let kept = 0;
  while (kept < children.length && kept < maxChildren && children[kept].bytes >= minBytes) {
    kept++;
  }
  if (kept < children.length) {
    if (kept < maxChildren) {
      folder.folded = true;
    }
    const rest: SizeMapRest = { kind: 'rest', bytes: 0, files: 0, items: 0, cut: kept < maxChildren ? 'detail' : 'limit' };
    for (const item of children.slice(kept)) {
      rest.bytes += item.bytes;
      rest.files += item.kind === 'file' ? 1 : item.files;
      rest.items++;
    }
    children.length = kept;
    children.push(rest);
  }
  for (const child of children) {
    if (child.kind === 'folder') {
      prune(child, maxChildren, minBytes);
    }
  }
}

const nameOf = (item: SizeMapItem): string => (item.kind === 'rest' ? '' : item.name);

/**
 * Colours for layers: the largest PALETTE_SLOTS − 1 (by bytes in the map, then the lower index)
 * get their own, bottom layer first so colours follow the stack; the rest share the last slot.
 */
export function layerSlots(bytesByLayer: ReadonlyMap<number, number>): Map<number, number> {
  const own = PALETTE_SLOTS - 1;
  const ranked = [...bytesByLayer].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const coloured = ranked.length <= PALETTE_SLOTS ? ranked : ranked.slice(0, own);
  const slots = new Map<number, number>();
  coloured
    .map(([index]) => index)
    .sort((a, b) => a - b)
    .forEach((index, slot) => slots.set(index, slot));
  for (const [index] of ranked) {
    if (!slots.has(index)) {
      slots.set(index, own);
    }
  }
  return slots;
}

/** The layers (by index, ascending) that share the last slot's colour: none when every layer has its own. */
export function sharedSlotLayers(slots: ReadonlyMap<number, number>): number[] {
  const last = [...slots].filter(([, slot]) => slot === PALETTE_SLOTS - 1).map(([index]) => index);
  return last.length > 1 ? last.sort((a, b) => a - b) : [];
}

/**
 * The file a map shows at an in-image path, read from the file history rather than from the map
 * (a zoomed-in part may not be in it): its entry and the layer that wrote it, or undefined when
 * the map has no such file. For acting on what a webview asks.
 */
export function mapFileAt(history: FileHistory, scope: SizeMapScope, path: string): { entry: LayerEntry; layer: number } | undefined {
  const view = scope.kind === 'image' ? history.layerCount - 1 : scope.index;
  const node = history.node(normalizeLayerPath(path));
  const entry = node?.at(view);
  const layer = node?.writerAt(view);
  if (!entry || entry.kind !== 'file' || layer === undefined || (scope.kind === 'layer' && layer !== view)) {
    return undefined;
  }
  return { entry, layer };
}
