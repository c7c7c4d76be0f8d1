/**
 * A file or folder inside a layer, from the core's layer file system (the one reader of layer
 * contents): folders expand lazily, files open read-only through docker-layer: URIs.
 */
import * as vscode from 'vscode';
import { LayerEntryTarget } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { LayerFileRef, toLayerUri } from '../../contracts/layerUri';
import { MergedEntry, MergedFileSystem } from '../../core/analysis/mergedFileSystem';
import { formatBytes } from '../../core/format';
import { ImageCatalog } from '../../core/imageCatalog';
import { layerStepLabel } from '../../core/model/imageLayers';
import { LayerEntry, LayerFileSystem, LayerFsError } from '../../core/layerfs/layerFileSystem';
import { joinLayerPath } from '../../core/layerfs/layerPath';
import { withArchiveProgress } from '../../connection/archiveProgress';
import { limitationMessage } from '../../contracts/limitationMessages';
import { explainFolderProblem } from '../../core/storage/folderAccess';
import { LayerUnavailableError } from '../../core/storage/openLocation';
import { StorageProfile } from '../../core/storage/storageProfile';
import { MessageNode, errorNode } from './messageNode';
import { sortEntries, touchedBy } from './layerListingOrder';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

/** A folder listing beyond this many entries is cut, with a message saying how many were left out. */
const MAX_ENTRIES = 2000;

/** What a listing reads: one folder of one layer's tree. */
export interface LayerListing {
  catalog: ImageCatalog;
  file: LayerFileRef;
  storage: StorageProfile;
}

export class LayerEntryNode implements TreeNode {
  readonly id: string;
  private readonly children = new ChildrenCache();

  constructor(
    readonly parent: TreeNode,
    private readonly listing: LayerListing,
    readonly entry: LayerEntry,
    private readonly hostPath: string | undefined,
    private readonly context: TreeContext,
    /** A folder's total, when the view is sorted by size. */
    private readonly totalBytes?: number,
  ) {
    // A segment of its own, so a file named like a message key cannot collide with a message node.
    this.id = `${parent.id}/f/${entry.name}`;
  }

  get uri(): vscode.Uri {
    return toLayerUri(this.listing.file);
  }

  layerEntry(): LayerEntryTarget {
    const { entry } = this;
    return { uri: this.uri, path: entry.path, name: entry.name, kind: entry.kind, hostPath: this.hostPath, storage: this.listing.storage };
  }

  getTreeItem(): vscode.TreeItem {
    const { entry } = this;
    const folder = entry.kind === 'directory' || entry.kind === 'opaqueDirectory';
    const item = new vscode.TreeItem(entry.name, folder ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.resourceUri = this.uri;
    const own = describeEntry(entry) ?? (this.totalBytes !== undefined ? formatBytes(this.totalBytes) : undefined);
    // In Merged, which layer last wrote the path; its tooltip (on hover) lists every version.
    const writer = this.writer;
    item.description = writer === undefined ? own : [own, vscode.l10n.t('layer {0}', writer)].filter(Boolean).join(' · ');
    if (writer === undefined) {
      item.tooltip = this.whereText(item.description);
    }
    item.contextValue = contextValues.layerEntry(entry.kind, this.hostPath !== undefined);
    if (folder) {
      item.iconPath = vscode.ThemeIcon.Folder;
    } else if (entry.kind === 'whiteout') {
      item.iconPath = new vscode.ThemeIcon('trash', new vscode.ThemeColor('gitDecoration.deletedResourceForeground'));
    } else {
      item.iconPath = vscode.ThemeIcon.File;
      if (entry.kind === 'file' || entry.kind === 'hardlink' || entry.kind === 'symlink') {
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [item.resourceUri] };
      }
    }
    return item;
  }

  /** The layer that last wrote this entry, in a Merged listing. */
  private get writer(): number | undefined {
    return this.listing.file.root === 'merged' ? (this.entry as Partial<MergedEntry>).layer : undefined;
  }

  private whereText(description: string | undefined): string {
    const { entry } = this;
    const where = this.hostPath && this.hostPath !== entry.path ? `${entry.path}\n${this.hostPath}` : entry.path;
    return description ? `${where}\n${description}` : where;
  }

  /** Merged: every layer that held a version of the path, with its size, and the step that wrote it. */
  async resolveTooltip(): Promise<vscode.MarkdownString | undefined> {
    const { layer } = this.listing.file;
    if (this.writer === undefined || layer.owner !== 'image') {
      return undefined;
    }
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendText(this.whereText(this.getTreeItem().description as string | undefined));
    try {
      const [files, image] = await Promise.all([this.listing.catalog.openLayer(layer, 'merged'), this.listing.catalog.imageLayers(layer.imageId)]);
      if (!(files instanceof MergedFileSystem)) {
        return tooltip;
      }
      const rows = files.versionsOf(this.entry.path).map((version) => {
        const step = image.layers[version.layer] ? layerStepLabel(image.layers[version.layer]) : '';
        const what = version.entry === null ? vscode.l10n.t('deleted') : describeEntry(version.entry) ?? vscode.l10n.t('folder');
        return `| ${version.layer} | ${escapeCell(what)} | ${escapeCell(step.length > 60 ? `${step.slice(0, 59)}…` : step)} |`;
      });
      tooltip.appendMarkdown(`\n\n**${vscode.l10n.t('Versions of this path')}**\n\n| ${vscode.l10n.t('Layer')} | | ${vscode.l10n.t('Step')} |\n| ---: | --- | --- |\n${rows.join('\n')}\n`);
    } catch (error) {
      tooltip.appendText(`\n${(error as Error).message}`);
    }
    return tooltip;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    if (this.entry.kind !== 'directory' && this.entry.kind !== 'opaqueDirectory') {
      return Promise.resolve([]);
    }
    return this.children.get(() => listLayerEntries(this, this.listing, this.context));
  }
}

function describeEntry(entry: LayerEntry): string | undefined {
  switch (entry.kind) {
    case 'file':
      return formatBytes(entry.size);
    case 'symlink':
      return `→ ${entry.linkTarget ?? '?'}`;
    case 'hardlink':
      return vscode.l10n.t('hard link to {0}', entry.linkTarget ?? '?');
    case 'whiteout':
      return vscode.l10n.t('deleted (whiteout)');
    case 'opaqueDirectory':
      return vscode.l10n.t('replaced (opaque folder)');
    case 'other':
      return vscode.l10n.t('character device');
    case 'directory':
      return undefined;
  }
}

function escapeCell(text: string): string {
  return text.replace(/[\\|`*_[\]<>]/g, (character) => `\\${character}`).replace(/\n/g, ' ');
}

/** The entries of one folder of a layer, folders first; a failure is a message node in place. */
export async function listLayerEntries(parent: TreeNode, listing: LayerListing, context: TreeContext): Promise<TreeNode[]> {
  let files: LayerFileSystem;
  let entries: LayerEntry[];
  try {
    files = await withArchiveProgress(vscode.l10n.t('Reading the image archive from the Docker Engine'), (options) =>
      listing.catalog.openLayer(listing.file.layer, listing.file.root, options),
    );
  } catch (error) {
    if (error instanceof LayerUnavailableError) {
      return [new MessageNode(parent, 'unavailable', limitationMessage(error.limitation), 'warning')];
    }
    return [errorNode(parent, vscode.l10n.t('the files of this layer'), error)];
  }
  try {
    entries = await files.readDirectory(listing.file.path);
  } catch (error) {
    return [problemNode(parent, listing, files.hostPath(listing.file.path) ?? listing.file.path, error, context)];
  }
  // Where the files come from is said once, at the top of the layer's tree.
  const source =
    listing.file.path === '/' && files.source === 'archive' && listing.storage.kind !== 'archive'
      ? [new MessageNode(parent, 'source', vscode.l10n.t('Read from the image archive: the layer folder cannot be read here.'), 'info')]
      : [];
  if (entries.length === 0) {
    return [...source, new MessageNode(parent, 'empty', vscode.l10n.t('(empty folder)'))];
  }
  const options = context.fileViewOptions();
  const { layer } = listing.file;
  let hidden = 0;
  if (options.hideUnchanged && listing.file.root === 'merged' && layer.owner === 'image') {
    const touched = touchedBy(await listing.catalog.fileHistory(layer.imageId), layer.index);
    const kept = entries.filter((entry) => touched.has(entry.path));
    hidden = entries.length - kept.length;
    entries = kept;
  }
  if (entries.length === 0) {
    return [...source, new MessageNode(parent, 'unchanged', vscode.l10n.t('({0} unchanged entries hidden)', hidden))];
  }
  const totals = await sortEntries(files, entries, options);
  const shown = entries.slice(0, MAX_ENTRIES);
  const nodes: TreeNode[] = [...source];
  nodes.push(...shown.map(
    (entry) =>
      new LayerEntryNode(
        parent,
        { ...listing, file: { ...listing.file, path: joinLayerPath(listing.file.path, entry.name) } },
        entry,
        files.hostPath(entry.path),
        context,
        totals?.get(entry),
      ),
  ));
  if (hidden > 0) {
    nodes.push(new MessageNode(parent, 'unchanged', vscode.l10n.t('({0} unchanged entries hidden)', hidden)));
  }
  if (entries.length > shown.length) {
    nodes.push(new MessageNode(parent, 'more', vscode.l10n.t('… {0} more entries not shown', entries.length - shown.length)));
  }
  return nodes;
}

/** `folder`: where the listed folder is on this machine, for the message. */
function problemNode(parent: TreeNode, listing: LayerListing, folder: string, error: unknown, context: TreeContext): TreeNode {
  if (!(error instanceof LayerFsError) || (error.code !== 'notFound' && error.code !== 'permission' && error.code !== 'notDirectory')) {
    return errorNode(parent, vscode.l10n.t('the folder {0}', listing.file.path), error);
  }
  context.log.warn(`[tree] cannot list ${folder}: ${error.message}`);
  const problem = error.code === 'permission' ? 'unreadable' : 'missing';
  const label = problem === 'missing' ? vscode.l10n.t('Folder does not exist: {0}', folder) : vscode.l10n.t('Not readable by this user: {0}', folder);
  return new MessageNode(parent, problem, label, 'warning', explainFolderProblem(problem, folder, listing.storage));
}
