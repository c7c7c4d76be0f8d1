import * as vscode from 'vscode';
import { EngineConnection } from '../../connection/engineConnection';
import { CommandTarget } from '../../commands/targets';
import { Logger } from '../../core/logger';

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

/** Caches a node's children promise; failures are not cached, so expanding again retries. */
export class ChildrenCache {
  private children: Promise<TreeNode[]> | undefined;

  get(load: () => Promise<TreeNode[]>): Promise<TreeNode[]> {
    const loading = (this.children ??= load());
    loading.catch(() => {
      if (this.children === loading) {
        this.children = undefined;
      }
    });
    return loading;
  }

  clear(): void {
    this.children = undefined;
  }
}
