/**
 * Pick Platform…: which platform of a multi-platform image the Images view shows (remembered per
 * image ID for the session, in the catalog). The layers, their files and the figures follow.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { OpenedArchives } from '../connection/openedArchives';
import { CommandTarget, ImageRef, layerRefOfImage } from '../contracts/commandTargets';
import { limitationMessage } from '../contracts/limitationMessages';
import { shortId } from '../core/digest';
import { Logger } from '../core/logger';
import { imageDisplayName } from '../core/model/image';
import { hasSeveralPlatforms } from '../core/model/imageLayers';
import { PlatformChoice, formatPlatform } from '../core/model/platform';
import { pickImage } from './pickTargets';
import { registerCommand } from './registerCommand';

export interface PickPlatformDeps {
  connection: EngineConnection;
  archives: OpenedArchives;
  log: Logger;
  /** Redraws the image's row and its layers: the tree node the command ran on, or the whole view. */
  refreshImage(node: CommandTarget | undefined): void;
  /** Tells the open documents of the image's layers to read again. */
  imageChanged(imageId: string): void;
}

interface PlatformItem extends vscode.QuickPickItem {
  choice?: PlatformChoice;
}

export function registerPickPlatformCommand(context: vscode.ExtensionContext, deps: PickPlatformDeps): void {
  const { connection, archives, log } = deps;
  context.subscriptions.push(
    registerCommand(
      'dockerLayers.image.pickPlatform',
      async (target?: CommandTarget): Promise<string | undefined> => {
        const image = target?.imageRef?.() ?? (await paletteImage(connection));
        if (!image) {
          return undefined;
        }
        const catalog = await archives.catalogFor(layerRefOfImage(image, 0), connection);
        const layers = await catalog.imageLayers(image.imageId);
        const shown = layers.platform ? formatPlatform(layers.platform) : vscode.l10n.t('an unknown platform');
        if (!hasSeveralPlatforms(layers) || !layers.platforms) {
          const why = layers.platformsLimitation ? ` ${limitationMessage(layers.platformsLimitation)}` : '';
          void vscode.window.showInformationMessage(
            layers.platformsLimitation ? vscode.l10n.t('{0} shows {1}.', image.name, shown) + why : vscode.l10n.t('{0} has one platform: {1}.', image.name, shown),
          );
          return undefined;
        }
        const { choices, shown: shownDigest } = layers.platforms;
        const present = choices.filter((choice) => choice.present);
        const absent = choices.filter((choice) => !choice.present);
        const items: PlatformItem[] = [
          ...present.map((choice) => ({
            label: formatPlatform(choice.platform),
            description: choice.manifestDigest === shownDigest ? vscode.l10n.t('shown') : undefined,
            detail: vscode.l10n.t('manifest {0}', shortId(choice.manifestDigest)),
            choice,
          })),
          ...(absent.length > 0 ? [{ label: vscode.l10n.t('Not on this machine'), kind: vscode.QuickPickItemKind.Separator }] : []),
          ...absent.map((choice) => ({
            label: formatPlatform(choice.platform),
            description: vscode.l10n.t('not pulled here'),
            detail: vscode.l10n.t('manifest {0}', shortId(choice.manifestDigest)),
          })),
        ];
        const picked = await vscode.window.showQuickPick(items, { placeHolder: vscode.l10n.t('The platform of {0} to show (now {1})', image.name, shown) });
        if (!picked) {
          return undefined;
        }
        if (!picked.choice) {
          void vscode.window.showInformationMessage(vscode.l10n.t('{0} of {1} is not on this machine: only its index names it. `docker pull --platform {0}` brings it.', picked.label, image.name));
          return undefined;
        }
        if (picked.choice.manifestDigest !== shownDigest) {
          catalog.choosePlatform(image.imageId, picked.choice);
          deps.imageChanged(image.imageId);
          deps.refreshImage(target);
        }
        return formatPlatform(picked.choice.platform);
      },
      log,
    ),
  );
}

async function paletteImage(connection: EngineConnection): Promise<ImageRef | undefined> {
  const picked = await pickImage(connection, vscode.l10n.t('Select the image whose platform you want to pick'));
  return picked && { imageId: picked.id, name: picked.tags.length ? imageDisplayName(picked) : shortId(picked.id) };
}
