/** Where a layer's files are, as a storage backend found them. */
import { Limitation } from './limitation';

/** A layer's own folder and the folder of exactly its files, as on the daemon's machine. */
export interface LayerDirectory {
  /** The folder's name under the driver folder (overlay2's cache ID, Podman's layer ID). */
  cacheId: string;
  /** overlay2/<cache-id>: the backend's folder (diff/, link, lower, work). */
  layerDir: string;
  /** overlay2/<cache-id>/diff: exactly the files this layer added or changed. */
  diffDir: string;
  /** Where the folder name came from: the layerdb on disk, the Engine's GraphDriver data, or containerd's metadata. */
  source: 'layerdb' | 'GraphDriver' | 'containerd metadata' | 'containers-storage metadata';
  /** The layerdb's tar-split.json.gz of the layer (its tar headers), where the layerdb is readable. */
  tarSplit?: string;
}

export type LayerLocation =
  /** A folder on this machine (readable or not by this user: opening it tells). */
  | { kind: 'directory'; directory: LayerDirectory }
  /** A layer tar inside an image archive on this machine (a saved `.tar`, an OCI folder). */
  | { kind: 'archive'; archive: string; entry: string }
  /** Nowhere this process can read; `reported` is the folder the daemon named on its own machine. */
  | { kind: 'unavailable'; limitation: Limitation; reported?: LayerDirectory };

/** The folder the daemon reported for a layer, local or not. */
export function reportedDirectory(location: LayerLocation): LayerDirectory | undefined {
  return location.kind === 'directory' ? location.directory : location.kind === 'unavailable' ? location.reported : undefined;
}
