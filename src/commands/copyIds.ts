/** Copy commands for an image's ID and tags and a layer's diff, chain and cache IDs. */
import * as vscode from 'vscode';
import { registerCommand } from './registerCommand';
import { Logger } from '../core/logger';
import { EngineConnection } from '../connection/engineConnection';
import { pickContainer, pickImage, pickLayer } from './pickTargets';
import { CommandTarget, CopyableIds, layerCopyableIds } from '../contracts/commandTargets';

type CopyField = Exclude<keyof CopyableIds, 'path'>;

/** What to ask for from the palette: an image, an image and a layer, or a container. */
type PaletteTarget = 'image' | 'layer' | 'container';

const COPY_COMMANDS: { command: string; field: CopyField; asks: PaletteTarget }[] = [
  { command: 'dockerLayers.copy.imageId', field: 'imageId', asks: 'image' },
  { command: 'dockerLayers.copy.tags', field: 'tags', asks: 'image' },
  { command: 'dockerLayers.copy.containerId', field: 'containerId', asks: 'container' },
  { command: 'dockerLayers.copy.diffId', field: 'diffId', asks: 'layer' },
  { command: 'dockerLayers.copy.chainId', field: 'chainId', asks: 'layer' },
  { command: 'dockerLayers.copy.cacheId', field: 'cacheId', asks: 'layer' },
];

export function registerCopyCommands(context: vscode.ExtensionContext, connection: EngineConnection, log: Logger): void {
  for (const { command, field, asks } of COPY_COMMANDS) {
    context.subscriptions.push(
      registerCommand(command, async (target?: CommandTarget): Promise<string | undefined> => {
        const ids = target ? target.copyableIds?.() : await pickIds(connection, asks);
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
      }, log),
    );
  }
}

async function pickIds(connection: EngineConnection, asks: PaletteTarget): Promise<CopyableIds | undefined> {
  if (asks === 'layer') {
    const picked = await pickLayer(connection);
    return picked && layerCopyableIds(picked.image, picked.layer);
  }
  if (asks === 'container') {
    const container = await pickContainer(connection);
    return container && { imageId: container.imageId, containerId: container.id };
  }
  const image = await pickImage(connection);
  return image && { imageId: image.id, tags: image.tags };
}
