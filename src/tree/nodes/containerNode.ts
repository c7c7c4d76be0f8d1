import * as vscode from 'vscode';
import { CopyableIds, InspectTarget } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { limitationMessage } from '../../contracts/limitationMessages';
import { formatAge } from '../../core/format';
import { ImageCatalog } from '../../core/imageCatalog';
import { shortId } from '../../core/digest';
import { ContainerSummary } from '../../core/model/container';
import { ContainerLayerNode } from './containerLayerNode';
import { ImageNode } from './imageNode';
import { MessageNode, errorNode } from './messageNode';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

/** A container: its read-write layer, its init layer, then its image (whose layers lie below). */
export class ContainerNode implements TreeNode {
  readonly id: string;
  readonly parent = undefined;
  private readonly children = new ChildrenCache();

  constructor(
    readonly container: ContainerSummary,
    private readonly catalog: ImageCatalog,
    private readonly context: TreeContext,
  ) {
    this.id = `container/${container.id}`;
  }

  inspectTarget(): InspectTarget {
    return { kind: 'container', id: this.container.id, title: this.container.name };
  }

  copyableIds(): CopyableIds {
    return { imageId: this.container.imageId, containerId: this.container.id };
  }

  getTreeItem(): vscode.TreeItem {
    const { container } = this;
    const item = new vscode.TreeItem(container.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = `${container.image} · ${container.state} · ${formatAge(container.created)}`;
    item.tooltip = `${container.name}\n${container.id}\n${vscode.l10n.t('image')}: ${container.image} (${shortId(container.imageId)})\n${container.status}`;
    const running = container.state === 'running';
    item.iconPath = new vscode.ThemeIcon(running ? 'vm-running' : 'vm-outline', running ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.contextValue = contextValues.container(container.state);
    return item;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    return this.children.get(async () => {
      const nodes: TreeNode[] = [];
      try {
        const layers = await this.catalog.containerLayers(this.container.id);
        if (layers.readWrite) {
          nodes.push(new ContainerLayerNode(this, 'read-write', layers.readWrite, layers, this.catalog, this.context));
        }
        if (layers.init) {
          nodes.push(new ContainerLayerNode(this, 'init', layers.init, layers, this.catalog, this.context));
        }
        if (!layers.readWrite) {
          nodes.push(new MessageNode(this, 'no-folders', layers.storage.limitation ? limitationMessage(layers.storage.limitation) : vscode.l10n.t('The Engine reported no layer folders for this container.'), 'warning'));
        }
      } catch (error) {
        nodes.push(errorNode(this, vscode.l10n.t('the layers of {0}', this.container.name), error));
      }
      // By ID, so an intermediate or untagged image is found too (the image list hides intermediates).
      try {
        const image = await this.catalog.imageLayers(this.container.imageId);
        nodes.push(new ImageNode(image.image, this.catalog, this.context, this));
      } catch (error) {
        nodes.push(errorNode(this, vscode.l10n.t('its image {0}', shortId(this.container.imageId)), error));
      }
      return nodes;
    });
  }
}
