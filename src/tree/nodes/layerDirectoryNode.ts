import * as vscode from 'vscode';
import { CopyableIds, InspectTarget, LayerFolder } from '../../commands/targets';
import { toHostFileUri } from '../../providers/hostFileUri';
import { listDirectory } from './directoryListing';
import { MessageNode } from './messageNode';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

/** overlay2/<cache-id>: the layer's own folder, holding diff/, link, lower, work. */
export class LayerDirectoryNode implements TreeNode {
  readonly id: string;
  private readonly children = new ChildrenCache();

  constructor(
    readonly parent: TreeNode,
    readonly folder: LayerFolder,
    /** Whose layer this is: an image's, or a container's own (read-write, init). */
    private readonly owner: 'image' | 'container',
    private readonly context: TreeContext,
  ) {
    this.id = `${parent.id}/dir/${folder.cacheId}`;
  }

  layerFolder(): LayerFolder {
    return this.folder;
  }

  inspectTarget(): InspectTarget | undefined {
    return this.parent.inspectTarget?.();
  }

  copyableIds(): CopyableIds {
    return { ...this.parent.copyableIds?.(), cacheId: this.folder.cacheId, path: this.folder.diffDir };
  }

  getTreeItem(): vscode.TreeItem {
    const { folder } = this;
    const item = new vscode.TreeItem(folder.cacheId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = folder.layerDir;
    item.resourceUri = toHostFileUri(folder.layerDir);
    item.iconPath = vscode.ThemeIcon.Folder;
    item.contextValue = `layerDirectory:${this.owner}${folder.storage.limitation ? '' : ':local'}`;
    item.tooltip = `${folder.layerDir}\n\n${folder.storage.limitation ?? vscode.l10n.t('diff/ holds exactly the files this layer added or changed; deletions are whiteouts.')}`;
    return item;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    return this.children.get(async () => {
      if (this.folder.storage.limitation) {
        return [new MessageNode(this, 'not-here', this.folder.storage.limitation, 'warning')];
      }
      return listDirectory(this, this.folder.layerDir, this.folder.storage, this.context);
    });
  }
}
