/** Opens a located layer with the reader its kind of location needs. */
import { DirectoryFileSystem } from '../layerfs/directoryFileSystem';
import { LayerFileSystem } from '../layerfs/layerFileSystem';
import { StoredRoot } from '../layerfs/layerRef';
import { Limitation } from './limitation';
import { LayerDirectory, LayerLocation } from './layerLocation';

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

/** A folder the daemon reported, as a location: readable here only when the storage is on this machine. */
export function locationOfDirectory(directory: LayerDirectory, limitation: Limitation | undefined): LayerLocation {
  return limitation ? { kind: 'unavailable', limitation, reported: directory } : { kind: 'directory', directory };
}
