import * as vscode from 'vscode';
import { contextValues } from '../../contracts/contextValues';
import { formatBytes } from '../../core/format';
import { ImageCatalog } from '../../core/imageCatalog';
import { ImageGroup } from '../../core/model/imageGroups';
import { ImageNode } from './imageNode';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

/** Group by Repository: the images of one namespace (`perf/*`), with their count and summed size. */
export class RepositoryGroupNode implements TreeNode {
  readonly id: string;
  readonly parent = undefined;
  private readonly children = new ChildrenCache();

  constructor(
    readonly group: ImageGroup,
    private readonly catalog: ImageCatalog,
    private readonly context: TreeContext,
  ) {
    this.id = `repository/${group.key}`;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.group.key, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = vscode.l10n.t('{0} images · {1}', this.group.images.length, formatBytes(this.group.totalSize));
    item.tooltip = vscode.l10n.t('{0} images of {1}, {2} in all (sizes added up: a layer two images share counts for each).', this.group.images.length, this.group.key, formatBytes(this.group.totalSize));
    item.iconPath = new vscode.ThemeIcon('folder-library');
    item.contextValue = contextValues.repositoryGroup();
    return item;
  }

  getChildren(): Promise<TreeNode[]> {
    // Made once, so the rows a reveal finds are the rows the view shows.
    return this.children.get(async () => this.group.images.map((image) => new ImageNode(image, this.catalog, this.context, this)));
  }
}
