/** Copy commands for an image's ID and tags and a layer's diff, chain and cache IDs. */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { pickImage, pickLayer } from './pickTargets';
import { CommandTarget, CopyableIds, layerCopyableIds } from './targets';

type CopyField = Exclude<keyof CopyableIds, 'path'>;

const COPY_COMMANDS: { command: string; field: CopyField; needsLayer: boolean }[] = [
  { command: 'dockerLayers.copy.imageId', field: 'imageId', needsLayer: false },
  { command: 'dockerLayers.copy.tags', field: 'tags', needsLayer: false },
  { command: 'dockerLayers.copy.diffId', field: 'diffId', needsLayer: true },
  { command: 'dockerLayers.copy.chainId', field: 'chainId', needsLayer: true },
  { command: 'dockerLayers.copy.cacheId', field: 'cacheId', needsLayer: true },
];

export function registerCopyCommands(context: vscode.ExtensionContext, connection: EngineConnection): void {
  for (const { command, field, needsLayer } of COPY_COMMANDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, async (target?: CommandTarget): Promise<string | undefined> => {
        const ids = target ? target.copyableIds?.() : await pickIds(connection, needsLayer);
        const value = ids?.[field];
        const text = Array.isArray(value) ? value.join('\n') : value;
        if (!text) {
          if (ids) {
            void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to copy: this item has no {0}.', field));
          }
          return undefined;
        }
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', text.split('\n')[0]), 3000);
        return text;
      }),
    );
  }
}

async function pickIds(connection: EngineConnection, needsLayer: boolean): Promise<CopyableIds | undefined> {
  if (needsLayer) {
    const picked = await pickLayer(connection);
    return picked && layerCopyableIds(picked.image, picked.layer);
  }
  const image = await pickImage(connection);
  return image && { imageId: image.id, tags: image.tags };
}
