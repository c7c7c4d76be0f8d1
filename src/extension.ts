/** Wires the extension together: one log, one Engine connection and event stream, then each feature. */
import * as vscode from 'vscode';
import { registerCopyCommands } from './commands/copyIds';
import { registerGeneralCommands } from './commands/registerGeneralCommands';
import { registerInspectCommands } from './commands/inspectCommands';
import { registerRevealCommands } from './commands/revealLayerFolder';
import { EngineConnection } from './connection/engineConnection';
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
}

export function activate(context: vscode.ExtensionContext): DockerLayersApi | undefined {
  const log = vscode.window.createOutputChannel('Docker Layers', { log: true });
  const connection = new EngineConnection(log);
  const events = new EngineEvents(connection, log);
  const inspectProvider = new InspectDocumentProvider(connection, events);
  const layerFiles = new LayerFileSystemProvider(connection);
  context.subscriptions.push(
    log,
    connection,
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
  const views = registerTreeViews(context, connection, events, log);
  // Internals are no API: other extensions get nothing, the tests get a look inside.
  return context.extensionMode === vscode.ExtensionMode.Test ? { connection, events, views, layerFiles } : undefined;
}

export function deactivate(): void {}
