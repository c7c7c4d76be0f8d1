/**
 * Commands on a file or folder inside a layer: Copy Path in Image, Copy Host Path, Open to the
 * Side, Save a Copy As…. Saving a copy is the one write anywhere: to a place the user picks, and
 * never under Docker's data root.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { CommandTarget, LayerEntryTarget } from '../contracts/commandTargets';
import { Logger } from '../core/logger';
import { registerCommand } from './registerCommand';

export function registerLayerFileCommands(context: vscode.ExtensionContext, log: Logger): void {
  const withEntry = <T>(action: (entry: LayerEntryTarget) => Promise<T>) => {
    return async (target?: CommandTarget): Promise<T | undefined> => {
      const entry = target?.layerEntry?.();
      if (!entry) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Run this on a file or folder in a layer of the Docker Layers view.'));
        return undefined;
      }
      return action(entry);
    };
  };
  context.subscriptions.push(
    registerCommand('dockerLayers.file.copyPathInImage', withEntry((entry) => copy(entry.path)), log),
    registerCommand(
      'dockerLayers.file.copyHostPath',
      withEntry(async (entry) => {
        if (!entry.hostPath) {
          void vscode.window.showInformationMessage(vscode.l10n.t('{0} is read from the image archive: it has no path on this machine.', entry.path));
          return undefined;
        }
        return copy(entry.hostPath);
      }),
      log,
    ),
    registerCommand('dockerLayers.file.openToSide', withEntry(async (entry) => vscode.commands.executeCommand('vscode.open', entry.uri, { viewColumn: vscode.ViewColumn.Beside, preview: false })), log),
    // A destination may be given (other extensions, tests); otherwise a save dialog asks for one.
    registerCommand('dockerLayers.file.saveCopyAs', (target?: CommandTarget, destination?: vscode.Uri) => withEntry((entry) => saveCopyAs(entry, destination))(target), log),
  );
}

async function copy(text: string): Promise<string> {
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', text), 3000);
  return text;
}

/** Returns where the copy went, or undefined when the user cancelled. */
export async function saveCopyAs(entry: LayerEntryTarget, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = entry.kind === 'directory' || entry.kind === 'opaqueDirectory';
  const defaultUri = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.find((each) => each.uri.scheme === 'file')?.uri.fsPath ?? process.env.HOME ?? '/', entry.name || 'layer'));
  const chosen = target ?? (await vscode.window.showSaveDialog({ defaultUri, title: vscode.l10n.t('Save a Copy of {0}', entry.path), saveLabel: vscode.l10n.t('Save Copy') }));
  if (!chosen) {
    return undefined;
  }
  const dataRoot = entry.storage.dataRoot;
  if (chosen.scheme !== 'file' || (dataRoot && isInside(chosen.fsPath, dataRoot))) {
    throw new Error(vscode.l10n.t('A copy is never written under Docker\'s data root or into a layer: choose another place than {0}.', chosen.scheme === 'file' ? chosen.fsPath : chosen.toString()));
  }
  if (folder) {
    await copyFolder(entry.uri, chosen);
  } else {
    await vscode.workspace.fs.writeFile(chosen, await vscode.workspace.fs.readFile(entry.uri));
  }
  vscode.window.setStatusBarMessage(vscode.l10n.t('Saved a copy of {0} to {1}', entry.path, chosen.fsPath), 5000);
  return chosen;
}

/** Regular files and folders; links, whiteouts and devices are not recreated (they name paths in the image). */
async function copyFolder(source: vscode.Uri, target: vscode.Uri): Promise<void> {
  await vscode.workspace.fs.createDirectory(target);
  for (const [name, type] of await vscode.workspace.fs.readDirectory(source)) {
    const from = vscode.Uri.joinPath(source, name);
    const to = vscode.Uri.joinPath(target, name);
    if (type === vscode.FileType.Directory) {
      await copyFolder(from, to);
    } else if (type === vscode.FileType.File) {
      const stat = await vscode.workspace.fs.stat(from);
      if (stat.size > 0 || !(await isWhiteout(from))) {
        await vscode.workspace.fs.writeFile(to, await vscode.workspace.fs.readFile(from));
      }
    }
  }
}

/** The provider serves a whiteout as a one-line note; it is no file to copy. */
async function isWhiteout(uri: vscode.Uri): Promise<boolean> {
  return Buffer.from(await vscode.workspace.fs.readFile(uri)).toString().startsWith('whiteout:');
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
