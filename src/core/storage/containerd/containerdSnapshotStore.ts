/**
 * Docker's containerd image store. The Engine API names no layer folders here (Docker 29 hides
 * the snapshot paths on purpose), so each layer's folder is read from containerd's own metadata
 * (snapshotFolders.ts), where this process can read it: as root, on the daemon's machine. Which
 * containerd comes from the daemon, never from a guess: Docker's own, under the data root
 * (`containerd/daemon`), unless /info (API 1.46+) names a containerd socket outside Docker's exec
 * root, a system containerd, whose root is `/var/lib/containerd`. Anyone else gets every layer
 * unavailable, with the reason.
 */
import { constants as fsConstants, promises as fs } from 'fs';
import * as path from 'path';
import { digestHex, isFullDigest } from '../../digest';
import { ContainerInspect, ImageConfig } from '../../engine/engineTypes';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { Logger } from '../../logger';
import { Limitation } from '../limitation';
import { LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer } from '../layerStore';
import { openOverlayFolder } from '../openLocation';
import { StorageProfile } from '../storageProfile';
import { BoltFormatError, withBoltDatabase } from './boltReader';
import { SnapshotMetadataError, snapshotFolder } from './snapshotFolders';

const META_DB = path.join('io.containerd.metadata.v1.bolt', 'meta.db');
const SNAPSHOTTER = 'overlayfs';
const SNAPSHOTS_DB = path.join(`io.containerd.snapshotter.v1.${SNAPSHOTTER}`, 'metadata.db');
const SYSTEM_CONTAINERD_ROOT = '/var/lib/containerd';
const CONTENT_BLOBS = path.join('io.containerd.content.v1.content', 'blobs', 'sha256');
/** Manifests and configs are kilobytes; anything near this is not one. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export class ContainerdSnapshotStore implements LayerStore {
  readonly kind = 'containerd';

  private constructor(
    readonly profile: StorageProfile,
    /** The containerd root whose metadata this process can read; undefined when none. */
    private readonly containerdRoot: string | undefined,
    private readonly unreadable: Limitation,
    private readonly log: Logger,
  ) {}

  static async create(profile: StorageProfile, log: Logger): Promise<ContainerdSnapshotStore> {
    const snapshots: Limitation = profile.limitation ?? { code: 'containerdSnapshots' };
    if (profile.location !== 'local') {
      return new ContainerdSnapshotStore(profile, undefined, snapshots, log);
    }
    const systemContainerd = profile.containerd !== undefined && !/\/docker\/containerd\//.test(profile.containerd.address);
    const candidates = systemContainerd ? [SYSTEM_CONTAINERD_ROOT] : profile.dataRoot ? [path.join(profile.dataRoot, 'containerd', 'daemon')] : [];
    for (const root of candidates) {
      const metaDb = path.join(root, META_DB);
      const present = await fs.stat(metaDb).then(
        () => true,
        (error: NodeJS.ErrnoException) => error.code === 'EACCES',
      );
      if (!present) {
        continue;
      }
      if (await readable(metaDb)) {
        log.info(`containerd metadata readable at ${root}: layer folders come from it`);
        return new ContainerdSnapshotStore(profile, root, snapshots, log);
      }
      log.info(`containerd metadata at ${root} is not readable by this user`);
      return new ContainerdSnapshotStore(profile, undefined, { code: 'containerdMetadataUnreadable', file: metaDb }, log);
    }
    // The data root (below which Docker's own containerd lives) may itself be closed to this user;
    // else containerd keeps its metadata somewhere this process does not know of.
    const closed = !systemContainerd && profile.dataRoot !== undefined && (await fs.stat(path.join(profile.dataRoot, 'containerd')).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'EACCES'));
    return new ContainerdSnapshotStore(profile, undefined, closed && candidates[0] ? { code: 'containerdMetadataUnreadable', file: path.join(candidates[0], META_DB) } : snapshots, log);
  }

  async locateLayers(_image: unknown, chainIds: readonly string[]): Promise<LocatedLayer[]> {
    const locations = await this.locateSnapshots(chainIds);
    return locations.map((location, index) => {
      if (location.kind === 'unavailable' && location.limitation.code === 'notReported') {
        this.log.warn(`containerd has no ${SNAPSHOTTER} snapshot for layer ${chainIds[index]}`);
      }
      return { location };
    });
  }

  /**
   * A container's own layers are its active snapshots, which Docker keys by the container's ID
   * (what it changed) and `<ID>-init` (what the Engine prepared for it): their folders are the
   * overlay upper folders, from the same metadata.
   */
  async locateContainerLayers(inspect: ContainerInspect): Promise<ContainerLayerLocations> {
    const [readWrite, init] = await this.locateSnapshots([inspect.Id, `${inspect.Id}-init`]);
    return { readWrite, init: init.kind === 'directory' ? init : undefined };
  }

  /** The folder of each snapshot key (a chain ID, a container ID), both files read once. */
  private async locateSnapshots(keys: readonly string[]): Promise<LayerLocation[]> {
    const root = this.containerdRoot;
    if (!root) {
      return keys.map(() => ({ kind: 'unavailable', limitation: this.unreadable }));
    }
    try {
      // The lookups run inside the reads: a page torn by a commit in progress shows while walking,
      // and then both files are read again, once.
      return await withBoltDatabase(path.join(root, SNAPSHOTS_DB), (snapshots) =>
        withBoltDatabase(path.join(root, META_DB), (meta) =>
          keys.map((key): LayerLocation => {
            const found = snapshotFolder(meta, snapshots, root, key, SNAPSHOTTER, this.profile.containerd?.namespace);
            if (!found) {
              return { kind: 'unavailable', limitation: { code: 'notReported' } };
            }
            return { kind: 'directory', directory: { cacheId: String(found.id), layerDir: path.dirname(found.folder), diffDir: found.folder, source: 'containerd metadata' } };
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof BoltFormatError) && !(error instanceof SnapshotMetadataError)) {
        throw error;
      }
      // As overlay2 does with a layerdb it cannot read: say why, and let the files come from the archive.
      this.log.warn(error.message);
      return keys.map(() => ({ kind: 'unavailable', limitation: this.profile.limitation ?? { code: 'containerdSnapshots' } }));
    }
  }

  /**
   * The image config from containerd's content store, for the exact `empty_layer` flags: the
   * image's ID is its manifest's (or index's) digest; an index gives this machine's platform.
   */
  async imageConfig(imageId: string): Promise<ImageConfig | undefined> {
    const root = this.containerdRoot;
    if (!root || !isFullDigest(imageId)) {
      return undefined;
    }
    const blob = async <T>(digest: unknown): Promise<T | undefined> => {
      if (typeof digest !== 'string' || !isFullDigest(digest)) {
        return undefined;
      }
      const file = path.join(root, CONTENT_BLOBS, digestHex(digest));
      const size = (await fs.stat(file).catch(() => undefined))?.size;
      if (size === undefined || size > MAX_CONFIG_BYTES) {
        return undefined;
      }
      try {
        return JSON.parse(await fs.readFile(file, 'utf8')) as T;
      } catch {
        return undefined;
      }
    };
    type Descriptor = { digest?: unknown; platform?: { os?: string; architecture?: string }; annotations?: Record<string, string> };
    let manifest = await blob<{ config?: Descriptor; manifests?: Descriptor[] }>(imageId);
    if (Array.isArray(manifest?.manifests)) {
      const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
      const mine = manifest.manifests.find((each) => each.platform?.os === 'linux' && each.platform.architecture === arch && each.annotations?.['vnd.docker.reference.type'] === undefined);
      manifest = await blob(mine?.digest);
    }
    return blob<ImageConfig>(manifest?.config?.digest);
  }

  async folderDetails(location: LayerLocation): Promise<LayerFolderDetails | undefined> {
    if (location.kind !== 'directory') {
      return undefined;
    }
    return {
      description: `containerd's metadata: ${META_DB} names the snapshot, ${SNAPSHOTS_DB} its number (${location.directory.cacheId})`,
      link: null,
      lower: null,
    };
  }

  /** A snapshot folder marks opaque folders only with xattrs (a layer unpacked from a tar with `.wh..wh..opq`). */
  open(location: LayerLocation, root: StoredRoot, signal?: AbortSignal): Promise<LayerFileSystem> {
    return openOverlayFolder(location, root, signal);
  }
}

async function readable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.R_OK).then(
    () => true,
    () => false,
  );
}
