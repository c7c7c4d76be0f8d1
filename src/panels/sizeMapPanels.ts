/**
 * Size map panels: one webview per image (or per layer) drawing where the bytes are. The panel
 * reads the image's files once (fileHistory, with progress and Cancel when the archive must be
 * downloaded), sends the map to the webview as messages and acts only on requests that
 * parseSizeMapRequest accepts and that name files the map really has. It follows the Engine's
 * events: a rebuilt tag reloads the map, a deleted image is said so. A serializer restores the
 * panels after a reload of the window; a map of an archive reads it only while the user has it
 * open (the path in a restored panel's state is only what its webview kept).
 */
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import { withArchiveProgress } from '../connection/archiveProgress';
import { EngineConnection } from '../connection/engineConnection';
import { EngineEvents } from '../connection/engineEvents';
import { OpenedArchives } from '../connection/openedArchives';
import { ImageRef, imageLayerWhere, layerRefOfImage } from '../contracts/commandTargets';
import { toLayerUri } from '../contracts/layerUri';
import {
  SIZE_MAP_VIEW_TYPE,
  SizeMapMessage,
  SizeMapPanelState,
  SizeMapRendered,
  SizeMapRequest,
  SizeMapText,
  isArchiveOpened,
  parseSizeMapPanelState,
  parseSizeMapRequest,
} from '../contracts/sizeMapMessages';
import { FileHistory } from '../core/analysis/fileHistory';
import { SizeMapError, SizeMapScope, WastedPaths, buildSizeMap, mapFileAt, wastedPaths } from '../core/analysis/sizeMap';
import { Debouncer } from '../core/debouncer';
import { shortId } from '../core/digest';
import { EngineNotFoundError } from '../core/engine/engineErrors';
import { changesImages } from '../core/engine/relevantEvents';
import { formatBytes } from '../core/format';
import { Logger } from '../core/logger';
import { ImageLayers, layerStepLabel } from '../core/model/imageLayers';

const EVENTS_SETTLE_MS = 500;

export interface SizeMapPanelDeps {
  extensionUri: vscode.Uri;
  connection: EngineConnection;
  archives: OpenedArchives;
  events: EngineEvents;
  log: Logger;
  /** Shows a layer in the Images view. */
  revealLayer(image: ImageRef, index: number): Promise<void>;
}

/** Creates the size map panels (and their serializer) for the extension's lifetime. */
export function registerSizeMapPanels(context: vscode.ExtensionContext, deps: SizeMapPanelDeps): SizeMapPanels {
  const panels = new SizeMapPanels(deps);
  context.subscriptions.push(panels);
  return panels;
}

export class SizeMapPanels implements vscode.WebviewPanelSerializer<unknown>, vscode.Disposable {
  private readonly open = new Set<SizeMapPanel>();
  private subscription: vscode.Disposable | undefined;
  private readonly settle = new Debouncer(EVENTS_SETTLE_MS, () => {
    for (const panel of this.open) {
      panel.followImage().catch((error: Error) => this.deps.log.warn(`cannot check ${panel.state.name} after image events: ${error.message}`));
    }
  });
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly deps: SizeMapPanelDeps) {
    this.disposables = [
      vscode.window.registerWebviewPanelSerializer(SIZE_MAP_VIEW_TYPE, this),
      deps.connection.onDidChange(() => {
        for (const panel of this.open) {
          panel.load().catch((error: Error) => deps.log.warn(`cannot reload the map of ${panel.state.name}: ${error.message}`));
        }
      }),
      // An archive opened again shows its maps; one closed stops being read.
      deps.archives.onDidChange(() => {
        for (const panel of this.open) {
          panel.followArchive().catch((error: Error) => deps.log.warn(`cannot reload the map of ${panel.state.name}: ${error.message}`));
        }
      }),
    ];
  }

  /** Shows the map of an image, or of one layer's own files; a panel already showing it comes to the front. */
  show(image: ImageRef, layer?: number): SizeMapPanel {
    const existing = [...this.open].find((panel) => panel.state.imageId === image.imageId && panel.state.layer === layer && panel.state.archive === image.archive);
    if (existing) {
      existing.webviewPanel.reveal();
      return existing;
    }
    const state: SizeMapPanelState = { imageId: image.imageId, name: image.name, ...(image.archive ? { archive: image.archive } : {}), ...(layer === undefined ? {} : { layer }) };
    return this.adopt(vscode.window.createWebviewPanel(SIZE_MAP_VIEW_TYPE, panelTitle(state), vscode.ViewColumn.Active, webviewOptions(this.deps.extensionUri)), state);
  }

  /** The open panels, for the extension-host tests. */
  panels(): readonly SizeMapPanel[] {
    return [...this.open];
  }

  async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    const state = parseSizeMapPanelState(saved);
    if (!state) {
      webviewPanel.dispose(); // Nothing known to show: better no panel than an empty one.
      return;
    }
    webviewPanel.webview.options = webviewOptions(this.deps.extensionUri);
    if (!isArchiveOpened(state, this.deps.archives.paths)) {
      this.deps.log.warn(`restored a size map of ${state.name} from ${state.archive}, an archive that is not open: not reading it`);
    }
    // Adopted either way: the panel itself says when its archive is not open (load()), and reads nothing then.
    this.adopt(webviewPanel, state);
  }

  private adopt(webviewPanel: vscode.WebviewPanel, state: SizeMapPanelState): SizeMapPanel {
    const panel = new SizeMapPanel(webviewPanel, state, this.deps);
    this.open.add(panel);
    webviewPanel.onDidDispose(() => {
      this.open.delete(panel);
      this.followWhileOpen();
    });
    this.followWhileOpen();
    return panel;
  }

  /** Follows the Engine's events while a panel shows an image of the Engine (archives do not change). */
  private followWhileOpen(): void {
    const wanted = [...this.open].some((panel) => !panel.state.archive);
    if (wanted && !this.subscription) {
      this.subscription = this.deps.events.subscribe((notice) => {
        if (notice.kind !== 'event' || changesImages(notice.event)) {
          this.settle.schedule();
        }
      });
    } else if (!wanted && this.subscription) {
      this.subscription.dispose();
      this.subscription = undefined;
      this.settle.cancel();
    }
  }

  dispose(): void {
    this.settle.cancel();
    this.subscription?.dispose();
    for (const panel of [...this.open]) {
      panel.webviewPanel.dispose();
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}

/** What a panel has read: enough to build any part of its map and to check what the webview asks for. */
interface Loaded {
  image: ImageLayers;
  history: FileHistory;
  wasted: WastedPaths;
  steps: string[];
}

export class SizeMapPanel {
  /** The webview's latest report of what it drew, and the status it shows (undefined: the map). */
  rendered: SizeMapRendered | undefined;
  statusShown: 'loading' | 'deleted' | 'error' | undefined;
  private loaded: Promise<Loaded> | undefined;
  private generation = 0;
  private deleted = false;
  /** The last load found the map's archive not open (closed, or never opened: a restored state). */
  private archiveClosed = false;
  /** What the webview was last sent, sent again when it reloads (a hidden panel's page is dropped). */
  private lastMap: Extract<SizeMapMessage, { type: 'map' }> | undefined;
  private lastStatus: Extract<SizeMapMessage, { type: 'status' }> | undefined;

  constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    public state: SizeMapPanelState,
    private readonly deps: SizeMapPanelDeps,
  ) {
    const webview = webviewPanel.webview;
    webviewPanel.title = panelTitle(state);
    webview.html = webviewHtml(webview, deps.extensionUri);
    webview.onDidReceiveMessage((raw: unknown) => {
      const request = parseSizeMapRequest(raw);
      if (!request) {
        deps.log.warn(`ignored a message that is no request: ${JSON.stringify(raw)?.slice(0, 200)}`);
        return;
      }
      this.handle(request).catch((error: Error) => {
        deps.log.warn(`${request.type}: ${error.message}`);
        const showLog = vscode.l10n.t('Show Log');
        void vscode.window.showWarningMessage(error.message, showLog).then((choice) => choice === showLog && vscode.commands.executeCommand('dockerLayers.showLog'));
      });
    });
  }

  private get scope(): SizeMapScope {
    return this.state.layer === undefined ? { kind: 'image' } : { kind: 'layer', index: this.state.layer };
  }

  private get imageRef(): ImageRef {
    return { imageId: this.state.imageId, name: this.state.name, ...(this.state.archive ? { archive: this.state.archive } : {}) };
  }

  /** Clicks a rectangle (an in-image path) or a layer's legend entry in the webview, as a user would. */
  press(target: string | { legendLayer: number }): Thenable<boolean> {
    return this.post(typeof target === 'string' ? { type: 'press', path: target } : { type: 'press', legendLayer: target.legendLayer });
  }

  private async handle(request: SizeMapRequest): Promise<void> {
    switch (request.type) {
      case 'ready':
        // A page reloaded after being hidden: what it showed, where it was zoomed; else a first load.
        if (this.lastMap) {
          await this.post({ ...this.lastMap, state: this.state });
          if (this.lastStatus) {
            await this.post(this.lastStatus);
          }
          return;
        }
        return this.load();
      case 'rendered':
        this.rendered = request;
        this.state = { ...this.state, zoom: request.zoom };
        this.deps.log.trace(`${this.state.name}: ${request.rectangles} rectangles drawn in ${request.milliseconds} ms`);
        return;
      case 'statusShown':
        this.statusShown = request.status === 'none' ? undefined : request.status;
        return;
      case 'open': {
        const loaded = await this.current();
        const found = mapFileAt(loaded.history, this.scope, request.path);
        if (!found) {
          throw new Error(vscode.l10n.t('{0} is no file of the size map of {1}.', request.path, this.state.name));
        }
        const layer = loaded.image.layers[found.layer];
        const uri = toLayerUri({ layer: layerRefOfImage(this.imageRef, found.layer), root: 'files', path: found.entry.path, where: imageLayerWhere(loaded.image, layer) });
        await vscode.commands.executeCommand('vscode.open', uri, { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'revealLayer': {
        const loaded = await this.current();
        if (request.layer >= loaded.image.layers.length) {
          throw new Error(vscode.l10n.t('{0} has no layer {1}.', this.state.name, request.layer));
        }
        await vscode.commands.executeCommand('workbench.view.extension.dockerLayers');
        return this.deps.revealLayer(this.imageRef, request.layer);
      }
      case 'zoomIn': {
        const loaded = await this.current();
        try {
          const detail = buildSizeMap(loaded.history, loaded.steps, this.scope, loaded.wasted, { path: request.path });
          await this.post({ type: 'detail', path: request.path, folder: detail.root });
        } catch (error) {
          if (!(error instanceof SizeMapError)) {
            throw error;
          }
          this.deps.log.warn(`zoom: ${error.message}`);
        }
        return;
      }
    }
  }

  /** What the status line says now (undefined: the map is shown), for the extension-host tests. */
  get statusMessage(): string | undefined {
    return this.lastStatus?.message;
  }

  /** Reads the image (again) and sends the map; a map of an archive that is not open says so instead. */
  async load(): Promise<void> {
    const generation = ++this.generation;
    this.loaded = undefined;
    this.deleted = false;
    this.lastMap = undefined;
    this.archiveClosed = !isArchiveOpened(this.state, this.deps.archives.paths);
    if (this.archiveClosed) {
      await this.postStatus({ type: 'status', status: 'error', message: archiveNotOpenMessage(this.state.archive!) });
      return;
    }
    await this.postStatus({ type: 'status', status: 'loading', message: vscode.l10n.t('Reading the files of {0}…', this.state.name) });
    try {
      const loaded = await this.current();
      const started = performance.now();
      const map = buildSizeMap(loaded.history, loaded.steps, this.scope, loaded.wasted);
      const builtMs = performance.now() - started;
      if (generation !== this.generation) {
        return;
      }
      this.deps.log.info(`${this.state.name}: map of ${map.root.files.toLocaleString()} files built in ${builtMs.toFixed(1)} ms`);
      const layerStep = this.state.layer === undefined ? undefined : loaded.steps[this.state.layer];
      const subtitle = [
        layerStep === undefined ? vscode.l10n.t('{0} layers', loaded.image.layers.length) : vscode.l10n.t('layer {0}: {1}', this.state.layer!, layerStep),
        vscode.l10n.t('{0} in {1} files', formatBytes(map.root.bytes), map.root.files.toLocaleString()),
        vscode.l10n.t('{0} wasted (hatched)', formatBytes(map.wastedBytes)),
      ].join(' · ');
      this.lastMap = { type: 'map', map, title: panelTitle(this.state), subtitle, state: this.state, text: webviewText() };
      this.lastStatus = undefined;
      await this.post(this.lastMap);
    } catch (error) {
      if (generation !== this.generation) {
        return;
      }
      const gone = error instanceof EngineNotFoundError;
      this.deleted = gone;
      const message = gone ? vscode.l10n.t('{0} no longer exists: it was deleted.', this.state.name) : vscode.l10n.t('Could not map {0}: {1}', this.state.name, (error as Error).message);
      await this.postStatus({ type: 'status', status: gone ? 'deleted' : 'error', message });
    }
  }

  /**
   * After image events: a tag that now names another image (a rebuild) shows that one, and a map
   * whose image is gone says so. A map of an image that is still there stays as it is.
   */
  async followImage(): Promise<void> {
    if (this.state.archive) {
      return;
    }
    const { engine } = await this.deps.connection.get();
    const lookUp = (reference: string) =>
      engine.inspectImage(reference).then(
        (inspect) => inspect,
        (error: Error) => (error instanceof EngineNotFoundError ? null : undefined),
      );
    const tagged = isTag(this.state) ? await lookUp(this.state.name) : null;
    if (tagged && tagged.Id !== this.state.imageId && (this.state.layer === undefined || this.state.layer < (tagged.RootFS?.Layers?.length ?? 0))) {
      this.deps.log.info(`${this.state.name} now names ${shortId(tagged.Id)}: reloading its map`);
      this.state = { ...this.state, imageId: tagged.Id, zoom: undefined };
      this.webviewPanel.title = panelTitle(this.state);
      return this.load();
    }
    const image = tagged?.Id === this.state.imageId ? tagged : await lookUp(this.state.imageId);
    if (image === undefined) {
      return; // The Engine did not answer: keep what is shown.
    }
    if (image) {
      if (this.deleted) {
        await this.load(); // Back again (docker load of the same image).
      }
      return;
    }
    if (!this.deleted) {
      this.deleted = true;
      await this.postStatus({ type: 'status', status: 'deleted', message: vscode.l10n.t('{0} no longer exists: it was deleted. The map shows it as it was.', this.state.name) });
    }
  }

  /** After archives were opened or closed: loads again when that changed whether this map's archive is open. */
  async followArchive(): Promise<void> {
    if (this.state.archive && isArchiveOpened(this.state, this.deps.archives.paths) === this.archiveClosed) {
      await this.load();
    }
  }

  private current(): Promise<Loaded> {
    if (!this.loaded) {
      const imageId = this.state.imageId;
      const reading = this.read(imageId);
      this.loaded = reading;
      reading.catch(() => {
        if (this.loaded === reading) {
          this.loaded = undefined;
        }
      });
    }
    return this.loaded;
  }

  private async read(imageId: string): Promise<Loaded> {
    if (!isArchiveOpened(this.state, this.deps.archives.paths)) {
      throw new Error(archiveNotOpenMessage(this.state.archive!));
    }
    const catalog = await this.deps.archives.catalogFor(layerRefOfImage(this.imageRef, 0), this.deps.connection);
    const image = await catalog.imageLayers(imageId);
    if (this.state.layer !== undefined && this.state.layer >= image.layers.length) {
      throw new Error(vscode.l10n.t('{0} has no layer {1}.', this.state.name, this.state.layer));
    }
    const [history, efficiency] = await withArchiveProgress(vscode.l10n.t('Reading the image archive from the Docker Engine'), (options) =>
      Promise.all([catalog.fileHistory(imageId, options), catalog.imageEfficiency(imageId, options)]),
    );
    return { image, history, wasted: wastedPaths(efficiency.inefficientFiles), steps: image.layers.map(layerStepLabel) };
  }

  /** A status, kept to be shown again if the page reloads. */
  private postStatus(message: Extract<SizeMapMessage, { type: 'status' }>): Thenable<boolean> {
    this.lastStatus = message;
    return this.post(message);
  }

  private post(message: SizeMapMessage): Thenable<boolean> {
    return this.webviewPanel.webview.postMessage(message);
  }
}

const archiveNotOpenMessage = (archive: string) =>
  vscode.l10n.t('The image archive {0} is not open in the Docker Layers view, so this map is not shown. Open it again (Open Image Archive…) to see the map.', archive);

const isTag = (state: SizeMapPanelState) => state.name !== shortId(state.imageId) && !state.name.startsWith('sha256:');

function panelTitle(state: SizeMapPanelState): string {
  return state.layer === undefined ? vscode.l10n.t('Size Map: {0}', state.name) : vscode.l10n.t('Size Map: {0} · layer {1}', state.name, state.layer);
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

/** The page: the bundle's script (by nonce) and style sheet, nothing else allowed to load or run. */
function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  const t = vscode.l10n.t;
  return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('sizeMap.css')}">
<title>${escapeHtml(t('Size Map'))}</title>
</head>
<body>
<header>
<h1 id="title"></h1>
<span id="subtitle"></span>
<div class="actions"><vscode-button id="up" secondary disabled></vscode-button><vscode-button id="reveal" disabled></vscode-button></div>
</header>
<nav id="breadcrumb" aria-label="${escapeHtml(t('Folder'))}"></nav>
<div id="status" role="status" aria-live="polite"></div>
<div id="details"></div>
<div id="map" role="group" aria-label="${escapeHtml(t('Size map: rectangles sized by bytes. Arrow keys move, Enter opens a file or zooms into a folder, Backspace zooms out, R reveals the layer.'))}"></div>
<footer><ul id="legend" aria-label="${escapeHtml(t('Layers'))}"></ul></footer>
<script nonce="${nonce}" src="${asset('sizeMap.js')}"></script>
</body>
</html>`;
}

function webviewText(): SizeMapText {
  const t = vscode.l10n.t;
  return {
    file: t('{0}, {1}, layer {2}: {3}'),
    wastedFile: t('{0}, {1}, layer {2}: {3} (wasted: the image holds this path more than once)'),
    folder: t('{0}, {1} in {2} files'),
    folderOfOne: t('{0}, {1} in 1 file'),
    smallerFiles: t('{0} smaller files in {1}, {2}: zoom into the folder to see them'),
    smallerFilesLimit: t('{0} smaller files in {1}, {2}: beyond the 100 largest of the folder, not drawn'),
    smallerFilesShort: t('{0} smaller files'),
    root: t('(root)'),
    up: t('Up'),
    revealLayerButton: t('Reveal Layer'),
    revealLayer: t('Reveal layer {0} in the Images view'),
    legendLayer: t('layer {0} · {1} · {2}{3}'),
    legendWasted: t(' ({0} wasted)'),
    legendSharedColour: t(" · other layers' colour"),
    legendOtherLayers: t('other layers ({0}) share this colour: hover a rectangle to see its layer'),
    hatchMeaning: t("hatched: wasted, by dive's count"),
    empty: t('No file here has any bytes.'),
    tooSmall: t('Every file here is too small to draw at this size: widen the panel or zoom in.'),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
