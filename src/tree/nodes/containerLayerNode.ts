import * as vscode from 'vscode';
import { CopyableIds, InspectTarget, LayerFolder } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { ImageCatalog } from '../../core/imageCatalog';
import { ContainerLayerRole } from '../../core/layerfs/layerRef';
import { ContainerLayerFolder, ContainerLayers } from '../../core/model/container';
import { LayerDirectoryNode } from './layerDirectoryNode';
import { TreeContext, TreeNode } from './treeNode';

/** A container's own layer: read-write (what it changed) or init (what Docker prepared for it). */
export class ContainerLayerNode implements TreeNode {
  readonly id: string;

  constructor(
    readonly parent: TreeNode,
    readonly role: ContainerLayerRole,
    readonly folder: ContainerLayerFolder,
    private readonly layers: ContainerLayers,
    private readonly catalog: ImageCatalog,
    private readonly context: TreeContext,
  ) {
    this.id = `${parent.id}/${role}/${folder.cacheId}`;
  }

  layerFolder(): LayerFolder {
    const { container, storage } = this.layers;
    return {
      title: `${container.name} · ${this.role} layer · ${this.folder.cacheId.slice(0, 12)}`,
      ref: { owner: 'container', containerId: container.id, role: this.role },
      where: this.role === 'read-write' ? vscode.l10n.t('{0} · read-write layer', container.name) : vscode.l10n.t('{0} · init layer', container.name),
      cacheId: this.folder.cacheId,
      layerDir: this.folder.layerDir,
      diffDir: this.folder.diffDir,
      storage,
    };
  }

  inspectTarget(): InspectTarget {
    return { kind: 'container', id: this.layers.container.id, title: this.layers.container.name };
  }

  copyableIds(): CopyableIds {
    return { imageId: this.layers.container.imageId, containerId: this.layers.container.id, cacheId: this.folder.cacheId, path: this.folder.diffDir };
  }

  getTreeItem(): vscode.TreeItem {
    const label = this.role === 'read-write' ? vscode.l10n.t('read-write layer') : vscode.l10n.t('init layer');
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    // Init folders are named <mount id>-init: keep the suffix visible.
    const { cacheId } = this.folder;
    item.description = cacheId.endsWith('-init') ? `${cacheId.slice(0, 12)}…-init` : cacheId.slice(0, 12);
    item.iconPath = new vscode.ThemeIcon(this.role === 'read-write' ? 'edit' : 'gear');
    item.contextValue = contextValues.containerLayer(!this.layers.storage.limitation);
    item.tooltip =
      this.role === 'read-write'
        ? vscode.l10n.t('Everything this container changed: {0} (from {1})', this.folder.diffDir, this.folder.source)
        : vscode.l10n.t('Files Docker prepared for this container (/etc/hosts, /etc/resolv.conf, …): {0} (from {1})', this.folder.diffDir, this.folder.source);
    return item;
  }

  getChildren(): Promise<TreeNode[]> {
    return Promise.resolve([new LayerDirectoryNode(this, this.layerFolder(), 'container', this.catalog, this.context)]);
  }
}
