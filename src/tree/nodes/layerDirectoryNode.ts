import * as vscode from 'vscode';
import { toHostFileUri } from '../../providers/hostFileUri';
import { StorageProfile } from '../../core/storage/storageProfile';
import { listDirectory } from './directoryListing';
import { MessageNode } from './messageNode';
import { TreeContext, TreeNode } from './treeNode';
import { ChildrenCache } from './treeNode';

/** overlay2/<cache-id>: the layer's own folder, holding diff/, link, lower, work. */
export class LayerDirectoryNode implements TreeNode {
  readonly id: string;
  private readonly children = new ChildrenCache();

  constructor(
    readonly parent: TreeNode,
    readonly storage: StorageProfile,
    readonly cacheId: string,
    readonly layerDir: string,
    private readonly context: TreeContext,
  ) {
    this.id = `${parent.id}/dir/${cacheId}`;
  }

  get diffDir(): string {
    return `${this.layerDir}/diff`;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.cacheId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = this.layerDir;
    item.resourceUri = toHostFileUri(this.layerDir);
    item.iconPath = vscode.ThemeIcon.Folder;
    item.contextValue = this.storage.limitation ? 'layerDirectory' : 'layerDirectory:local';
    item.tooltip = `${this.layerDir}\n\n${this.storage.limitation ?? vscode.l10n.t('diff/ holds exactly the files this layer added or changed; deletions are whiteouts.')}`;
    return item;
  }

  getChildren(): Promise<TreeNode[]> {
    return this.children.get(async () => {
      if (this.storage.limitation) {
        return [new MessageNode(this, 'not-here', this.storage.limitation, 'warning')];
      }
      return listDirectory(this, this.layerDir, this.context);
    });
  }
}
