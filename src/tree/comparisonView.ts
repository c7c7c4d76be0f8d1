/**
 * The Image Comparison view: the latest Compare Images… result, its two images and size delta in
 * the view's description. Shown (context key dockerLayers.comparisonOpen) while it holds one.
 */
import * as vscode from 'vscode';
import { ImagesCompared } from '../contracts/imagesCompared';
import { formatBytes } from '../core/format';
import { ComparisonGroupNode } from './nodes/comparisonNodes';
import { TreeNode } from './nodes/treeNode';
import { NodeTreeProvider } from './nodeTreeProvider';

export const COMPARISON_VIEW_ID = 'dockerLayers.comparison';
const OPEN_KEY = 'dockerLayers.comparisonOpen';

export interface ComparisonView {
  provider: NodeTreeProvider;
  view: vscode.TreeView<TreeNode>;
  /** The result shown now. */
  current(): ImagesCompared | undefined;
  show(result: ImagesCompared): Promise<void>;
}

export function registerComparisonView(context: vscode.ExtensionContext): ComparisonView {
  let result: ImagesCompared | undefined;
  const provider = new NodeTreeProvider(async () => (result ? (['added', 'removed', 'changed'] as const).map((group) => new ComparisonGroupNode(group, result!)) : []));
  const view = vscode.window.createTreeView(COMPARISON_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  const close = async () => {
    result = undefined;
    view.description = undefined;
    provider.refresh();
    await vscode.commands.executeCommand('setContext', OPEN_KEY, false);
  };
  const comparison: ComparisonView = {
    provider,
    view,
    current: () => result,
    async show(shown) {
      result = shown;
      const delta = shown.to.sizeBytes - shown.from.sizeBytes;
      view.description = `${shown.from.image.name} → ${shown.to.image.name} · ${delta >= 0 ? '+' : '−'}${formatBytes(Math.abs(delta))}`;
      view.message = shown.comparison.added.length + shown.comparison.removed.length + shown.comparison.changed.length === 0 ? vscode.l10n.t('No differences: the two images hold the same files.') : undefined;
      provider.refresh();
      await vscode.commands.executeCommand('setContext', OPEN_KEY, true);
      // Focus the view (it may have been hidden until now); `reveal` needs a row, so focus its first group.
      const [first] = await provider.getChildren();
      if (first) {
        await view.reveal(first, { focus: true, select: false, expand: true }).then(undefined, () => undefined);
      }
    },
  };
  context.subscriptions.push(provider, view, vscode.commands.registerCommand('dockerLayers.comparison.close', close));
  return comparison;
}
