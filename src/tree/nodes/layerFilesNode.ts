import * as vscode from 'vscode';
import { ImageLayerTarget } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { LayerFileRef, toLayerUri } from '../../contracts/layerUri';
import { ImageCatalog } from '../../core/imageCatalog';
import { LayerRef } from '../../core/layerfs/layerRef';
import { StorageProfile } from '../../core/storage/storageProfile';
import { listLayerEntries } from './layerEntryNode';
import { TreeContext, TreeNode } from './treeNode';

export type LayerFilesMode = 'changes' | 'merged';

/**
 * A layer's files, in one of two modes: Changes (what the layer itself added, changed or deleted,
 * deletions kept and marked) or Merged (the whole file system as of the layer, whiteouts applied).
 * From the layer's folder where it can be read here, else from the image archive.
 */
export class LayerFilesNode implements TreeNode {
  readonly id: string;

  constructor(
    readonly parent: TreeNode,
    readonly mode: LayerFilesMode,
    private readonly ref: LayerRef,
    /** `acc/app:1 · layer 3`: names the layer in tab titles and breadcrumbs. */
    private readonly where: string,
    private readonly catalog: ImageCatalog,
    private readonly storage: StorageProfile,
    private readonly context: TreeContext,
  ) {
    this.id = `${parent.id}/${mode}`;
  }

  /** The layer whose files these are (Find Largest Files on Merged, Show Size Map …). */
  layerTarget(): ImageLayerTarget | undefined {
    return this.parent.layerTarget?.();
  }

  getTreeItem(): vscode.TreeItem {
    const changes = this.mode === 'changes';
    const item = new vscode.TreeItem(changes ? vscode.l10n.t('Changes') : vscode.l10n.t('Merged'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.description = changes ? vscode.l10n.t('what this layer added, changed and deleted') : vscode.l10n.t('the file system as of this layer');
    item.iconPath = new vscode.ThemeIcon(changes ? 'diff' : 'files');
    item.contextValue = contextValues.layerFiles(this.mode);
    item.resourceUri = toLayerUri(this.rootFile());
    item.tooltip = changes
      ? vscode.l10n.t("This layer's own files: what it added or changed, and the paths it deleted (struck through in the Explorer, marked here).")
      : vscode.l10n.t('The whole file system as of this layer: layers 0 to {0} with deletions applied.', this.ref.owner === 'image' ? this.ref.index : 0);
    return item;
  }

  private get root() {
    return this.mode === 'changes' ? 'files' : 'merged';
  }

  // Not cached here: the catalog keeps the opened layer, and a failed or cancelled read is retried on the next expand.
  async getChildren(): Promise<TreeNode[]> {
    const children = await listLayerEntries(this, { catalog: this.catalog, file: this.rootFile(), storage: this.storage }, this.context);
    // The files are at hand now (an archive may just have been downloaded): the image's layers can count their changes.
    void (this.parent.parent as { countLayerChanges?: () => Promise<void> } | undefined)?.countLayerChanges?.();
    return children;
  }

  private rootFile(): LayerFileRef {
    const where = this.mode === 'changes' ? this.where : vscode.l10n.t('{0} · merged', this.where);
    return { layer: this.ref, root: this.root, path: '/', where };
  }
}
