/** Shows an image's layer in the Images view: the image's row (under its archive, for a saved one), expanded, with the layer selected. */
import * as path from 'path';
import * as vscode from 'vscode';
import { ImageRef } from '../contracts/commandTargets';
import { LayerNode } from './nodes/layerNode';
import { TreeNode } from './nodes/treeNode';
import { NodeTreeProvider } from './nodeTreeProvider';

export async function revealLayer(provider: NodeTreeProvider, view: vscode.TreeView<TreeNode>, image: ImageRef, index: number): Promise<void> {
  let level = await provider.getChildren();
  if (image.archive) {
    const archive = level.find((node) => node.id === `archive/${path.resolve(image.archive!)}`);
    level = archive ? await archive.getChildren() : [];
  }
  const imageNode = level.find((node) => node.id.endsWith(`image/${image.imageId}`));
  const layerNode = imageNode && (await imageNode.getChildren()).find((node) => node instanceof LayerNode && node.layer.index === index);
  if (!layerNode) {
    throw new Error(vscode.l10n.t('{0} has no layer {1} in the Images view.', image.name, index));
  }
  await view.reveal(layerNode, { select: true, focus: false, expand: true });
}

/** Shows an image in the Images view: its row selected and expanded. */
export async function revealImage(provider: NodeTreeProvider, view: vscode.TreeView<TreeNode>, image: ImageRef): Promise<void> {
  const imageNode = (await provider.getChildren()).find((node) => node.id.endsWith(`image/${image.imageId}`));
  if (!imageNode) {
    throw new Error(vscode.l10n.t('{0} is not in the Images view.', image.name));
  }
  await view.reveal(imageNode, { select: true, focus: false, expand: true });
}
