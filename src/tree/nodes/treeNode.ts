import * as vscode from 'vscode';
import { EngineConnection } from '../../connection/engineConnection';
import { CommandTarget } from '../../contracts/commandTargets';
import { Logger } from '../../core/logger';
import { PromiseCache } from '../../core/promiseCache';
import { ImageSortKey } from '../../core/model/imageListOrder';

/** How the layer file views list a folder (settings dockerLayers.files.*). */
export interface FileViewOptions {
  sortBy: 'name' | 'size';
  /** Merged: show only what the layer changed, and the folders on the way to it. */
  hideUnchanged: boolean;
}

/** What every node of the Images view can reach. */
export interface TreeContext {
  connection: EngineConnection;
  log: Logger;
  showEmptyLayers(): boolean;
  fileViewOptions(): FileViewOptions;
  /** dockerLayers.images.sortBy. */
  imageSortKey(): ImageSortKey;
  /** dockerLayers.images.groupByRepository. */
  groupByRepository(): boolean;
  /** Redraws one node (its label and description), e.g. once figures computed in the background are in. */
  refresh(node: TreeNode): void;
}

/** One level of the tree: owns its item and (lazily, cached) its children. */
export interface TreeNode extends CommandTarget {
  /** Stable hierarchical key, so expansion survives refreshes. */
  readonly id: string;
  readonly parent: TreeNode | undefined;
  getTreeItem(): vscode.TreeItem;
  getChildren(): Promise<TreeNode[]>;
  /** Forgets the cached children, so the next getChildren() loads them again. */
  invalidate?(): void;
  /** Fills in a tooltip that needs a request, only when the user hovers. */
  resolveTooltip?(): Promise<vscode.MarkdownString | string | undefined>;
}

/** A node's children, loaded on first expansion; a failure is not kept, so expanding again retries. */
export class ChildrenCache extends PromiseCache<TreeNode[]> {}
