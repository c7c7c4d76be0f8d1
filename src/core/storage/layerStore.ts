/**
 * One storage backend: where an image's layers are, the image config when it can be read from
 * disk, and a reader for a layer's files. Chosen once per connection (selectLayerStore.ts); the
 * catalog asks it and never tests a driver name. Backends: overlay2/ (Docker), containersStorage/
 * (Podman), containerd/ (the containerd image store, through containerd's metadata), archive/ (a
 * saved image archive), noFolderStore.ts (vfs, btrfs …).
 */
import { ContainerInspect, ImageConfig, ImageInspect } from '../engine/engineTypes';
import { LayerFileSystem } from '../layerfs/layerFileSystem';
import { StoredRoot } from '../layerfs/layerRef';
import { ImagePlatforms, PlatformChoice } from '../model/platform';
import { LayerLocation } from './layerLocation';
import { StorageProfile } from './storageProfile';

export type LayerStoreKind = 'overlay2' | 'containers-storage' | 'containerd' | 'no-folders' | 'archive';

export interface LocatedLayer {
  location: LayerLocation;
  /** The layer's size as the backend records it (overlay2's layerdb `size`), when it does. */
  size?: number;
}

export interface ContainerLayerLocations {
  /** What the container changed. */
  readWrite: LayerLocation | undefined;
  /** What the Engine prepared for it (/etc/hosts …); Podman has none. */
  init: LayerLocation | undefined;
}

/** Backend facts about a layer's folder, for the layer's Inspect document. */
export interface LayerFolderDetails {
  /** How the folder was found and what was read from it. */
  description: string;
  /** overlay2's short link name (`<layer>/link`). */
  link: string | null;
  /** overlay2's `<layer>/lower`: the folders below, resolved to cache IDs. */
  lower: { link: string; cacheId: string | null }[] | null;
}

/** One platform of a multi-platform image: its config and where its layers are. */
export interface PlatformLayers {
  config: ImageConfig;
  /** One per diff ID of the config, bottom first. */
  located: LocatedLayer[];
}

export interface LayerStore {
  readonly kind: LayerStoreKind;
  readonly profile: StorageProfile;
  /** One location per layer, bottom first (chain IDs as computed from the image's diff IDs). */
  locateLayers(image: ImageInspect, chainIds: readonly string[], signal?: AbortSignal): Promise<LocatedLayer[]>;
  /** The image config with its exact `empty_layer` flags, where the backend can read it from disk. */
  imageConfig(imageId: string, signal?: AbortSignal): Promise<ImageConfig | undefined>;
  /**
   * Whether imageConfig reads configs here (root's data root, a saved archive): a listed image's
   * layers then come without asking the Engine, so nothing is fetched ahead for them.
   */
  readonly readsImageConfigs: boolean;
  locateContainerLayers(inspect: ContainerInspect, signal?: AbortSignal): Promise<ContainerLayerLocations>;
  /** What the backend knows about a layer's folder beyond its path; undefined where it cannot read it. */
  folderDetails(location: LayerLocation): Promise<LayerFolderDetails | undefined>;
  /**
   * The platforms of an image that is an index (containerd's store, a saved OCI archive), where
   * the backend can read them. Backends without it hold one platform per image.
   */
  imagePlatforms?(imageId: string, signal?: AbortSignal): Promise<ImagePlatforms>;
  /** One platform of such an image (a choice imagePlatforms gave), when it is present. */
  platformLayers?(imageId: string, choice: PlatformChoice, signal?: AbortSignal): Promise<PlatformLayers>;
  /** A reader for the layer's files, or for the backend's folder that holds them. */
  open(location: LayerLocation, root: StoredRoot, signal?: AbortSignal): Promise<LayerFileSystem>;
}
