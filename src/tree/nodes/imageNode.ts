import * as vscode from 'vscode';
import { CopyableIds, ImageRef, InspectTarget } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { formatAge, formatBytes } from '../../core/format';
import { ImageCatalog } from '../../core/imageCatalog';
import { shortId } from '../../core/digest';
import { ImageSummary, imageDisplayName } from '../../core/model/image';
import { ImageLayers, hasSeveralPlatforms, withNames } from '../../core/model/imageLayers';
import { formatPlatform } from '../../core/model/platform';
import { EmptyStepNode } from './emptyStepNode';
import { LayerNode } from './layerNode';
import { MessageNode, errorNode } from './messageNode';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';
import { escape, markdownTable } from '../../contracts/markdown';
import { imageFiguresRows } from '../../contracts/imageFigures';

export class ImageNode implements TreeNode {
  readonly id: string;
  private readonly children = new ChildrenCache();
  private layerNodes: LayerNode[] = [];
  /** The platform the row's description names (a multi-platform image's), as last drawn. */
  private drawnPlatform: string | undefined;

  /** `parent` is set when the image shows under a container, an archive or a repository group. */
  constructor(
    readonly image: ImageSummary,
    readonly catalog: ImageCatalog,
    private readonly context: TreeContext,
    readonly parent: TreeNode | undefined = undefined,
  ) {
    this.id = `${parent ? `${parent.id}/` : ''}image/${image.id}`;
  }

  inspectTarget(): InspectTarget {
    const archive = this.parent?.archiveTarget?.();
    return { kind: 'image', id: this.image.id, title: this.displayName, ...(archive ? { archive } : {}) };
  }

  copyableIds(): CopyableIds {
    return { imageId: this.image.id, tags: this.image.tags };
  }

  imageRef(): ImageRef {
    const archive = this.parent?.archiveTarget?.();
    return { imageId: this.image.id, name: this.image.tags.length ? this.displayName : shortId(this.image.id), ...(archive ? { archive } : {}) };
  }

  get displayName(): string {
    return imageDisplayName(this.image);
  }

  getTreeItem(): vscode.TreeItem {
    const { image } = this;
    const label = image.tags[0] ?? `<none> ${shortId(image.id)}`;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const more = image.tags.length > 1 ? `(+${image.tags.length - 1}) · ` : '';
    // An untagged image already shows its short ID in the label.
    const id = image.tags.length > 0 ? `${shortId(image.id)} · ` : '';
    // A multi-platform image names the platform shown, once its layers were loaded.
    const platform = this.catalog.platformShown(image.id);
    this.drawnPlatform = platform && formatPlatform(platform);
    item.description = `${more}${id}${this.drawnPlatform ? `${this.drawnPlatform} · ` : ''}${formatBytes(image.size)} · ${formatAge(image.created)}`;
    item.iconPath = new vscode.ThemeIcon(image.tags.length > 0 ? 'package' : 'circle-slash');
    item.contextValue = contextValues.image(image.tags.length > 0);
    return item;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    return this.children.get(async () => {
      let layers: ImageLayers;
      try {
        // The layers are cached by ID; the names come from the list this node was made from.
        layers = withNames(await this.catalog.imageLayers(this.image.id), this.image);
      } catch (error) {
        return [errorNode(this, vscode.l10n.t('the layers of {0}', this.displayName), error)];
      }
      return this.childrenOf(layers);
    });
  }

  private childrenOf(layers: ImageLayers): TreeNode[] {
    // What the row draws (the catalog's word for the platform shown, known once the layers are): a
    // comparison with another spelling of it (inspect's) would redraw the row for ever.
    const shown = this.catalog.platformShown(this.image.id);
    if ((shown && formatPlatform(shown)) !== this.drawnPlatform) {
      // The row was drawn before the image was known to have several platforms: draw it again.
      setTimeout(() => this.context.refresh(this), 0);
    }
    if (layers.layers.length === 0) {
      return [new MessageNode(this, 'no-layers', vscode.l10n.t('This image has no layers.'))];
    }
    const layerNodes = layers.layers.map((layer) => new LayerNode(this, layers, layer, this.catalog, this.context));
    this.layerNodes = layerNodes;
    void this.countLayerChanges();
    if (!this.context.showEmptyLayers() || layers.historySource === 'unmatched') {
      return layerNodes;
    }
    // History order, with metadata-only steps in their place between the layers.
    return layers.steps.map((step) =>
      step.layerIndex !== undefined ? layerNodes[step.layerIndex] : new EmptyStepNode(this, step, layers.historySource),
    );
  }

  /**
   * Each layer's change counts in its description: the image's history, built in the background
   * where the files are at hand (folders readable here, or an archive already downloaded), then
   * every layer row redrawn. Never starts a download.
   */
  async countLayerChanges(): Promise<void> {
    const id = this.image.id;
    if (this.catalog.builtFileHistory(id) || !(await this.catalog.filesAtHand(id).catch(() => false))) {
      return;
    }
    const history = this.catalog.fileHistory(id);
    history.catch((error: Error) => this.context.log.warn(`[tree] cannot count the changes of ${id}: ${error.message}`));
    for (const node of this.layerNodes) {
      node.refreshWhenHistoryIsBuilt(history);
    }
  }

  async resolveTooltip(): Promise<vscode.MarkdownString> {
    const { image } = this;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${escape(this.displayName)}**\n\n`);
    const rows: [string, string][] = [
      ['ID', `\`${image.id}\``],
      ['Tags', image.tags.length > 0 ? image.tags.map((tag) => `\`${tag}\``).join(', ') : '_untagged_'],
      ['Digests', image.digests.length > 0 ? image.digests.map((digest) => `\`${digest}\``).join('<br>') : '_none_'],
      ['Created', image.created ? new Date(image.created * 1000).toLocaleString() : '?'],
      ['Size', `${formatBytes(image.size)} (${image.size.toLocaleString()} bytes)`],
    ];
    try {
      const layers = await this.catalog.imageLayers(image.id);
      rows.push(['Platform', platformRow(layers)]);
      rows.push(['Layers', String(layers.layers.length)]);
    } catch (error) {
      rows.push(['Layers', `_${escape((error as Error).message)}_`]);
    }
    tooltip.appendMarkdown(markdownTable(rows));
    tooltip.appendMarkdown(`\n\n${await this.figuresMarkdown()}`);
    return tooltip;
  }

  /** dive's figures, where the files are at hand (a hover never downloads an image). */
  private async figuresMarkdown(): Promise<string> {
    const id = this.image.id;
    try {
      const figures = this.catalog.computedEfficiency(id) ?? ((await this.catalog.filesAtHand(id)) ? await this.catalog.imageEfficiency(id) : undefined);
      if (!figures) {
        return `_${vscode.l10n.t('Wasted space and efficiency: run Show Image Summary (it reads the image archive from the Engine).')}_`;
      }
      return `**${vscode.l10n.t('Analysis')}** (${vscode.l10n.t("dive's figures")})\n\n${markdownTable(imageFiguresRows(figures))}`;
    } catch (error) {
      return `_${escape(vscode.l10n.t('Wasted space unknown: {0}', (error as Error).message))}_`;
    }
  }
}

/** The platform shown, and for a multi-platform image the others, which Pick Platform… switches to. */
function platformRow(layers: ImageLayers): string {
  const shown = layers.platform ? `\`${formatPlatform(layers.platform)}\`` : '?';
  if (!hasSeveralPlatforms(layers)) {
    return shown;
  }
  const others = layers.platforms!.choices
    .filter((choice) => choice.manifestDigest !== layers.platforms!.shown)
    .map((choice) => (choice.present ? `\`${formatPlatform(choice.platform)}\`` : vscode.l10n.t('{0} (not here)', `\`${formatPlatform(choice.platform)}\``)));
  return vscode.l10n.t('{0}; also {1} (Pick Platform…)', shown, others.join(', '));
}
