/**
 * The Image Comparison view's rows: a group each for added, removed and changed paths, and one row
 * per path. A changed file opens VS Code's diff of its two versions, an added or removed one opens
 * the version there is.
 */
import * as vscode from 'vscode';
import { mergedFileUri } from '../../contracts/commandTargets';
import { contextValues } from '../../contracts/contextValues';
import { ImagesCompared } from '../../contracts/imagesCompared';
import { ChangedPath, ComparedPath } from '../../core/analysis/imageComparison';
import { formatBytes } from '../../core/format';
import { MessageNode } from './messageNode';
import { TreeNode } from './treeNode';

export type ComparisonGroup = 'added' | 'removed' | 'changed';

/** A group lists at most this many paths, then says how many more. */
const MAX_ROWS = 5000;

const GROUPS: Record<ComparisonGroup, { title: () => string; icon: string; color: string }> = {
  added: { title: () => vscode.l10n.t('Added'), icon: 'diff-added', color: 'gitDecoration.addedResourceForeground' },
  removed: { title: () => vscode.l10n.t('Removed'), icon: 'diff-removed', color: 'gitDecoration.deletedResourceForeground' },
  changed: { title: () => vscode.l10n.t('Changed'), icon: 'diff-modified', color: 'gitDecoration.modifiedResourceForeground' },
};

const isFileLike = (kind: string) => kind === 'file' || kind === 'symlink' || kind === 'hardlink';

export class ComparisonGroupNode implements TreeNode {
  readonly id: string;
  readonly parent = undefined;

  constructor(
    readonly group: ComparisonGroup,
    private readonly result: ImagesCompared,
  ) {
    this.id = `comparison/${group}`;
  }

  private get paths(): readonly (ComparedPath | ChangedPath)[] {
    return this.result.comparison[this.group];
  }

  getTreeItem(): vscode.TreeItem {
    const { title, icon, color } = GROUPS[this.group];
    const count = this.paths.length;
    const item = new vscode.TreeItem(title(), count ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = vscode.l10n.t('{0} paths', count.toLocaleString());
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.contextValue = contextValues.comparisonGroup();
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    const rows: TreeNode[] = this.paths.slice(0, MAX_ROWS).map((path) => new ComparedPathNode(this, this.group, path, this.result));
    if (this.paths.length > MAX_ROWS) {
      rows.push(new MessageNode(this, 'more', vscode.l10n.t('… {0} more paths not shown (docker-layers compare lists them all)', this.paths.length - MAX_ROWS)));
    }
    return rows;
  }
}

export class ComparedPathNode implements TreeNode {
  readonly id: string;

  constructor(
    readonly parent: ComparisonGroupNode,
    private readonly group: ComparisonGroup,
    readonly path: ComparedPath | ChangedPath,
    private readonly result: ImagesCompared,
  ) {
    this.id = `${parent.id}/${path.path}`;
  }

  getTreeItem(): vscode.TreeItem {
    const { path } = this;
    const item = new vscode.TreeItem(path.path, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const { icon, color } = GROUPS[this.group];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.contextValue = contextValues.comparedPath(this.group);
    const { from, to } = this.result;
    if ('reasons' in path) {
      item.description = `${formatBytes(path.fromSize)} → ${formatBytes(path.toSize)} · ${path.reasons.map(reasonText).join(', ')}`;
      item.tooltip = vscode.l10n.t('{0}\n{1} in {2}, {3} in {4}', path.path, formatBytes(path.fromSize), from.image.name, formatBytes(path.toSize), to.image.name);
      if (path.reasons.includes('type') || path.fromSize + path.toSize > 0 || path.reasons.includes('linkTarget')) {
        item.command = {
          command: 'vscode.diff',
          title: vscode.l10n.t('Compare'),
          arguments: [mergedFileUri(from.image, from.top, path.path), mergedFileUri(to.image, to.top, path.path), vscode.l10n.t('{0} ({1} ↔ {2})', path.path, from.image.name, to.image.name)],
        };
      }
    } else {
      const side = this.group === 'added' ? to : from;
      item.description = path.kind === 'directory' ? vscode.l10n.t('empty folder') : formatBytes(path.size);
      item.tooltip = vscode.l10n.t('{0}\nonly in {1}', path.path, side.image.name);
      if (isFileLike(path.kind)) {
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [mergedFileUri(side.image, side.top, path.path)] };
      }
    }
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return [];
  }
}

function reasonText(reason: ChangedPath['reasons'][number]): string {
  switch (reason) {
    case 'type':
      return vscode.l10n.t('type');
    case 'content':
      return vscode.l10n.t('content');
    case 'mode':
      return vscode.l10n.t('mode');
    case 'owner':
      return vscode.l10n.t('owner');
    case 'linkTarget':
      return vscode.l10n.t('link target');
  }
}
