import * as vscode from 'vscode';
import { CopyableIds, ImageLayerTarget, ImageRef, InspectTarget, LayerFolder, imageLayerWhere, imageRefOf, layerCopyableIds, layerFolderOf, layerInspectTarget, layerRefOf } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { limitationMessage } from '../../contracts/limitationMessages';
import { LayerChangeSummary, layerChangeSummary } from '../../core/analysis/layerChangeSummary';
import { ImageCatalog } from '../../core/imageCatalog';
import { formatBytes } from '../../core/format';
import { ImageLayers, Layer, layerStepLabel } from '../../core/model/imageLayers';
import { escape, markdownTable } from '../../contracts/markdown';
import { LayerDirectoryNode } from './layerDirectoryNode';
import { LayerFilesNode } from './layerFilesNode';
import { MessageNode } from './messageNode';
import { TreeContext, TreeNode } from './treeNode';

export class LayerNode implements TreeNode {
  readonly id: string;

  constructor(
    readonly parent: TreeNode,
    readonly image: ImageLayers,
    readonly layer: Layer,
    private readonly catalog: ImageCatalog,
    private readonly context: TreeContext,
  ) {
    // Chain ID and position: two layers of one image can share a diff ID.
    this.id = `${parent.id}/layer/${layer.index}/${layer.chainId}`;
  }

  layerFolder(): LayerFolder | undefined {
    return layerFolderOf(this.image, this.layer);
  }

  inspectTarget(): InspectTarget {
    return layerInspectTarget(this.image, this.layer);
  }

  copyableIds(): CopyableIds {
    return layerCopyableIds(this.image, this.layer);
  }

  imageRef(): ImageRef {
    return imageRefOf(this.image, this.layer.location.kind === 'archive' ? this.layer.location.archive : undefined);
  }

  layerTarget(): ImageLayerTarget {
    return { image: this.imageRef(), index: this.layer.index };
  }

  getTreeItem(): vscode.TreeItem {
    const { layer } = this;
    const item = new vscode.TreeItem(`${layer.index} · ${layerStepLabel(layer)}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    // The change counts once the image's history is built (in the background, or by a view of its files).
    const history = this.catalog.builtFileHistory(this.image.image.id);
    const counts = history ? changeCounts(layerChangeSummary(history, layer.index)) : undefined;
    item.description = counts ? `${formatBytes(layer.size)} · ${counts}` : formatBytes(layer.size);
    item.iconPath = new vscode.ThemeIcon('layers');
    item.contextValue = contextValues.layer(layer.diffDir === null ? 'none' : layer.location.kind === 'directory' ? 'local' : 'remote');
    return item;
  }

  /** The layer's IDs, size and step, and what it changed: computed on hover where its files are at hand. */
  async resolveTooltip(): Promise<vscode.MarkdownString> {
    const tooltip = this.tooltip();
    const imageId = this.image.image.id;
    let summary: LayerChangeSummary | undefined;
    try {
      const history = this.catalog.builtFileHistory(imageId) ?? ((await this.catalog.filesAtHand(imageId)) ? await this.catalog.fileHistory(imageId) : undefined);
      summary = history ? layerChangeSummary(history, this.layer.index) : undefined;
    } catch (error) {
      tooltip.appendMarkdown(`\n\n_${escape(vscode.l10n.t('Changes unknown: {0}', (error as Error).message))}_`);
      return tooltip;
    }
    if (!summary) {
      tooltip.appendMarkdown(`\n\n_${vscode.l10n.t("Expand the layer's Changes to count what it added, modified and deleted (its files come from the image archive).")}_`);
      return tooltip;
    }
    const row = (what: string, figures: { count: number; bytes: number }): [string, string] => [what, `${figures.count.toLocaleString()} · ${formatBytes(figures.bytes)}`];
    tooltip.appendMarkdown(
      `\n\n${markdownTable([row(vscode.l10n.t('Added'), summary.added), row(vscode.l10n.t('Modified'), summary.modified), row(vscode.l10n.t('Deleted (bytes hidden)'), summary.deleted)])}`,
    );
    return tooltip;
  }

  getChildren(): Promise<TreeNode[]> {
    const ref = layerRefOf(this.image, this.layer);
    const where = imageLayerWhere(this.image, this.layer);
    const files: TreeNode[] = [
      new LayerFilesNode(this, 'changes', ref, where, this.catalog, this.image.storage, this.context),
      new LayerFilesNode(this, 'merged', ref, where, this.catalog, this.image.storage, this.context),
    ];
    // The cache-id folder (or why there is none) first, where it always was; then the files.
    const folder = this.layerFolder();
    if (folder) {
      return Promise.resolve([new LayerDirectoryNode(this, folder, 'image', this.catalog, this.context), ...files]);
    }
    const { location } = this.layer;
    if (location.kind === 'archive') {
      return Promise.resolve(files);
    }
    const why = location.kind === 'unavailable' ? limitationMessage(location.limitation) : vscode.l10n.t('The Engine reported no folder for this layer.');
    return Promise.resolve([new MessageNode(this, 'no-folder', why, 'warning'), ...files]);
  }

  /** Redraw once the image's history is in, for the counts in the description. */
  refreshWhenHistoryIsBuilt(history: Promise<unknown>): void {
    history.then(
      () => this.context.refresh(this),
      () => undefined,
    );
  }

  private tooltip(): vscode.MarkdownString {
    const { layer, image } = this;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${vscode.l10n.t('Layer {0} of {1}', layer.index, escape(image.image.tags[0] ?? image.image.id))}**\n\n`);
    const rows: [string, string][] = [
      [vscode.l10n.t('Index'), `${layer.index} (${layer.index === 0 ? vscode.l10n.t('bottom') : layer.index === image.layers.length - 1 ? vscode.l10n.t('top') : `${layer.index + 1}/${image.layers.length}`})`],
      [vscode.l10n.t('Diff ID'), `\`${layer.diffId}\``],
      [vscode.l10n.t('Chain ID'), `\`${layer.chainId}\``],
      [vscode.l10n.t('Cache ID'), layer.cacheId ? `\`${layer.cacheId}\` (${layer.cacheIdSource})` : '_none_'],
      [vscode.l10n.t('Size'), layer.size === null ? '?' : `${formatBytes(layer.size)} (${layer.size.toLocaleString()} bytes, ${layer.sizeSource})`],
      [vscode.l10n.t('Created'), layer.step?.created ? new Date(layer.step.created).toLocaleString() : '?'],
    ];
    tooltip.appendMarkdown(markdownTable(rows));
    if (layer.step?.createdBy) {
      tooltip.appendMarkdown('\n');
      tooltip.appendCodeblock(layer.step.createdBy, 'shell');
    }
    if (image.historySource === 'engine history (inferred)') {
      tooltip.appendMarkdown(`\n_${vscode.l10n.t('Step inferred from the Engine history: the image config, with its exact empty-layer flags, is not readable here (root-only data root, or storage without a layerdb).')}_`);
    } else if (image.historySource === 'unmatched') {
      tooltip.appendMarkdown(`\n_${vscode.l10n.t('The image history could not be matched to its layers.')}_`);
    }
    return tooltip;
  }
}

/** `+3 ~1 −2`: git's shorthand for what a layer added, modified and deleted. */
export function changeCounts(summary: LayerChangeSummary): string {
  return `+${summary.added.count} ~${summary.modified.count} −${summary.deleted.count}`;
}
