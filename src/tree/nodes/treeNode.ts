import * as vscode from 'vscode';
import { EngineConnection } from '../../connection/engineConnection';
import { CommandTarget } from '../../contracts/commandTargets';
import { Logger } from '../../core/logger';
import { PromiseCache } from '../../core/promiseCache';

/** What every node of the Images view can reach. */
export interface TreeContext {
  connection: EngineConnection;
  log: Logger;
  showEmptyLayers(): boolean;
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
