/** Inspect an image, a layer or a container as a read-only JSON document. */
import * as vscode from 'vscode';
import { registerCommand } from './registerCommand';
import { Logger } from '../core/logger';
import { EngineConnection } from '../connection/engineConnection';
import { imageDisplayName } from '../core/model/image';
import { toInspectUri } from '../contracts/inspectUri';
import { pickContainer, pickImage, pickLayer } from './pickTargets';
import { CommandTarget, InspectTarget, layerInspectTarget } from '../contracts/commandTargets';

export function registerInspectCommands(context: vscode.ExtensionContext, connection: EngineConnection, log: Logger): void {
  const inspectWith = (pick: () => Promise<InspectTarget | undefined>) => {
    return async (target?: CommandTarget): Promise<vscode.TextDocument | undefined> => {
      const what = target ? target.inspectTarget?.() : await pick();
      return what ? showInspectDocument(what) : undefined;
    };
  };
  context.subscriptions.push(
    registerCommand(
      'dockerLayers.image.inspect',
      inspectWith(async () => {
        const image = await pickImage(connection);
        return image && { kind: 'image', id: image.id, title: imageDisplayName(image) };
      }),
      log,
    ),
    registerCommand(
      'dockerLayers.layer.inspect',
      inspectWith(async () => {
        const picked = await pickLayer(connection);
        return picked && layerInspectTarget(picked.image, picked.layer);
      }),
      log,
    ),
    registerCommand(
      'dockerLayers.container.inspect',
      inspectWith(async () => {
        const container = await pickContainer(connection);
        return container && { kind: 'container', id: container.id, title: container.name };
      }),
      log,
    ),
  );
}

async function showInspectDocument(target: InspectTarget): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(toInspectUri(target));
  const json = document.languageId === 'json' ? document : await vscode.languages.setTextDocumentLanguage(document, 'json');
  await vscode.window.showTextDocument(json, { preview: true });
  return json;
}
