/** Wires the extension together: one log, one Engine connection and event stream, then each feature. */
import * as path from 'path';
import * as vscode from 'vscode';
import { registerAnalysisCommands } from './commands/analysisCommands';
import { registerArchiveCommands } from './commands/archiveCommands';
import { registerCompareImagesCommand } from './commands/compareImagesCommand';
import { registerDockerfileCommands } from './commands/dockerfileCommands';
import { registerCopyCommands } from './commands/copyIds';
import { registerLayerFileCommands } from './commands/layerFileCommands';
import { registerGeneralCommands } from './commands/registerGeneralCommands';
import { registerInspectCommands } from './commands/inspectCommands';
import { registerRevealCommands } from './commands/revealLayerFolder';
import { registerSwitchEngineCommand } from './commands/switchEngineCommand';
import { registerPickPlatformCommand } from './commands/pickPlatformCommand';
import { DockerfileImages } from './connection/dockerfileImages';
import { EngineConnection } from './connection/engineConnection';
import { OpenedArchives } from './connection/openedArchives';
import { ArchiveCache, cacheLimitBytes } from './core/archive/archiveCache';
import { taggedLogger } from './core/logger';
import { startThreadPoolWatchdog } from './core/threadPoolWatchdog';
import { EngineEvents } from './connection/engineEvents';
import { ImageRef } from './contracts/commandTargets';
import { DOCKERFILE_SELECTOR } from './contracts/dockerfileFiles';
import { INSPECT_SCHEME } from './contracts/inspectUri';
import { LAYER_SCHEME } from './contracts/layerUri';
import { SUMMARY_SCHEME } from './contracts/summaryUri';
import { DimmedItemDecorations } from './providers/dimmedItemDecorations';
import { DockerfileLensProvider } from './providers/dockerfileLenses';
import { EngineStatusBar } from './providers/engineStatusBar';
import { ImageSummaryProvider } from './providers/imageSummaryProvider';
import { InspectDocumentProvider } from './providers/inspectDocumentProvider';
import { LayerChangeDecorations } from './providers/layerChangeDecorations';
import { LayerFileSystemProvider } from './providers/layerFileSystemProvider';
import { SizeMapPanels, registerSizeMapPanels } from './panels/sizeMapPanels';
import { ComparisonView, registerComparisonView } from './tree/comparisonView';
import { TreeViews, registerTreeViews } from './tree/registerTreeViews';
import { ImageNode } from './tree/nodes/imageNode';
import { revealImage, revealLayer } from './tree/revealLayer';

/** What activate() returns in test mode only: the extension-host tests look inside through it. */
export interface DockerLayersApi {
  connection: EngineConnection;
  events: EngineEvents;
  views: TreeViews;
  comparison: ComparisonView;
  changeDecorations: LayerChangeDecorations;
  layerFiles: LayerFileSystemProvider;
  archives: OpenedArchives;
  sizeMaps: SizeMapPanels;
  dockerfiles: DockerfileImages;
  engineStatus: EngineStatusBar;
}

export function activate(context: vscode.ExtensionContext): DockerLayersApi | undefined {
  const log = vscode.window.createOutputChannel('Docker Layers', { log: true });
  const cacheDir = path.join(context.globalStorageUri.fsPath, 'archives');
  const archiveCache = new ArchiveCache({ dir: cacheDir, maxBytes: archiveCacheBytes, log: taggedLogger(log, 'archives') });
  const connection = new EngineConnection(log, archiveCache);
  const archives = new OpenedArchives(context.globalState, archiveCache, log);
  const events = new EngineEvents(connection, log);
  const inspectProvider = new InspectDocumentProvider(connection, archives, events);
  const layerFiles = new LayerFileSystemProvider(connection, archives);
  const changeDecorations = new LayerChangeDecorations(connection, archives);
  const engineStatus = new EngineStatusBar(connection);
  context.subscriptions.push(
    // A shared process: the guard queues nothing while no request waits on the pool.
    startThreadPoolWatchdog({ nudge: 'whileRequestsOutstanding' }),
    log,
    connection,
    archives,
    events,
    inspectProvider,
    layerFiles,
    engineStatus,
    vscode.workspace.registerFileSystemProvider(LAYER_SCHEME, layerFiles, { isReadonly: true, isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspectProvider),
    vscode.window.registerFileDecorationProvider(new DimmedItemDecorations()),
    vscode.window.registerFileDecorationProvider(changeDecorations),
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, new ImageSummaryProvider(connection, archives)),
  );
  registerGeneralCommands(context, log);
  registerSwitchEngineCommand(context, connection, log);
  registerRevealCommands(context, connection, log);
  registerInspectCommands(context, connection, log);
  registerCopyCommands(context, connection, log);
  registerLayerFileCommands(context, log);
  registerArchiveCommands(context, archives, log);
  const views = registerTreeViews(context, connection, archives, events, log);
  const comparison = registerComparisonView(context);
  const revealInImages = (image: ImageRef, index: number) => revealLayer(views.images.provider, views.images.view, image, index);
  const sizeMaps = registerSizeMapPanels(context, { extensionUri: context.extensionUri, connection, archives, events, log: taggedLogger(log, 'size map'), revealLayer: revealInImages });
  registerAnalysisCommands(context, {
    connection,
    archives,
    log,
    revealLayer: revealInImages,
    showSizeMap: (image, layer) => {
      sizeMaps.show(image, layer);
    },
  });
  const dockerfiles = new DockerfileImages(connection, events, context.workspaceState, taggedLogger(log, 'dockerfiles'));
  const dockerfileLenses = new DockerfileLensProvider(dockerfiles, connection);
  context.subscriptions.push(
    dockerfiles,
    vscode.languages.registerCodeLensProvider(DOCKERFILE_SELECTOR, dockerfileLenses),
    vscode.languages.registerHoverProvider(DOCKERFILE_SELECTOR, dockerfileLenses),
  );
  registerDockerfileCommands(context, {
    connection,
    dockerfiles,
    log,
    revealLayer: revealInImages,
    revealImage: (image) => revealImage(views.images.provider, views.images.view, image),
  });
  registerCompareImagesCommand(context, { connection, archives, log, show: (result) => comparison.show(result) });
  registerPickPlatformCommand(context, {
    connection,
    archives,
    log,
    // From the palette there is no node: the whole view is drawn again (the catalog keeps what it read).
    refreshImage: (node) => views.images.provider.refresh(node instanceof ImageNode ? node : undefined),
    imageChanged: (imageId) => layerFiles.imageChanged(imageId),
  });
  // Internals are no API: other extensions get nothing, the tests get a look inside.
  return context.extensionMode === vscode.ExtensionMode.Test ? { connection, events, views, comparison, changeDecorations, layerFiles, archives, sizeMaps, dockerfiles, engineStatus } : undefined;
}

export function deactivate(): void {}

/** dockerLayers.archiveCacheSizeMB, read at each eviction so a change applies at once; a value that is not a number is the default. */
function archiveCacheBytes(): number {
  return cacheLimitBytes(vscode.workspace.getConfiguration('dockerLayers').get<unknown>('archiveCacheSizeMB'), ARCHIVE_CACHE_DEFAULT_MB);
}

/** As package.json's default for dockerLayers.archiveCacheSizeMB. */
const ARCHIVE_CACHE_DEFAULT_MB = 4096;
