/** Wires the extension together: one log, one Engine connection, then each feature. */
import * as vscode from 'vscode';
import { registerGeneralCommands } from './commands/registerGeneralCommands';
import { EngineConnection } from './connection/engineConnection';
import { HOST_FILE_SCHEME } from './providers/hostFileUri';
import { ReadonlyHostFileSystem } from './providers/readonlyHostFileSystem';
import { ImagesView, registerImagesView } from './tree/registerImagesView';

/** What activate() returns: used by the extension-host tests to look inside. */
export interface DockerLayersApi {
  connection: EngineConnection;
  images: ImagesView;
}

export function activate(context: vscode.ExtensionContext): DockerLayersApi {
  const log = vscode.window.createOutputChannel('Docker Layers', { log: true });
  const connection = new EngineConnection(log);
  context.subscriptions.push(
    log,
    connection,
    vscode.workspace.registerFileSystemProvider(HOST_FILE_SCHEME, new ReadonlyHostFileSystem(), { isReadonly: true, isCaseSensitive: true }),
  );
  registerGeneralCommands(context, log);
  const images = registerImagesView(context, connection, log);
  return { connection, images };
}

export function deactivate(): void {}
