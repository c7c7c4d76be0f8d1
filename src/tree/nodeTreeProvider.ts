/**
 * A TreeDataProvider over TreeNodes: nodes own their levels; this class caches the root level,
 * delegates the rest and fires refreshes (one node, or everything).
 */
import * as vscode from 'vscode';
import { PromiseCache } from '../core/promiseCache';
import { TreeNode } from './nodes/treeNode';

export class NodeTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly roots = new PromiseCache<TreeNode[]>();

  constructor(private readonly loadRoots: () => Promise<TreeNode[]>) {}

  /** Reload one node's children, or everything (asking the Engine again) when none is given. */
  refresh(node?: TreeNode): void {
    if (node) {
      node.invalidate?.();
    } else {
      this.roots.clear();
    }
    this.changed.fire(node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.getTreeItem();
  }

  getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) {
      return node.getChildren();
    }
    return this.roots.get(this.loadRoots);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    if (node.resolveTooltip && !item.tooltip) {
      item.tooltip = await node.resolveTooltip();
    }
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
