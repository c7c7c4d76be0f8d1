/**
 * Docker's containerd image store. The Engine API names no layer folders here (Docker 29 hides
 * the snapshot paths on purpose), so each layer's folder is read from containerd's own metadata
 * (snapshotFolders.ts), where this process can read it: as root, on the daemon's machine. Which
 * containerd comes from the daemon, never from a guess: Docker's own, under the data root
 * (`containerd/daemon`), unless /info (API 1.46+) names a containerd socket outside Docker's exec
 * root, a system containerd, whose root is `/var/lib/containerd`. Anyone else gets every layer
 * unavailable, with the reason. An image that is an index (several platforms) shows this machine's
 * platform by default; the others are read from the content store (imagePlatforms, platformLayers).
 */
import { constants as fsConstants, promises as fs } from 'fs';
import * as path from 'path';
import { digestHex, isFullDigest } from '../../digest';
import { EngineEndpoint } from '../../engine/engineEndpoint';
import { ContainerInspect, ImageConfig } from '../../engine/engineTypes';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { Logger } from '../../logger';
import { chainIdsOf } from '../../model/chainIds';
import { platformManifests } from '../../model/imageIndex';
import { ImagePlatforms, PlatformChoice, formatPlatform, hostPlatform, matchPlatform } from '../../model/platform';
import { Limitation } from '../limitation';
import { LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer, PlatformLayers } from '../layerStore';
import { openOverlayFolder } from '../openLocation';
import { StorageProfile } from '../storageProfile';
import { BoltFormatError, withBoltDatabase } from './boltReader';
import { SnapshotMetadataError, snapshotFolder } from './snapshotFolders';

const META_DB = path.join('io.containerd.metadata.v1.bolt', 'meta.db');
const SNAPSHOTTER = 'overlayfs';
const SNAPSHOTS_DB = path.join(`io.containerd.snapshotter.v1.${SNAPSHOTTER}`, 'metadata.db');
const SYSTEM_CONTAINERD_ROOT = '/var/lib/containerd';
const CONTENT_STORE = 'io.containerd.content.v1.content';
const CONTENT_BLOBS = path.join(CONTENT_STORE, 'blobs', 'sha256');
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
    /** Why an image's other platforms cannot be listed, where the content store cannot be read. */
    private readonly platformsLimitation: Limitation = { code: 'platformsUnlisted' },
  ) {}

  static async create(profile: StorageProfile, log: Logger, endpoint?: EngineEndpoint): Promise<ContainerdSnapshotStore> {
    const snapshots: Limitation = profile.limitation ?? { code: 'containerdSnapshots' };
    if (profile.location !== 'local') {
      return new ContainerdSnapshotStore(profile, undefined, snapshots, log, { code: 'platformsUnlisted', ...(endpoint ? { host: endpoint.host } : {}) });
    }
    // /info (API 1.46+) names the containerd socket: Docker's own lives in its exec root
    // (<exec root>/containerd/containerd.sock, /var/run/docker/… by default), a system one elsewhere.
    // A daemon started with another --exec-root looks like a system one by that path alone, so the
    // other root is tried second: the first whose meta.db exists is the one.
    const systemContainerd = profile.containerd !== undefined && !/\/docker\/containerd\//.test(profile.containerd.address);
    const managedRoot = profile.dataRoot ? [path.join(profile.dataRoot, 'containerd', 'daemon')] : [];
    const candidates = systemContainerd ? [SYSTEM_CONTAINERD_ROOT, ...managedRoot] : [...managedRoot, ...(profile.containerd ? [SYSTEM_CONTAINERD_ROOT] : [])];
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
      return new ContainerdSnapshotStore(profile, undefined, { code: 'containerdMetadataUnreadable', file: metaDb }, log, { code: 'platformsUnlisted', contentStore: path.join(root, CONTENT_STORE) });
    }
    // The data root (below which Docker's own containerd lives) may itself be closed to this user;
    // else containerd keeps its metadata somewhere this process does not know of.
    const closed = !systemContainerd && profile.dataRoot !== undefined && (await fs.stat(path.join(profile.dataRoot, 'containerd')).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'EACCES'));
    const contentStore = candidates[0] ? path.join(candidates[0], CONTENT_STORE) : undefined;
    return new ContainerdSnapshotStore(
      profile,
      undefined,
      closed && candidates[0] ? { code: 'containerdMetadataUnreadable', file: path.join(candidates[0], META_DB) } : snapshots,
      log,
      { code: 'platformsUnlisted', ...(closed && contentStore ? { contentStore } : {}) },
    );
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

  get readsImageConfigs(): boolean {
    return this.containerdRoot !== undefined;
  }

  /**
   * The image config from containerd's content store, for the exact `empty_layer` flags: the
   * image's ID is its manifest's (or index's) digest; an index gives this machine's platform, as
   * the Engine on it picks by default.
   */
  async imageConfig(imageId: string): Promise<ImageConfig | undefined> {
    const top = await this.blob(imageId);
    const manifests = platformManifests(top);
    if (!manifests) {
      return this.blob<ImageConfig>(manifestOf(top)?.configDigest);
    }
    const present = await Promise.all(manifests.map(async (manifest) => ({ ...manifest, config: await this.platformConfig(manifest.digest) })));
    return matchPlatform(hostPlatform(), present.filter((each) => each.config !== undefined))?.config;
  }

  /**
   * An index's platforms from the content store: each present when its manifest and config are
   * there (a pull of one platform leaves the others' out). Where the store cannot be read, only
   * the Engine's default platform can be shown, and the limitation says why.
   */
  async imagePlatforms(imageId: string): Promise<ImagePlatforms> {
    if (!this.containerdRoot) {
      return { kind: 'unknown', limitation: this.platformsLimitation };
    }
    const manifests = platformManifests(await this.blob(imageId));
    if (!manifests) {
      return { kind: 'single' };
    }
    const choices = await Promise.all(
      manifests.map(async ({ platform, digest }): Promise<PlatformChoice> => ({ platform, manifestDigest: digest, present: (await this.platformConfig(digest)) !== undefined })),
    );
    return { kind: 'index', choices };
  }

  /**
   * One platform's config and layers: each layer's snapshot folder where containerd unpacked it;
   * else unavailable (not unpacked), and the catalog reads its files from the image archive.
   */
  async platformLayers(_imageId: string, choice: PlatformChoice): Promise<PlatformLayers> {
    const config = await this.platformConfig(choice.manifestDigest);
    const diffIds = config?.rootfs?.diff_ids;
    if (!config || !Array.isArray(diffIds) || !diffIds.every((diffId) => typeof diffId === 'string' && isFullDigest(diffId))) {
      throw new Error(`containerd's content store has no usable config for ${formatPlatform(choice.platform)} (manifest ${choice.manifestDigest})`);
    }
    const platform = formatPlatform(choice.platform);
    const locations = await this.locateSnapshots(chainIdsOf(diffIds));
    return {
      config,
      located: locations.map((location) => ({
        location: location.kind === 'unavailable' && location.limitation.code === 'notReported' ? { kind: 'unavailable', limitation: { code: 'platformNotUnpacked', platform } } : location,
      })),
    };
  }

  /** A platform's image config, by its manifest's digest; undefined when either is not here. */
  private async platformConfig(manifestDigest: string): Promise<ImageConfig | undefined> {
    return this.blob<ImageConfig>(manifestOf(await this.blob(manifestDigest))?.configDigest);
  }

  /** A JSON blob of the content store (manifests, indexes, configs), parsed; undefined when absent, unreadable or too large. */
  private async blob<T = unknown>(digest: unknown): Promise<T | undefined> {
    const root = this.containerdRoot;
    if (!root || typeof digest !== 'string' || !isFullDigest(digest)) {
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

/** An image manifest's config digest; undefined for anything else. */
function manifestOf(json: unknown): { configDigest: unknown } | undefined {
  const config = (json as { config?: { digest?: unknown } } | undefined)?.config;
  return typeof config === 'object' && config !== null ? { configDigest: config.digest } : undefined;
}

async function readable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.R_OK).then(
    () => true,
    () => false,
  );
}
