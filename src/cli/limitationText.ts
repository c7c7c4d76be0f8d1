/** The CLI's words for the core's limitation codes (the extension has its own, localised). */
import { Limitation } from '../core/storage/limitation';

export function limitationText(limitation: Limitation): string {
  switch (limitation.code) {
    case 'containerdSnapshots':
      return 'This daemon uses the containerd image store: layers are containerd snapshots, and the Engine API gives no folder paths for them.';
    case 'containerdMetadataUnreadable':
      return `This daemon uses the containerd image store: its layer folders are named only in containerd's metadata (${limitation.file}), which this user cannot read. Run as root to browse the folders; the files are read from the image archive meanwhile.`;
    case 'noDiffFolders':
      return `The "${limitation.driver}" storage driver keeps no per-layer diff folder that can be mapped from the Engine API.`;
    case 'desktopVm':
      return 'Docker Desktop keeps its data inside its virtual machine: these paths are not on this computer.';
    case 'remoteHost':
      return `The daemon at ${limitation.host} is on another machine: these paths are on that machine, not this one.`;
    case 'notReported':
      return 'The Engine did not report a folder for every layer of this image.';
    case 'outsideDriverFolder':
      return `The Engine reported a layer folder outside its storage folder ${limitation.driverFolder} (${limitation.reported}); it is not shown or read.`;
    case 'platformsUnlisted':
      if (limitation.host !== undefined) {
        return `Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store, on the daemon's machine (${limitation.host}), not this one.`;
      }
      if (limitation.contentStore === undefined) {
        return "Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store, which cannot be read here.";
      }
      return `Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store (${limitation.contentStore}), which this user cannot read. Run as root on the daemon's machine to pick another.`;
    case 'platformNotUnpacked':
      return `containerd has not unpacked the ${limitation.platform} layers of this image here (no snapshot folders): its files are read from the image archive.`;
  }
}
