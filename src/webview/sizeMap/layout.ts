/**
 * Where each rectangle of a size map goes: d3-hierarchy's squarified treemap over one folder of
 * the map, nested folders drawn as frames with a title band. Rectangles too small to see, and
 * beyond a cap, are left out, so drawing stays fast whatever the map holds. Tiles come parents
 * before children (a folder's frame is drawn under its contents).
 */
import { HierarchyRectangularNode, hierarchy, treemap, treemapSquarify } from 'd3-hierarchy';
import type { SizeMapFolder, SizeMapItem, SizeMapPanelState } from '../../contracts/sizeMapMessages';

export interface Tile {
  item: SizeMapItem;
  /** In-image path (rest items: their folder's path). */
  path: string;
  /** Folder levels below the zoomed folder: 1 for its own children. */
  depth: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A folder's title band, in pixels, when the folder is tall enough to show one. */
export const TITLE_BAND = 16;
const MIN_SIDE = 3;
export const MAX_TILES = 4000;

/** The tiles of `folder` (at `path`) in a width × height area, parents before their children. */
export function layoutTiles(folder: SizeMapFolder, path: string, width: number, height: number, maxTiles = MAX_TILES): Tile[] {
  const root = hierarchy<SizeMapItem>(folder, (item) => (item.kind === 'folder' ? item.children : undefined))
    .sum((item) => (item.kind === 'folder' ? 0 : item.bytes))
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
  const laidOut = treemap<SizeMapItem>()
    .tile(treemapSquarify)
    .size([Math.max(1, width), Math.max(1, height)])
    .round(true)
    .paddingInner(1)
    .paddingOuter((node) => (node.depth === 0 ? 0 : 2))
    .paddingTop((node) => (node.depth === 0 ? 0 : node.y1 - node.y0 > TITLE_BAND * 2.5 ? TITLE_BAND : 2))(root);
  // Breadth first: the zoomed folder's own children are all drawn before the cap is spent deeper.
  const tiles: Tile[] = [];
  const queue: { node: HierarchyRectangularNode<SizeMapItem>; path: string }[] = [{ node: laidOut, path }];
  for (let next = 0; next < queue.length && tiles.length < maxTiles; next++) {
    const { node, path: nodePath } = queue[next];
    for (const child of node.children ?? []) {
      const width = child.x1 - child.x0;
      const height = child.y1 - child.y0;
      if (width < MIN_SIDE || height < MIN_SIDE || tiles.length >= maxTiles) {
        continue;
      }
      const item = child.data;
      const childPath = item.kind === 'rest' ? nodePath : nodePath === '/' ? `/${item.name}` : `${nodePath}/${item.name}`;
      tiles.push({ item, path: childPath, depth: child.depth, x: child.x0, y: child.y0, width, height });
      if (item.kind === 'folder') {
        queue.push({ node: child, path: childPath });
      }
    }
  }
  return tiles;
}

/** The folder at `path` of a map rooted at `rootPath`, if the map holds it. */
export function folderAt(root: SizeMapFolder, rootPath: string, path: string): SizeMapFolder | undefined {
  if (path === rootPath) {
    return root;
  }
  const prefix = rootPath === '/' ? '/' : `${rootPath}/`;
  if (!path.startsWith(prefix)) {
    return undefined;
  }
  let folder: SizeMapFolder = root;
  for (const name of path.slice(prefix.length).split('/')) {
    const next = folder.children.find((item): item is SizeMapFolder => item.kind === 'folder' && item.name === name);
    if (!next) {
      return undefined;
    }
    folder = next;
  }
  return folder;
}

/**
 * The folder to draw when a map arrives: the zoom the host sent (it is told every zoom), else the
 * one the webview saved with setState for this same map (getState, after the page was made anew),
 * else the map's root. A folder the map does not hold (the image changed) is the root too.
 */
export function zoomToShow(root: SizeMapFolder, rootPath: string, host: SizeMapPanelState, saved: SizeMapPanelState | undefined): string {
  const sameMap = saved !== undefined && saved.imageId === host.imageId && saved.layer === host.layer && saved.archive === host.archive;
  const wanted = host.zoom ?? (sameMap ? saved.zoom : undefined) ?? rootPath;
  return folderAt(root, rootPath, wanted) ? wanted : rootPath;
}
