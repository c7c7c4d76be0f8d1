/** Opens a located layer with the reader its kind of location needs. */
import { DirectoryFileSystem } from '../layerfs/directoryFileSystem';
import { LayerFileSystem } from '../layerfs/layerFileSystem';
import { StoredRoot } from '../layerfs/layerRef';
import { Limitation } from './limitation';
import { LayerDirectory, LayerLocation } from './layerLocation';
import { readOpaqueDirectories } from './opaqueXattrs';

/** A layer whose files cannot be read from here; the limitation says why. */
export class LayerUnavailableError extends Error {
  constructor(readonly limitation: Limitation) {
    super(`layer files not available here: ${limitation.code}`);
    this.name = 'LayerUnavailableError';
  }
}

export function openLocation(location: LayerLocation, root: StoredRoot): LayerFileSystem {
  switch (location.kind) {
    case 'directory':
      return new DirectoryFileSystem(root === 'files' ? location.directory.diffDir : location.directory.layerDir);
    case 'unavailable':
      throw new LayerUnavailableError(location.limitation);
    case 'archive':
      // Only the archive backend, which holds the archive's index, reads these (storage/archive/).
      throw new Error(`${location.archive}: an archive layer is opened by the archive backend`);
  }
}

/**
 * Opens an overlay layer whose opaque folders are marked only by extended attributes (Podman's and
 * containerd's snapshot folders): its files with those marks read (opaqueXattrs.ts). Rejects with
 * OpaqueMarksUnreadableError when they cannot be read, so the caller can read the layer elsewhere.
 */
export async function openOverlayFolder(location: LayerLocation, root: StoredRoot, signal?: AbortSignal): Promise<LayerFileSystem> {
  if (root !== 'files' || location.kind !== 'directory') {
    return openLocation(location, root);
  }
  const { diffDir } = location.directory;
  return new DirectoryFileSystem(diffDir, await readOpaqueDirectories(diffDir, signal));
}

/** A folder the daemon reported, as a location: readable here only when the storage is on this machine. */
export function locationOfDirectory(directory: LayerDirectory, limitation: Limitation | undefined): LayerLocation {
  return limitation ? { kind: 'unavailable', limitation, reported: directory } : { kind: 'directory', directory };
}
