/**
 * The Images view's data: images → layers → cache-id folders → files. Nodes own their levels; this
 * class loads the root, keeps the "cannot reach the Engine" state for the welcome view, and fires
 * refreshes.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { Logger } from '../core/logger';
import { ImageNode } from './nodes/imageNode';
import { TreeContext, TreeNode } from './nodes/treeNode';

export type EngineState = 'loading' | 'ok' | 'empty' | 'unreachable';

export class ImagesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<{ state: EngineState; message: string | undefined }>();
  /** The Engine's reachability, for the welcome view's context key and the view message. */
  readonly onDidChangeState = this.stateChanged.event;
  private roots: Promise<TreeNode[]> | undefined;
  private readonly context: TreeContext;

  constructor(
    private readonly connection: EngineConnection,
    log: Logger,
  ) {
    this.context = {
      connection,
      log,
      showEmptyLayers: () => vscode.workspace.getConfiguration('dockerLayers').get<boolean>('showEmptyLayers', false),
    };
  }

  /** Reload one node's children, or everything (asking the Engine again) when none is given. */
  refresh(node?: TreeNode): void {
    if (!node) {
      this.roots = undefined;
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
    this.roots ??= this.loadRoots();
    return this.roots;
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

  private async loadRoots(): Promise<TreeNode[]> {
    try {
      const { catalog } = await this.connection.get();
      // A refresh must not be answered from the previous load's cache.
      catalog.invalidate();
      const images = await catalog.listImages();
      this.setState(images.length > 0 ? 'ok' : 'empty', undefined);
      return images.map((image) => new ImageNode(image, catalog, this.context));
    } catch (error) {
      // Without the image list nothing works: the welcome view explains, with Retry and Settings.
      this.roots = undefined;
      this.setState('unreachable', (error as Error).message);
      return [];
    }
  }

  private setState(state: EngineState, message: string | undefined): void {
    this.stateChanged.fire({ state, message });
  }

  dispose(): void {
    this.changed.dispose();
    this.stateChanged.dispose();
  }
}
