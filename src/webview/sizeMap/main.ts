/**
 * The size map webview: draws the map the panel sends as a treemap, one focusable rectangle per
 * file or folder, coloured by layer and hatched where dive counts a copy as wasted. Click or Enter
 * opens a file, zooms into a folder (asking the panel for detail where the map was folded);
 * Backspace or the breadcrumb zooms out; arrow keys move between rectangles. The only state is the
 * zoom, kept with setState so VS Code restores it, and read back with getState when the page is
 * made anew (the host sends the zoom too). Layers beyond the palette share its last colour: the
 * legend says which, and a rectangle's description names its own layer.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { parseSizeMapPanelState } from '../../contracts/sizeMapMessages';
import type { SizeMap, SizeMapFile, SizeMapFolder, SizeMapLayer, SizeMapMessage, SizeMapPanelState, SizeMapRendered, SizeMapRequest, SizeMapText } from '../../contracts/sizeMapMessages';
import { formatBytes } from '../../core/format';
import { Tile, folderAt, layoutTiles, zoomToShow } from './layout';
import './sizeMap.css';

interface VsCodeApi {
  postMessage(message: SizeMapRequest): void;
  setState(state: SizeMapPanelState): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const mapArea = element<HTMLDivElement>('map');
const statusArea = element<HTMLDivElement>('status');
const breadcrumb = element<HTMLElement>('breadcrumb');
const details = element<HTMLDivElement>('details');
const legend = element<HTMLUListElement>('legend');
const titleArea = element<HTMLHeadingElement>('title');
const subtitleArea = element<HTMLSpanElement>('subtitle');
const upButton = element<HTMLElement>('up');
const revealButton = element<HTMLElement>('reveal');

let current: { map: SizeMap; state: SizeMapPanelState; text: SizeMapText } | undefined;
/**
 * What this page saved before it was dropped (hidden, or the window reloaded), checked like any
 * saved state: its zoom is where the first map is drawn, with no wait for the host's word on it.
 */
let saved = parseSizeMapPanelState(vscode.getState());
let zoom = '/';
let tiles: Tile[] = [];
/** The rectangle that has (or last had) the keyboard focus. */
let focused: Tile | undefined;
let pendingDetail: string | undefined;

const layerOf = (index: number): SizeMapLayer | undefined => current?.map.layers.find((layer) => layer.index === index);
const format = (template: string, ...values: (string | number)[]) => template.replace(/\{(\d+)\}/g, (_, i: string) => String(values[Number(i)] ?? ''));

function describe(tile: Tile): string {
  const text = current!.text;
  const item = tile.item;
  if (item.kind === 'rest') {
    return format(item.cut === 'limit' ? text.smallerFilesLimit : text.smallerFiles, item.files.toLocaleString(), tile.path, formatBytes(item.bytes));
  }
  if (item.kind === 'folder') {
    return format(item.files === 1 ? text.folderOfOne : text.folder, tile.path, formatBytes(item.bytes), item.files.toLocaleString());
  }
  const layer = layerOf(item.layer);
  return format(item.wasted ? text.wastedFile : text.file, tile.path, formatBytes(item.bytes), item.layer, layer?.step ?? '');
}

function setStatus(status: 'loading' | 'deleted' | 'error' | undefined, message = ''): void {
  statusArea.hidden = status === undefined;
  statusArea.dataset.status = status ?? '';
  statusArea.replaceChildren();
  if (status === 'loading') {
    statusArea.append(document.createElement('vscode-progress-ring'));
  }
  const line = document.createElement('span');
  line.textContent = message;
  statusArea.append(line);
  mapArea.classList.toggle('stale', status === 'deleted' || status === 'error');
  vscode.postMessage({ type: 'statusShown', status: status ?? 'none' });
}

function saveState(): void {
  if (current) {
    vscode.setState({ ...current.state, zoom });
  }
}

function zoomTo(path: string): void {
  if (!current) {
    return;
  }
  const folder = folderAt(current.map.root, current.map.path, path);
  if (!folder) {
    return;
  }
  zoom = path;
  focused = undefined;
  saveState();
  if (folder.folded && pendingDetail !== path) {
    pendingDetail = path;
    vscode.postMessage({ type: 'zoomIn', path });
  }
  draw();
}

function activate(tile: Tile): void {
  const item = tile.item;
  if (item.kind === 'file') {
    vscode.postMessage({ type: 'open', path: tile.path });
  } else if (item.kind === 'folder') {
    zoomTo(tile.path);
  } else if (item.cut === 'detail' && tile.path !== zoom) {
    zoomTo(tile.path); // The rest of a nested folder: that folder, in its own detail.
  } else if (item.cut === 'detail' && zoom !== current!.map.path && folderAt(current!.map.root, current!.map.path, zoom)?.folded) {
    vscode.postMessage({ type: 'zoomIn', path: zoom });
  }
  // Else: at the map's own root the detail is already the folder's; beyond the per-folder limit nothing more is drawn.
}

/** The details line: what the pointer is over, else the chosen rectangle. */
function showDetails(tile: Tile | undefined): void {
  details.textContent = tile ? describe(tile) : '';
}

/** The rectangle clicked or focused: Reveal Layer acts on its layer (a layer's own map: that layer). */
function choose(tile: Tile | undefined): void {
  focused = tile;
  showDetails(tile);
  const layer = tile?.item.kind === 'file' ? tile.item.layer : current?.map.scope.kind === 'layer' ? current.map.scope.index : undefined;
  revealButton.toggleAttribute('disabled', layer === undefined);
  revealButton.dataset.layer = layer === undefined ? '' : String(layer);
}

function draw(): void {
  if (!current) {
    return;
  }
  const started = performance.now();
  const hadFocus = mapArea.contains(document.activeElement);
  const chosenPath = focused?.path;
  const folder = folderAt(current.map.root, current.map.path, zoom) ?? current.map.root;
  const width = mapArea.clientWidth;
  const height = mapArea.clientHeight;
  tiles = layoutTiles(folder, zoom, width, height);
  const fragment = document.createDocumentFragment();
  const text = current.text;
  tiles.forEach((tile, index) => {
    const box = document.createElement('div');
    const item = tile.item;
    box.className = `tile ${item.kind}`;
    if (item.kind === 'file') {
      box.classList.add(`slot-${layerOf(item.layer)?.slot ?? 0}`);
      box.classList.toggle('wasted', item.wasted);
    }
    box.style.left = `${tile.x}px`;
    box.style.top = `${tile.y}px`;
    box.style.width = `${tile.width}px`;
    box.style.height = `${tile.height}px`;
    box.dataset.index = String(index);
    box.dataset.path = tile.path;
    box.setAttribute('role', 'button');
    const label = describe(tile);
    box.setAttribute('aria-label', label);
    box.title = label;
    // One tab stop: the zoomed folder's own children take part in arrow-key moves, nested ones are reached by zooming.
    box.tabIndex = tile.depth === 1 && index === 0 ? 0 : -1;
    if (tile.width > 40 && tile.height > 14) {
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = item.kind === 'rest' ? format(text.smallerFilesShort, item.files.toLocaleString()) : item.name;
      box.append(name);
    }
    fragment.append(box);
  });
  mapArea.replaceChildren(fragment);
  if (tiles.length === 0) {
    const empty = document.createElement('p');
    empty.className = 'empty';
    empty.textContent = folder.children.length === 0 ? text.empty : text.tooSmall;
    mapArea.append(empty);
  }
  drawBreadcrumb();
  upButton.toggleAttribute('disabled', zoom === current.map.path);
  // The same rectangle stays chosen, and keeps the keyboard focus, across a redraw (zoom, detail, resize).
  const again = tiles.find((tile) => tile.path === chosenPath && tile.item.kind !== 'rest') ?? (hadFocus ? tiles.find((tile) => tile.depth === 1) : undefined);
  choose(again);
  if (hadFocus && again) {
    focusTile(again);
  }
  const files = tiles.filter((tile): tile is Tile & { item: SizeMapFile } => tile.item.kind === 'file');
  const report: SizeMapRendered = {
    zoom,
    rectangles: tiles.length,
    milliseconds: Math.round((performance.now() - started) * 10) / 10,
    largest: files
      .sort((a, b) => b.item.bytes - a.item.bytes || (a.path < b.path ? -1 : 1))
      .slice(0, 20)
      .map((tile) => ({ path: tile.path, bytes: tile.item.bytes, label: describe(tile) })),
  };
  vscode.postMessage({ type: 'rendered', ...report });
}

function drawBreadcrumb(): void {
  const map = current!.map;
  const crumbs: { label: string; path: string }[] = [{ label: current!.text.root, path: map.path }];
  const below = zoom === map.path ? [] : zoom.slice(map.path === '/' ? 1 : map.path.length + 1).split('/');
  below.forEach((name, i) => crumbs.push({ label: name, path: `${map.path === '/' ? '' : map.path}/${below.slice(0, i + 1).join('/')}` }));
  breadcrumb.replaceChildren(
    ...crumbs.map((crumb, i) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'crumb';
      button.textContent = crumb.label;
      if (i === crumbs.length - 1) {
        button.setAttribute('aria-current', 'location');
      }
      button.addEventListener('click', () => zoomTo(crumb.path));
      return button;
    }),
  );
}

function drawLegend(): void {
  const map = current!.map;
  const text = current!.text;
  const shared = map.layers.filter((layer) => layer.sharedColour);
  legend.replaceChildren(
    ...map.layers.map((layer) => {
      const entry = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'legend-entry';
      button.dataset.layer = String(layer.index);
      const swatch = document.createElement('span');
      swatch.className = `swatch slot-${layer.slot}`;
      const label = document.createElement('span');
      label.textContent =
        format(text.legendLayer, layer.index, layer.step, formatBytes(layer.bytes), layer.wastedBytes ? format(text.legendWasted, formatBytes(layer.wastedBytes)) : '') +
        (layer.sharedColour ? text.legendSharedColour : '');
      button.append(swatch, label);
      button.title = format(text.revealLayer, layer.index);
      button.addEventListener('click', () => vscode.postMessage({ type: 'revealLayer', layer: layer.index }));
      entry.append(button);
      return entry;
    }),
  );
  if (shared.length > 0) {
    // One colour for several layers: which ones, said once (the rectangles' descriptions name each file's own layer).
    const others = document.createElement('li');
    others.className = 'legend-note';
    const swatch = document.createElement('span');
    swatch.className = `swatch slot-${shared[0].slot}`;
    const label = document.createElement('span');
    label.textContent = format(text.legendOtherLayers, shared.map((layer) => layer.index).join(', '));
    others.append(swatch, label);
    legend.append(others);
  }
  const hatch = document.createElement('li');
  hatch.className = 'legend-hatch';
  const swatch = document.createElement('span');
  swatch.className = 'swatch wasted';
  const label = document.createElement('span');
  label.textContent = text.hatchMeaning;
  hatch.append(swatch, label);
  legend.append(hatch);
}

/** The next rectangle from `from` in a direction, among the zoomed folder's own children: the nearest whose centre lies that way. */
function neighbour(from: Tile, key: string): Tile | undefined {
  const centre = (tile: Tile) => [tile.x + tile.width / 2, tile.y + tile.height / 2];
  const [fx, fy] = centre(from);
  let best: Tile | undefined;
  let bestScore = Infinity;
  for (const tile of tiles) {
    if (tile === from || tile.depth !== from.depth) {
      continue;
    }
    const [x, y] = centre(tile);
    const dx = x - fx;
    const dy = y - fy;
    const ahead = key === 'ArrowRight' ? dx : key === 'ArrowLeft' ? -dx : key === 'ArrowDown' ? dy : -dy;
    const aside = key === 'ArrowRight' || key === 'ArrowLeft' ? Math.abs(dy) : Math.abs(dx);
    if (ahead <= 0) {
      continue;
    }
    const score = ahead + aside * 2;
    if (score < bestScore) {
      bestScore = score;
      best = tile;
    }
  }
  return best;
}

function focusTile(tile: Tile): void {
  const box = mapArea.querySelector<HTMLElement>(`[data-index="${tiles.indexOf(tile)}"]`);
  if (!box) {
    return;
  }
  mapArea.querySelectorAll<HTMLElement>('.tile[tabindex="0"]').forEach((other) => (other.tabIndex = -1));
  box.tabIndex = 0;
  box.focus();
}

const tileOf = (target: EventTarget | null): Tile | undefined => {
  const box = (target as HTMLElement | null)?.closest<HTMLElement>('.tile');
  return box ? tiles[Number(box.dataset.index)] : undefined;
};

mapArea.addEventListener('click', (event) => {
  const tile = tileOf(event.target);
  if (tile) {
    choose(tile);
    activate(tile);
  }
});
mapArea.addEventListener('mouseover', (event) => showDetails(tileOf(event.target) ?? focused));
mapArea.addEventListener('mouseleave', () => showDetails(focused));
mapArea.addEventListener('focusin', (event) => choose(tileOf(event.target)));
mapArea.addEventListener('keydown', (event) => {
  const tile = tileOf(event.target);
  if (!tile) {
    return;
  }
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    activate(tile);
  } else if (event.key.startsWith('Arrow') && !event.altKey) {
    event.preventDefault();
    const next = neighbour(tile, event.key);
    if (next) {
      focusTile(next);
    }
  } else if ((event.key === 'r' || event.key === 'R') && tile.item.kind === 'file') {
    vscode.postMessage({ type: 'revealLayer', layer: tile.item.layer });
  }
});
document.addEventListener('keydown', (event) => {
  if ((event.key === 'Backspace' || event.key === 'Escape' || (event.altKey && event.key === 'ArrowUp')) && current && zoom !== current.map.path) {
    event.preventDefault();
    zoomOut();
  }
});

function zoomOut(): void {
  const parent = zoom.slice(0, zoom.lastIndexOf('/')) || '/';
  zoomTo(parent.length < current!.map.path.length ? current!.map.path : parent);
  const first = tiles.find((tile) => tile.depth === 1);
  if (first) {
    focusTile(first);
  }
}
upButton.addEventListener('click', () => zoomOut());
revealButton.addEventListener('click', () => {
  const layer = revealButton.dataset.layer;
  if (layer) {
    vscode.postMessage({ type: 'revealLayer', layer: Number(layer) });
  }
});

let resizeFrame = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(() => draw());
}).observe(mapArea);

window.addEventListener('message', (event: MessageEvent<SizeMapMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'map': {
      current = { map: message.map, state: message.state, text: message.text };
      pendingDetail = undefined;
      titleArea.textContent = message.title;
      subtitleArea.textContent = message.subtitle;
      upButton.textContent = message.text.up;
      revealButton.textContent = message.text.revealLayerButton;
      // The host knows the zoom (the webview reports each one); else the zoom this page saved, for the same map.
      zoom = zoomToShow(message.map.root, message.map.path, message.state, saved);
      saved = undefined;
      setStatus(undefined);
      drawLegend();
      saveState();
      if (folderAt(message.map.root, message.map.path, zoom)?.folded && zoom !== message.map.path) {
        pendingDetail = zoom;
        vscode.postMessage({ type: 'zoomIn', path: zoom });
      }
      draw();
      break;
    }
    case 'detail': {
      pendingDetail = undefined;
      const folder = current && folderAt(current.map.root, current.map.path, message.path);
      if (folder) {
        replaceFolder(folder, message.folder);
        if (zoom === message.path || zoom.startsWith(`${message.path}/`)) {
          draw();
        }
      }
      break;
    }
    case 'status':
      setStatus(message.status, message.message);
      break;
    case 'press': {
      const target =
        'path' in message
          ? [...mapArea.querySelectorAll<HTMLElement>('.tile')].find((tile) => tile.dataset.path === message.path)
          : legend.querySelector<HTMLElement>(`.legend-entry[data-layer="${message.legendLayer}"]`);
      target?.click();
      break;
    }
  }
});

/** Grafts a folder's full detail into the map in place: a zoomed-in part, no longer folded. */
function replaceFolder(target: SizeMapFolder, detail: SizeMapFolder): void {
  target.children = detail.children;
  target.bytes = detail.bytes;
  target.files = detail.files;
  delete target.folded;
}
vscode.postMessage({ type: 'ready' });
