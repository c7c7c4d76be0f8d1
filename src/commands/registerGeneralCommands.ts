import * as vscode from 'vscode';

/** Commands the welcome views and error messages link to. */
export function registerGeneralCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('dockerLayers.showLog', () => log.show()),
    vscode.commands.registerCommand('dockerLayers.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', 'dockerLayers')),
  );
}
