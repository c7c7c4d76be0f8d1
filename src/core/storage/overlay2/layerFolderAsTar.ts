/**
 * An overlay2 diff folder read as its layer's tar says, where the two differ:
 *
 * - Without native overlay diff (always under rootless Docker: "running in a user namespace"; also
 *   where the kernel has redirect_dir), Docker applies a pulled or loaded layer through an overlay
 *   mount. A `.wh..wh..opq` then removes the lower entries of the folder one by one, and overlayfs
 *   leaves a whiteout (0/0 device) in the diff folder for each: whiteouts the tar does not have.
 *   Under a folder the tar marks opaque they hide nothing more, so those the tar-split does not
 *   list are left out.
 * - Under rootless Docker the folder's owners are host IDs (rootlessIds.ts): mapped back.
 */
import { LayerEntry, LayerFileSystem, LayerFsError, LayerSource, ReadFileOptions } from '../../layerfs/layerFileSystem';
import { layerPathParent, normalizeLayerPath } from '../../layerfs/layerPath';
import { RootlessIdMap, insideId } from './rootlessIds';

export interface TarFacts {
  /** Folders the tar marks opaque. */
  opaque?: ReadonlySet<string>;
  /** Paths the tar itself whites out. */
  whiteouts?: ReadonlySet<string>;
  /** The rootless daemon's ID map. */
  ids?: RootlessIdMap;
}

export class LayerFolderAsTar implements LayerFileSystem {
  readonly source: LayerSource;

  constructor(
    private readonly folder: LayerFileSystem,
    private readonly facts: TarFacts,
  ) {
    this.source = folder.source;
  }

  hostPath(layerPath: string): string | undefined {
    return this.folder.hostPath(layerPath);
  }

  async stat(layerPath: string): Promise<LayerEntry> {
    const entry = await this.folder.stat(layerPath);
    if (this.madeByTheMount(entry)) {
      throw new LayerFsError('notFound', entry.path, 'not in the layer (a whiteout the overlay mount made under an opaque folder)');
    }
    return this.withOwners(entry);
  }

  async readDirectory(layerPath: string): Promise<LayerEntry[]> {
    const entries = await this.folder.readDirectory(layerPath);
    return entries.filter((entry) => !this.madeByTheMount(entry)).map((entry) => this.withOwners(entry));
  }

  async readFile(layerPath: string, options?: ReadFileOptions): Promise<Buffer> {
    return this.folder.readFile(layerPath, options);
  }

  private madeByTheMount(entry: LayerEntry): boolean {
    const { opaque, whiteouts } = this.facts;
    if (entry.kind !== 'whiteout' || !opaque?.size || whiteouts?.has(normalizeLayerPath(entry.path))) {
      return false;
    }
    for (let folder = layerPathParent(entry.path); ; folder = layerPathParent(folder)) {
      if (opaque.has(folder)) {
        return true;
      }
      if (folder === '/') {
        return false;
      }
    }
  }

  private withOwners(entry: LayerEntry): LayerEntry {
    const { ids } = this.facts;
    if (!ids || (entry.uid === undefined && entry.gid === undefined)) {
      return entry;
    }
    const uid = insideId(ids.uids, entry.uid ?? 0);
    const gid = insideId(ids.gids, entry.gid ?? 0);
    const mapped: LayerEntry = { ...entry, uid, gid };
    // As a layer tar's reader gives them: left out when both are 0.
    if (!uid && !gid) {
      delete mapped.uid;
      delete mapped.gid;
    }
    return mapped;
  }
}
