/**
 * The messages between the size map panel (extension host) and its webview. The webview gets the
 * map through these, never by reading files; what it sends back is checked by
 * parseSizeMapRequest before anything acts on it. No `vscode` import: the webview bundles this.
 */
import type { SizeMap, SizeMapFolder } from '../core/analysis/sizeMapData';

export type { SizeMap, SizeMapFile, SizeMapFolder, SizeMapItem, SizeMapLayer, SizeMapRest, SizeMapScope } from '../core/analysis/sizeMapData';

export const SIZE_MAP_VIEW_TYPE = 'dockerLayers.sizeMap';

/** What the panel shows, kept by VS Code across reloads (the serializer's state). */
export interface SizeMapPanelState {
  imageId: string;
  /** The tag the map was opened for (`app:1`), or the short ID. */
  name: string;
  archive?: string;
  /** Absent: the whole image; a number: that layer's own files. */
  layer?: number;
  /** The folder the map is zoomed into. */
  zoom?: string;
}

/** Host → webview. */
export type SizeMapMessage =
  | { type: 'map'; map: SizeMap; title: string; subtitle: string; state: SizeMapPanelState; text: SizeMapText }
  /** A folded folder in full detail, for zooming into it. */
  | { type: 'detail'; path: string; folder: SizeMapFolder }
  /** Nothing to draw: the image is being read, was deleted, or could not be read. */
  | { type: 'status'; status: 'loading' | 'deleted' | 'error'; message: string }
  /** Clicks a rectangle (by path) or a legend entry (by layer), as a user would: the extension-host tests drive the map with it. */
  | { type: 'press'; path: string }
  | { type: 'press'; legendLayer: number };

/**
 * The webview's words, translated by the host (vscode.l10n): `{0}`… are filled in by the webview.
 * Tile descriptions double as accessible names, so they say path and size first.
 */
export interface SizeMapText {
  /** {0} path, {1} size, {2} layer, {3} step. */
  file: string;
  wastedFile: string;
  /** {0} path, {1} size, {2} file count. */
  folder: string;
  /** The same, of a folder with one file. */
  folderOfOne: string;
  /** {0} count, {1} folder, {2} size. */
  smallerFiles: string;
  /** The same, beyond a folder's largest MAX_CHILDREN: not drawn at any zoom. */
  smallerFilesLimit: string;
  /** {0} count. */
  smallerFilesShort: string;
  /** The breadcrumb's first crumb. */
  root: string;
  up: string;
  revealLayerButton: string;
  /** {0} layer. */
  revealLayer: string;
  /** {0} layer, {1} step, {2} size, {3} the wasted part (legendWasted) or nothing. */
  legendLayer: string;
  /** {0} size. */
  legendWasted: string;
  /** Appended to the entry of a layer that shares the last colour. */
  legendSharedColour: string;
  /** {0} the layers that share the last colour ("3, 5, 9"): what the legend says of them. */
  legendOtherLayers: string;
  hatchMeaning: string;
  empty: string;
  /** Files are there, but every one is too small to draw at this size. */
  tooSmall: string;
}

/** What the webview reports after each drawing, for the tests and the log. */
export interface SizeMapRendered {
  /** The zoomed folder. */
  zoom: string;
  /** Files drawn, largest first (at most 20). */
  largest: { path: string; bytes: number; label: string }[];
  rectangles: number;
  /** Time from receiving the map to the rectangles being in the page. */
  milliseconds: number;
}

/** Webview → host. */
export type SizeMapRequest =
  | { type: 'ready' }
  | { type: 'open'; path: string }
  | { type: 'revealLayer'; layer: number }
  /** The map zoomed into a folded folder: send its detail. */
  | { type: 'zoomIn'; path: string }
  | ({ type: 'rendered' } & SizeMapRendered)
  /** A status is on screen, or none is (the map is). */
  | { type: 'statusShown'; status: 'loading' | 'deleted' | 'error' | 'none' };

/** As Linux's PATH_MAX. */
const MAX_PATH = 4096;
const MAX_REPORTED = 20;

const isPath = (value: unknown): value is string => typeof value === 'string' && value.startsWith('/') && value.length <= MAX_PATH && !value.includes('\0');
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER;

/** A webview's message as a request, or undefined when it is not one (a broken or hostile page). */
export function parseSizeMapRequest(raw: unknown): SizeMapRequest | undefined {
  if (typeof raw !== 'object' || raw === null) {
    return undefined;
  }
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
      return { type: 'ready' };
    case 'open':
      return isPath(message.path) ? { type: 'open', path: message.path } : undefined;
    case 'revealLayer':
      return isCount(message.layer) ? { type: 'revealLayer', layer: message.layer } : undefined;
    case 'zoomIn':
      return isPath(message.path) ? { type: 'zoomIn', path: message.path } : undefined;
    case 'statusShown':
      return message.status === 'loading' || message.status === 'deleted' || message.status === 'error' || message.status === 'none' ? { type: 'statusShown', status: message.status } : undefined;
    case 'rendered': {
      const largest = message.largest;
      if (!isPath(message.zoom) || !isCount(message.rectangles) || typeof message.milliseconds !== 'number' || !Number.isFinite(message.milliseconds) || !Array.isArray(largest) || largest.length > MAX_REPORTED) {
        return undefined;
      }
      const files = largest.filter(
        (file): file is SizeMapRendered['largest'][number] =>
          typeof file === 'object' && file !== null && isPath((file as { path?: unknown }).path) && isCount((file as { bytes?: unknown }).bytes) && typeof (file as { label?: unknown }).label === 'string',
      );
      if (files.length !== largest.length) {
        return undefined;
      }
      return {
        type: 'rendered',
        zoom: message.zoom,
        rectangles: message.rectangles,
        milliseconds: message.milliseconds,
        largest: files.map((file) => ({ path: file.path, bytes: file.bytes, label: file.label.slice(0, MAX_PATH) })),
      };
    }
    default:
      return undefined;
  }
}

/**
 * Whether a panel may read the image it names: an Engine image, or an image of an archive the user
 * opened (Open Image Archive…), named exactly as the opened archives remember it. A restored
 * panel's archive is only a path its webview kept: anything else is never opened.
 */
export function isArchiveOpened(state: Pick<SizeMapPanelState, 'archive'>, openedArchives: readonly string[]): boolean {
  return state.archive === undefined || openedArchives.includes(state.archive);
}

/** A restored panel's state, or undefined when VS Code kept something else. The archive is checked apart (isArchiveOpened). */
export function parseSizeMapPanelState(raw: unknown): SizeMapPanelState | undefined {
  if (typeof raw !== 'object' || raw === null) {
    return undefined;
  }
  const state = raw as Record<string, unknown>;
  if (typeof state.imageId !== 'string' || !/^[A-Za-z0-9:._-]{1,200}$/.test(state.imageId) || typeof state.name !== 'string') {
    return undefined;
  }
  // An archive that is no path string: not an Engine image either (the ID alone would name one).
  if (state.archive !== undefined && !(typeof state.archive === 'string' && state.archive.length > 0 && state.archive.length <= MAX_PATH && !state.archive.includes('\0'))) {
    return undefined;
  }
  return {
    imageId: state.imageId,
    name: state.name,
    ...(typeof state.archive === 'string' ? { archive: state.archive } : {}),
    ...(isCount(state.layer) ? { layer: state.layer } : {}),
    ...(isPath(state.zoom) ? { zoom: state.zoom } : {}),
  };
}
