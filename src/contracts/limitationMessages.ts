/** The extension's words, localised, for the core's limitation codes (the CLI has its own in English). */
import * as vscode from 'vscode';
import { Limitation } from '../core/storage/limitation';

export function limitationMessage(limitation: Limitation): string {
  switch (limitation.code) {
    case 'containerdSnapshots':
      return vscode.l10n.t('This daemon uses the containerd image store: layers are containerd snapshots, and the Engine API gives no folder paths for them.');
    case 'containerdMetadataUnreadable':
      return vscode.l10n.t("This daemon uses the containerd image store: its layer folders are named only in containerd's metadata ({0}), which this user cannot read. The files are read from the image archive instead.", limitation.file);
    case 'noDiffFolders':
      return vscode.l10n.t('The "{0}" storage driver keeps no per-layer diff folder that can be mapped from the Engine API.', limitation.driver);
    case 'desktopVm':
      return vscode.l10n.t('Docker Desktop keeps its data inside its virtual machine: these paths are not on this computer.');
    case 'remoteHost':
      return vscode.l10n.t('The daemon at {0} is on another machine: these paths are on that machine, not this one.', limitation.host);
    case 'notReported':
      return vscode.l10n.t('The Engine did not report a folder for every layer of this image.');
    case 'outsideDriverFolder':
      return vscode.l10n.t('The Engine reported a layer folder outside its storage folder {0} ({1}); it is not shown or read.', limitation.driverFolder, limitation.reported);
    case 'platformsUnlisted':
      if (limitation.host !== undefined) {
        return vscode.l10n.t("Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store, on the daemon's machine ({0}), not this one.", limitation.host);
      }
      if (limitation.contentStore === undefined) {
        return vscode.l10n.t("Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store, which cannot be read here.");
      }
      return vscode.l10n.t("Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store ({0}), which this user cannot read.", limitation.contentStore);
    case 'platformNotUnpacked':
      return vscode.l10n.t('containerd has not unpacked the {0} layers of this image here (no snapshot folders): its files are read from the image archive.', limitation.platform);
  }
}
