/** Wires the extension together: one log, one Engine connection and event stream, then each feature. */
import * as path from 'path';
import * as vscode from 'vscode';
import { registerArchiveCommands } from './commands/archiveCommands';
import { registerCopyCommands } from './commands/copyIds';
import { registerLayerFileCommands } from './commands/layerFileCommands';
import { registerGeneralCommands } from './commands/registerGeneralCommands';
import { registerInspectCommands } from './commands/inspectCommands';
import { registerRevealCommands } from './commands/revealLayerFolder';
import { EngineConnection } from './connection/engineConnection';
import { OpenedArchives } from './connection/openedArchives';
import { ArchiveCache } from './core/archive/archiveCache';
import { taggedLogger } from './core/logger';
import { EngineEvents } from './connection/engineEvents';
import { INSPECT_SCHEME } from './contracts/inspectUri';
import { LAYER_SCHEME } from './contracts/layerUri';
import { DimmedItemDecorations } from './providers/dimmedItemDecorations';
import { InspectDocumentProvider } from './providers/inspectDocumentProvider';
import { LayerFileSystemProvider } from './providers/layerFileSystemProvider';
import { TreeViews, registerTreeViews } from './tree/registerTreeViews';

/** What activate() returns in test mode only: the extension-host tests look inside through it. */
export interface DockerLayersApi {
  connection: EngineConnection;
  events: EngineEvents;
  views: TreeViews;
  layerFiles: LayerFileSystemProvider;
  archives: OpenedArchives;
}

export function activate(context: vscode.ExtensionContext): DockerLayersApi | undefined {
  const log = vscode.window.createOutputChannel('Docker Layers', { log: true });
  const cacheDir = path.join(context.globalStorageUri.fsPath, 'archives');
  const archiveCache = new ArchiveCache({ dir: cacheDir, maxBytes: archiveCacheBytes, log: taggedLogger(log, 'archives') });
  const connection = new EngineConnection(log, archiveCache);
  const archives = new OpenedArchives(context.globalState, cacheDir, log);
  const events = new EngineEvents(connection, log);
  const inspectProvider = new InspectDocumentProvider(connection, archives, events);
  const layerFiles = new LayerFileSystemProvider(connection, archives);
  context.subscriptions.push(
    log,
    connection,
    archives,
    events,
    inspectProvider,
    layerFiles,
    vscode.workspace.registerFileSystemProvider(LAYER_SCHEME, layerFiles, { isReadonly: true, isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspectProvider),
    vscode.window.registerFileDecorationProvider(new DimmedItemDecorations()),
  );
  registerGeneralCommands(context, log);
  registerRevealCommands(context, connection, log);
  registerInspectCommands(context, connection, log);
  registerCopyCommands(context, connection, log);
  registerLayerFileCommands(context, log);
  registerArchiveCommands(context, archives, log);
  const views = registerTreeViews(context, connection, archives, events, log);
  // Internals are no API: other extensions get nothing, the tests get a look inside.
  return context.extensionMode === vscode.ExtensionMode.Test ? { connection, events, views, layerFiles, archives } : undefined;
}

export function deactivate(): void {}

/** dockerLayers.archiveCacheSizeMB, read at each eviction so a change applies at once. */
function archiveCacheBytes(): number {
  const megabytes = vscode.workspace.getConfiguration('dockerLayers').get<number>('archiveCacheSizeMB', 4096);
  return Math.max(0, megabytes) * 1024 * 1024;
}
