/** Wires the extension together: one log, one Engine connection and event stream, then each feature. */
import * as vscode from 'vscode';
import { registerCopyCommands } from './commands/copyIds';
import { registerGeneralCommands } from './commands/registerGeneralCommands';
import { registerInspectCommands } from './commands/inspectCommands';
import { registerRevealCommands } from './commands/revealLayerFolder';
import { EngineConnection } from './connection/engineConnection';
import { EngineEvents } from './connection/engineEvents';
import { DimmedItemDecorations } from './providers/dimmedItemDecorations';
import { HOST_FILE_SCHEME } from './providers/hostFileUri';
import { InspectDocumentProvider } from './providers/inspectDocumentProvider';
import { INSPECT_SCHEME } from './providers/inspectUri';
import { ReadonlyHostFileSystem } from './providers/readonlyHostFileSystem';
import { TreeViews, registerTreeViews } from './tree/registerTreeViews';

/** What activate() returns: used by the extension-host tests to look inside. */
export interface DockerLayersApi {
  connection: EngineConnection;
  events: EngineEvents;
  views: TreeViews;
}

export function activate(context: vscode.ExtensionContext): DockerLayersApi {
  const log = vscode.window.createOutputChannel('Docker Layers', { log: true });
  const connection = new EngineConnection(log);
  const events = new EngineEvents(connection, log);
  const inspectProvider = new InspectDocumentProvider(connection, events);
  const hostFiles = new ReadonlyHostFileSystem();
  context.subscriptions.push(
    log,
    connection,
    events,
    inspectProvider,
    hostFiles,
    vscode.workspace.registerFileSystemProvider(HOST_FILE_SCHEME, hostFiles, { isReadonly: true, isCaseSensitive: true }),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspectProvider),
    vscode.window.registerFileDecorationProvider(new DimmedItemDecorations()),
  );
  registerGeneralCommands(context, log);
  registerRevealCommands(context, connection, log);
  registerInspectCommands(context, connection, log);
  registerCopyCommands(context, connection, log);
  const views = registerTreeViews(context, connection, events, log);
  return { connection, events, views };
}

export function deactivate(): void {}
