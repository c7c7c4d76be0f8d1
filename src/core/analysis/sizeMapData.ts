/**
 * The data of a size map (sizeMap.ts builds it), on its own with no imports: the webview bundles
 * these types and runs in a browser.
 */

/** Colours the map gives layers: the largest layers get one each, the rest share the last. */
export const PALETTE_SLOTS = 8;

export interface SizeMapFile {
  kind: 'file';
  name: string;
  bytes: number;
  /** The layer that wrote this version of the file. */
  layer: number;
  /** dive counts this copy as wasted. */
  wasted: boolean;
}

export interface SizeMapFolder {
  kind: 'folder';
  name: string;
  /** Bytes of every file under the folder (merged items included). */
  bytes: number;
  /** Regular files under the folder, empty ones included. */
  files: number;
  children: SizeMapItem[];
  /** Some children were too small for this map's detail: ask for the folder itself to see them. */
  folded?: true;
}

/** The files and folders of a folder left out of the map, drawn as one "N smaller files" rectangle. */
export interface SizeMapRest {
  kind: 'rest';
  bytes: number;
  files: number;
  /** Items merged (files and folders). */
  items: number;
  /**
   * Why they are not drawn: `detail`, too small for this map (the folder itself, asked for, shows
   * them); `limit`, beyond the folder's largest MAX_CHILDREN (not shown at any zoom).
   */
  cut: 'detail' | 'limit';
}

export type SizeMapItem = SizeMapFile | SizeMapFolder | SizeMapRest;

/** What the map shows: the image as of its top layer, or what one layer itself wrote. */
export type SizeMapScope = { kind: 'image' } | { kind: 'layer'; index: number };

export interface SizeMapLayer {
  index: number;
  /** The Dockerfile step, as the tree labels it. */
  step: string;
  /** Bytes of this map that the layer wrote. */
  bytes: number;
  /** Of those, bytes dive counts as wasted. */
  wastedBytes: number;
  /** The layer's colour: PALETTE_SLOTS − 1 is shared by the smaller layers ("other layers"). */
  slot: number;
  /** The layer has no colour of its own: it shares the last one with the other small layers. */
  sharedColour: boolean;
}

export interface SizeMap {
  scope: SizeMapScope;
  /** The in-image path of the map's root folder. */
  path: string;
  root: SizeMapFolder;
  /** Layers that wrote bytes of this map, by layer index. */
  layers: SizeMapLayer[];
  wastedBytes: number;
}
