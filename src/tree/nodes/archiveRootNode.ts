import * as path from 'path';
import * as vscode from 'vscode';
import { withArchiveProgress } from '../../connection/archiveProgress';
import { OpenedArchives } from '../../connection/openedArchives';
import { contextValues } from '../../contracts/contextValues';
import { ImageNode } from './imageNode';
import { MessageNode, errorNode } from './messageNode';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

/** A saved image archive the user opened: its images, read with no daemon. */
export class ArchiveRootNode implements TreeNode {
  readonly id: string;
  readonly parent = undefined;
  private readonly children = new ChildrenCache();

  constructor(
    readonly archivePath: string,
    private readonly archives: OpenedArchives,
    private readonly context: TreeContext,
  ) {
    this.id = `archive/${archivePath}`;
  }

  archiveTarget(): string {
    return this.archivePath;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(path.basename(this.archivePath), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = path.dirname(this.archivePath);
    item.tooltip = vscode.l10n.t('Image archive {0}, read without a Docker Engine', this.archivePath);
    item.iconPath = new vscode.ThemeIcon('file-zip');
    item.contextValue = contextValues.archive();
    return item;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    return this.children.get(async () => {
      try {
        const { catalog } = await withArchiveProgress(vscode.l10n.t('Opening {0}', path.basename(this.archivePath)), (options) => this.archives.open(this.archivePath, options.signal));
        const images = await catalog.listImages();
        if (images.length === 0) {
          return [new MessageNode(this, 'no-images', vscode.l10n.t('This archive holds no images.'))];
        }
        return images.map((image) => new ImageNode(image, catalog, this.context, this));
      } catch (error) {
        return [errorNode(this, vscode.l10n.t('the archive'), error)];
      }
    });
  }
}
