import * as vscode from 'vscode';
import { CopyableIds, InspectTarget, LayerFolder } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { limitationMessage } from '../../contracts/limitationMessages';
import { LayerFileRef, toLayerUri } from '../../contracts/layerUri';
import { ImageCatalog } from '../../core/imageCatalog';
import { listLayerEntries } from './layerEntryNode';
import { MessageNode } from './messageNode';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

/** The layer's own folder (overlay2/<cache-id>, holding diff/, link, lower, work). */
export class LayerDirectoryNode implements TreeNode {
  readonly id: string;
  private readonly children = new ChildrenCache();

  constructor(
    readonly parent: TreeNode,
    readonly folder: LayerFolder,
    /** Whose layer this is: an image's, or a container's own (read-write, init). */
    private readonly owner: 'image' | 'container',
    private readonly catalog: ImageCatalog,
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
    const { limitation } = folder.storage;
    const item = new vscode.TreeItem(folder.cacheId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = folder.layerDir;
    item.resourceUri = toLayerUri(this.rootFile());
    item.iconPath = vscode.ThemeIcon.Folder;
    item.contextValue = contextValues.layerDirectory(this.owner, !limitation);
    item.tooltip = `${folder.layerDir}\n\n${limitation ? limitationMessage(limitation) : vscode.l10n.t('diff/ holds exactly the files this layer added or changed; deletions are whiteouts.')}`;
    return item;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    return this.children.get(async () => {
      const { limitation } = this.folder.storage;
      if (limitation) {
        return [new MessageNode(this, 'not-here', limitationMessage(limitation), 'warning')];
      }
      return listLayerEntries(this, { catalog: this.catalog, file: this.rootFile(), storage: this.folder.storage }, this.context);
    });
  }

  private rootFile(): LayerFileRef {
    return { layer: this.folder.ref, root: 'folder', path: '/', where: vscode.l10n.t('{0} · folder', this.folder.where) };
  }
}
