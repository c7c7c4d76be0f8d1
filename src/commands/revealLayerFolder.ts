/**
 * Reveal Layer Directory: the layer's diff folder in the Explorer (added as a read-only workspace
 * folder), in a new window, in the OS file manager or a terminal, or its path on the clipboard.
 * Each checks the folder first and says plainly why it cannot be opened; none writes anything.
 */
import * as vscode from 'vscode';
import { registerCommand } from './registerCommand';
import { EngineConnection } from '../connection/engineConnection';
import { checkFolderAccess } from '../core/storage/folderAccess';
import { Logger } from '../core/logger';
import { LAYER_SCHEME, toLayerUri } from '../contracts/layerUri';
import { limitationMessage } from '../contracts/limitationMessages';
import { pickLayer } from './pickTargets';
import { CommandTarget, LayerFolder, layerFolderOf } from '../contracts/commandTargets';

/** What a reveal command did; returned so callers (and tests) can tell without reading the UI. */
export interface RevealOutcome {
  done: boolean;
  folder?: LayerFolder;
  /** Why it was not done, as shown to the user. */
  message?: string;
}

export function registerRevealCommands(context: vscode.ExtensionContext, connection: EngineConnection, log: Logger): void {
  const withFolder = (action: (folder: LayerFolder) => Thenable<unknown> | void, needsAccess = true) => {
    return async (target?: CommandTarget): Promise<RevealOutcome> => {
      const folder = target ? target.layerFolder?.() : await pickFolder(connection);
      if (!folder) {
        if (target) {
          const message = vscode.l10n.t('This item has no layer folder: the Engine reported none for it.');
          void vscode.window.showWarningMessage(message);
          return { done: false, message };
        }
        return { done: false };
      }
      if (needsAccess) {
        const access = await checkFolderAccess(folder.diffDir, folder.storage);
        if (!access.ok) {
          log.warn(`[reveal] ${folder.diffDir}: ${access.reason}`);
          const message = access.reason === 'elsewhere' ? `${limitationMessage(access.limitation)} (${folder.diffDir})` : access.message;
          void explainNoAccess(folder, message, access.reason === 'unreadable');
          return { done: false, folder, message };
        }
      }
      await action(folder);
      return { done: true, folder };
    };
  };

  context.subscriptions.push(
    registerCommand('dockerLayers.layer.revealInExplorer', withFolder(revealInExplorer), log),
    registerCommand(
      'dockerLayers.layer.openInNewWindow',
      withFolder((folder) => vscode.commands.executeCommand('vscode.openFolder', layerFilesUri(folder), { forceNewWindow: true })),
      log,
    ),
    registerCommand('dockerLayers.layer.revealInOS', withFolder(revealInOsFileManager), log),
    registerCommand(
      'dockerLayers.layer.openInTerminal',
      withFolder((folder) => vscode.window.createTerminal({ name: folder.title, cwd: folder.diffDir, iconPath: new vscode.ThemeIcon('layers') }).show()),
      log,
    ),
    registerCommand(
      'dockerLayers.layer.copyPath',
      withFolder(async (folder) => {
        await vscode.env.clipboard.writeText(folder.diffDir);
        vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', folder.diffDir), 3000);
      }, false),
      log,
    ),
    registerCommand('dockerLayers.layer.removeWorkspaceFolders', removeLayerWorkspaceFolders, log),
  );
}

async function pickFolder(connection: EngineConnection): Promise<LayerFolder | undefined> {
  const picked = await pickLayer(connection);
  if (!picked) {
    return undefined;
  }
  const folder = layerFolderOf(picked.image, picked.layer);
  if (!folder) {
    const { location } = picked.layer;
    void vscode.window.showWarningMessage(location.kind === 'unavailable' ? limitationMessage(location.limitation) : vscode.l10n.t('The Engine reported no folder for this layer.'));
  }
  return folder;
}

async function explainNoAccess(folder: LayerFolder, message: string, offerSudo: boolean): Promise<void> {
  const copyPath = vscode.l10n.t('Copy Path');
  const copySudo = vscode.l10n.t('Copy sudo Command');
  const actions = offerSudo ? [copyPath, copySudo] : [copyPath];
  const choice = await vscode.window.showWarningMessage(message, ...actions);
  if (choice === copyPath) {
    await vscode.env.clipboard.writeText(folder.diffDir);
  } else if (choice === copySudo) {
    await vscode.env.clipboard.writeText(`sudo ls -la ${shellQuote(folder.diffDir)}`);
  }
}

/** Adds the diff folder to the workspace once (read-only scheme) and reveals it in the Explorer. */
async function revealInExplorer(folder: LayerFolder): Promise<void> {
  const uri = layerFilesUri(folder);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!folders.some((existing) => existing.uri.toString() === uri.toString())) {
    // Outside a saved workspace, VS Code turns the window into an untitled workspace and reloads it
    // when a folder is added: open editors close, the views collapse. Say so first.
    if (!vscode.workspace.workspaceFile) {
      const add = vscode.l10n.t('Add to Workspace');
      const newWindow = vscode.l10n.t('Open in New Window');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t("Adding the layer folder makes this window an untitled workspace, and VS Code reloads it: open editors close. The layer's files can also be browsed in the Docker Layers view (Changes, Merged) without this."),
        { modal: true },
        add,
        newWindow,
      );
      if (choice === newWindow) {
        await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
        return;
      }
      if (choice !== add) {
        return;
      }
    }
    // Appending keeps the extension host running inside a saved workspace.
    await changeWorkspaceFolders(() => vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: folder.title }));
  }
  await vscode.commands.executeCommand('workbench.view.explorer');
  await vscode.commands.executeCommand('revealInExplorer', uri);
}

/**
 * The OS file manager runs on the machine of the VS Code window, which is not the Docker host in a
 * remote or browser window: there the path is copied instead, with a word why.
 */
async function revealInOsFileManager(folder: LayerFolder): Promise<void> {
  if (!vscode.env.remoteName && vscode.env.uiKind === vscode.UIKind.Desktop) {
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder.diffDir));
    return;
  }
  await vscode.env.clipboard.writeText(folder.diffDir);
  void vscode.window.showInformationMessage(
    vscode.l10n.t('This window runs away from the Docker host ({0}), so its file manager cannot show the folder. The path was copied: {1}', vscode.env.remoteName ?? vscode.l10n.t('browser'), folder.diffDir),
  );
}

/** Removes every workspace folder Reveal in Explorer added; the user's own folders stay. */
export async function removeLayerWorkspaceFolders(): Promise<number> {
  let removed = 0;
  for (;;) {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const last = [...folders].reverse().find((folder) => folder.uri.scheme === LAYER_SCHEME);
    if (!last) {
      return removed;
    }
    // One change at a time: VS Code ignores a second update before the first one is applied.
    await changeWorkspaceFolders(() => vscode.workspace.updateWorkspaceFolders(last.index, 1));
    removed++;
  }
}

/** The layer's files (its diff folder) as a read-only docker-layer: folder. */
function layerFilesUri(folder: LayerFolder): vscode.Uri {
  return toLayerUri({ layer: folder.ref, root: 'files', path: '/', where: folder.where });
}

function changeWorkspaceFolders(update: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = vscode.workspace.onDidChangeWorkspaceFolders(() => {
      listener.dispose();
      clearTimeout(timer);
      resolve();
    });
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error('VS Code did not apply the workspace folder change'));
    }, 10_000);
    if (!update()) {
      listener.dispose();
      clearTimeout(timer);
      reject(new Error('VS Code refused the workspace folder change'));
    }
  });
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
