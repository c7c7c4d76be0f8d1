/**
 * Quick picks for commands run from the palette without a tree node: an image, then a layer;
 * or a container. Undefined when the user cancels.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { formatAge, formatBytes } from '../core/format';
import { shortId } from '../core/digest';
import { ImageSummary, imageDisplayName } from '../core/model/image';
import { ImageLayers, Layer } from '../core/model/imageLayers';
import { ContainerSummary } from '../core/model/container';
import { describeLayer } from '../contracts/commandTargets';

export async function pickImage(connection: EngineConnection, placeHolder = vscode.l10n.t('Select an image')): Promise<ImageSummary | undefined> {
  const { catalog } = await connection.get();
  const images = await catalog.listImages();
  if (images.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The Docker Engine has no images.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    images.map((image) => ({
      label: imageDisplayName(image),
      description: `${shortId(image.id)} · ${formatBytes(image.size)} · ${formatAge(image.created)}`,
      detail: image.tags.length > 1 ? image.tags.slice(1).join(', ') : undefined,
      image,
    })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.image;
}

export async function pickLayer(connection: EngineConnection): Promise<{ image: ImageLayers; layer: Layer } | undefined> {
  const summary = await pickImage(connection, vscode.l10n.t('Select the image whose layer you want'));
  if (!summary) {
    return undefined;
  }
  const { catalog } = await connection.get();
  const image = await catalog.imageLayers(summary.id);
  const picked = await vscode.window.showQuickPick(
    image.layers.map((layer) => ({ ...describeLayer(layer), layer })),
    { placeHolder: vscode.l10n.t('Select a layer of {0}', imageDisplayName(summary)), matchOnDescription: true, matchOnDetail: true },
  );
  return picked ? { image, layer: picked.layer } : undefined;
}

export async function pickContainer(connection: EngineConnection): Promise<ContainerSummary | undefined> {
  const { catalog } = await connection.get();
  const containers = await catalog.listContainers();
  if (containers.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The Docker Engine has no containers.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    containers.map((container) => ({
      label: container.name,
      description: `${container.image} · ${container.state}`,
      detail: container.id,
      container,
    })),
    { placeHolder: vscode.l10n.t('Select a container'), matchOnDescription: true },
  );
  return picked?.container;
}
