import * as vscode from 'vscode';
import { Logger } from '../core/logger';

/**
 * registerCommand with the failure shown plainly (daemon gone, image deleted, …) and logged, instead
 * of VS Code's generic "command failed".
 */
export function registerCommand<Args extends unknown[], Result>(
  id: string,
  handler: (...args: Args) => Promise<Result> | Result,
  log: Logger,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: Args): Promise<Result | undefined> => {
    try {
      return await handler(...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`[commands] ${id}: ${message}`);
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(message, showLog).then((choice) => {
        if (choice === showLog) {
          void vscode.commands.executeCommand('dockerLayers.showLog');
        }
      });
      return undefined;
    }
  });
}
