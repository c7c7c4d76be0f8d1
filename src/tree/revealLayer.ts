/** Shows an image's layer in the Images view: the image's row (under its archive, for a saved one), expanded, with the layer selected. */
import * as path from 'path';
import * as vscode from 'vscode';
import { ImageRef } from '../contracts/commandTargets';
import { LayerNode } from './nodes/layerNode';
import { RepositoryGroupNode } from './nodes/repositoryGroupNode';
import { TreeNode } from './nodes/treeNode';
import { NodeTreeProvider } from './nodeTreeProvider';

export async function revealLayer(provider: NodeTreeProvider, view: vscode.TreeView<TreeNode>, image: ImageRef, index: number): Promise<void> {
  const imageNode = await findImageNode(provider, image);
  const layerNode = imageNode && (await imageNode.getChildren()).find((node) => node instanceof LayerNode && node.layer.index === index);
  if (!layerNode) {
    throw new Error(vscode.l10n.t('{0} has no layer {1} in the Images view.', image.name, index));
  }
  await view.reveal(layerNode, { select: true, focus: false, expand: true });
}

/** Shows an image in the Images view: its row selected and expanded. */
export async function revealImage(provider: NodeTreeProvider, view: vscode.TreeView<TreeNode>, image: ImageRef): Promise<void> {
  const imageNode = await findImageNode(provider, image);
  if (!imageNode) {
    throw new Error(vscode.l10n.t('{0} is not in the Images view.', image.name));
  }
  await view.reveal(imageNode, { select: true, focus: false, expand: true });
}

/** The image's row: at the top, in its repository group (Group by Repository), or under its saved archive. */
async function findImageNode(provider: NodeTreeProvider, image: ImageRef): Promise<TreeNode | undefined> {
  let level = await provider.getChildren();
  if (image.archive) {
    const archive = level.find((node) => node.id === `archive/${path.resolve(image.archive!)}`);
    level = archive ? await archive.getChildren() : [];
  }
  const isImage = (node: TreeNode) => node.id.endsWith(`image/${image.imageId}`);
  const top = level.find(isImage);
  if (top) {
    return top;
  }
  for (const group of level.filter((node) => node instanceof RepositoryGroupNode)) {
    const inside = (await group.getChildren()).find(isImage);
    if (inside) {
      return inside;
    }
  }
  return undefined;
}
