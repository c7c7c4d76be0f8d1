/** Open Image Archive…, Open the Sample Image Archive, Close Image Archive: saved images, no daemon. */
import * as path from 'path';
import * as vscode from 'vscode';
import { withArchiveProgress } from '../connection/archiveProgress';
import { OpenedArchive, OpenedArchives } from '../connection/openedArchives';
import { CommandTarget } from '../contracts/commandTargets';
import { Logger } from '../core/logger';
import { registerCommand } from './registerCommand';

/** A small image archive shipped with the extension, so there is something to see without Docker. */
export const SAMPLE_ARCHIVE = path.join('media', 'sample', 'sample-image.tar');

export function registerArchiveCommands(context: vscode.ExtensionContext, archives: OpenedArchives, log: Logger): void {
  const open = (archivePath: string): Promise<OpenedArchive> =>
    withArchiveProgress(vscode.l10n.t('Opening {0}', path.basename(archivePath)), async (options) => {
      const opened = await archives.open(archivePath, options.signal);
      await vscode.commands.executeCommand('dockerLayers.images.focus');
      return opened;
    });
  context.subscriptions.push(
    registerCommand(
      'dockerLayers.archive.open',
      async (given?: vscode.Uri): Promise<OpenedArchive | undefined> => {
        const picked =
          given instanceof vscode.Uri
            ? [given]
            : await vscode.window.showOpenDialog({
                title: vscode.l10n.t('Open an image archive (docker save / podman save, .tar or .tar.gz) or an OCI layout folder'),
                canSelectFiles: true,
                canSelectFolders: true,
                canSelectMany: false,
                filters: { [vscode.l10n.t('Image archives')]: ['tar', 'gz', 'tgz', 'zst'], [vscode.l10n.t('All files')]: ['*'] },
              });
        const uri = picked?.[0];
        if (!uri) {
          return undefined;
        }
        if (uri.scheme !== 'file') {
          throw new Error(vscode.l10n.t('{0} is not on this machine: open an archive from a local folder.', uri.toString()));
        }
        return open(uri.fsPath);
      },
      log,
    ),
    registerCommand('dockerLayers.archive.openSample', () => open(context.asAbsolutePath(SAMPLE_ARCHIVE)), log),
    registerCommand(
      'dockerLayers.archive.close',
      async (target?: CommandTarget) => {
        const archivePath = target?.archiveTarget?.() ?? (await pickOpened(archives));
        if (archivePath) {
          await archives.close(archivePath);
        }
      },
      log,
    ),
  );
}

async function pickOpened(archives: OpenedArchives): Promise<string | undefined> {
  if (archives.paths.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No image archive is open.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    archives.paths.map((archivePath) => ({ label: path.basename(archivePath), description: path.dirname(archivePath), archivePath })),
    { placeHolder: vscode.l10n.t('Close which image archive?') },
  );
  return picked?.archivePath;
}
