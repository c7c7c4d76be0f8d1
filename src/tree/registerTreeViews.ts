import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { Logger } from '../core/logger';
import { ImagesTreeProvider } from './imagesTreeProvider';
import { TreeNode } from './nodes/treeNode';
import { refreshOnEngineEvents } from './refreshOnEngineEvents';

export const IMAGES_VIEW_ID = 'dockerLayers.images';
/** Context key the welcome views read: loading | ok | empty | unreachable. */
export const ENGINE_STATE_KEY = 'dockerLayers.engineState';

export interface ImagesView {
  provider: ImagesTreeProvider;
  view: vscode.TreeView<TreeNode>;
}

export function registerImagesView(context: vscode.ExtensionContext, connection: EngineConnection, log: Logger): ImagesView {
  const provider = new ImagesTreeProvider(connection, log);
  const view = vscode.window.createTreeView(IMAGES_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  void vscode.commands.executeCommand('setContext', ENGINE_STATE_KEY, 'loading');
  context.subscriptions.push(
    provider,
    view,
    provider.onDidChangeState(({ state, message }) => {
      void vscode.commands.executeCommand('setContext', ENGINE_STATE_KEY, state);
      view.message = message;
    }),
    vscode.commands.registerCommand('dockerLayers.images.refresh', () => provider.refresh()),
    connection.onDidChange(() => provider.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('dockerLayers.showEmptyLayers')) {
        provider.refresh();
      }
    }),
    refreshOnEngineEvents(view, connection, () => provider.refresh(), log),
  );
  return { provider, view };
}
