/**
 * Podman's containers-storage (overlay driver), through the Docker-compatible API. Where this
 * process can read the storage's own metadata (root for rootful Podman, the user for rootless),
 * each layer's folder `<root>/overlay/<layer ID>/diff` comes from it (containersStorageMetadata.ts)
 * and the image config from the storage, for the exact history. Elsewhere, or when the metadata
 * does not describe the image, the folders come from image inspect GraphDriver data; where both
 * exist and disagree, the metadata is trusted and the disagreement logged.
 */
import { constants as fsConstants, promises as fs } from 'fs';
import * as path from 'path';
import { ContainerInspect, ImageConfig, ImageInspect } from '../../engine/engineTypes';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { Logger, silentLogger } from '../../logger';
import { containerDirectoriesFromGraphDriver, layerDirectoriesFromGraphDriver, DriverFolder, MappedDirectory, driverFolderOf, strayFolder } from '../graphDriverDirectories';
import { LayerDirectory, LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer } from '../layerStore';
import { locationOfDirectory, openOverlayFolder } from '../openLocation';
import { StorageProfile } from '../storageProfile';
import { ContainersStorageMetadata, ContainersStorageMetadataError, IMAGES_JSON, LAYERS_JSON } from './containersStorageMetadata';

/** Folders from containers-storage's own metadata (layers.json, images.json); folderDetails says which files. */
const METADATA_SOURCE: LayerDirectory['source'] = 'containers-storage metadata';

export class ContainersStorageStore implements LayerStore {
  readonly kind = 'containers-storage';

  /** Where GraphDriver folders must be. */
  private readonly driverFolder: DriverFolder;

  constructor(
    readonly profile: StorageProfile,
    /** The storage's metadata, when this process can read it. */
    private readonly metadata: ContainersStorageMetadata | undefined = undefined,
    private readonly log: Logger = silentLogger,
  ) {
    this.driverFolder = driverFolderOf(profile.dataRoot, profile.driver);
  }

  static async create(profile: StorageProfile, log: Logger): Promise<ContainersStorageStore> {
    const root = profile.dataRoot;
    if (profile.location !== 'local' || !root || !path.isAbsolute(root)) {
      return new ContainersStorageStore(profile, undefined, log);
    }
    // The folders, not the files: a storage without images yet has no images.json, and gets one.
    const unreadable = await firstUnreadable([LAYERS_JSON, IMAGES_JSON].map((name) => path.join(root, path.dirname(name))));
    log.info(unreadable ? `containers-storage metadata not readable by this user (${unreadable}): folders from GraphDriver data` : `containers-storage metadata readable at ${root}`);
    return new ContainersStorageStore(profile, unreadable ? undefined : new ContainersStorageMetadata(root), log);
  }

  async locateLayers(image: ImageInspect, chainIds: readonly string[]): Promise<LocatedLayer[]> {
    const mapped = layerDirectoriesFromGraphDriver(image.GraphDriver, chainIds.length);
    const fromMetadata = await this.fromMetadata(image, chainIds.length);
    if (fromMetadata) {
      this.crossCheck(image.Id, fromMetadata, mapped);
      return fromMetadata.map(({ directory, size }) => ({ location: { kind: 'directory', directory }, ...(size !== undefined ? { size } : {}) }));
    }
    const stray = strayFolder(mapped ?? [], this.driverFolder, image.Id, this.log);
    return chainIds.map((_, index) => ({ location: stray ? { kind: 'unavailable', limitation: stray } : this.fromGraphDriver(mapped?.[index]) }));
  }

  get readsImageConfigs(): boolean {
    return this.metadata !== undefined;
  }

  async imageConfig(imageId: string): Promise<ImageConfig | undefined> {
    return this.metadata?.imageConfig(imageId);
  }

  async locateContainerLayers(inspect: ContainerInspect): Promise<ContainerLayerLocations> {
    const { readWrite, init } = containerDirectoriesFromGraphDriver(inspect.GraphDriver);
    const layer = await this.metadata?.containerLayer(inspect.Id).catch((error: unknown) => {
      if (!(error instanceof ContainersStorageMetadataError)) {
        throw error;
      }
      this.log.warn(`container ${inspect.Id}: ${error.message}; using GraphDriver data`);
      return undefined;
    });
    if (layer) {
      const directory = this.directoryNamed(layer.id);
      if (readWrite && readWrite.diffDir !== directory.diffDir) {
        this.log.warn(`container ${inspect.Id}: containers.json names ${directory.diffDir}, GraphDriver data ${readWrite.diffDir}; using containers.json`);
      }
      // Podman prepares no init layer.
      return { readWrite: { kind: 'directory', directory }, init: undefined };
    }
    const stray = strayFolder([readWrite, init], this.driverFolder, inspect.Id, this.log);
    if (stray) {
      return { readWrite: { kind: 'unavailable', limitation: stray }, init: undefined };
    }
    return { readWrite: readWrite && this.fromGraphDriver(readWrite), init: init && this.fromGraphDriver(init) };
  }

  async folderDetails(location: LayerLocation): Promise<LayerFolderDetails | undefined> {
    if (location.kind !== 'directory') {
      return undefined;
    }
    const description =
      location.directory.source === METADATA_SOURCE
        ? `overlay/<layer ID> of containers-storage, from its metadata: ${IMAGES_JSON} names the image's top layer, ${LAYERS_JSON} each layer's parent and diff-digest (checked against the image's diff IDs)`
        : 'overlay/<layer ID> of containers-storage, from image inspect GraphDriver data';
    return { description, link: null, lower: null };
  }

  /** Opaque folders come from the folder's xattrs (Podman's tar-split, overlay-layers/<ID>.tar-split.gz, is not read). */
  open(location: LayerLocation, root: StoredRoot, signal?: AbortSignal): Promise<LayerFileSystem> {
    return openOverlayFolder(location, root, signal);
  }

  /** Each layer's folder and size from the metadata, bottom first; undefined (logged) where it cannot tell. */
  private async fromMetadata(image: ImageInspect, layerCount: number): Promise<{ directory: LayerDirectory; size: number | undefined }[] | undefined> {
    const diffIds = image.RootFS?.Layers ?? [];
    if (!this.metadata || diffIds.length !== layerCount) {
      return undefined;
    }
    try {
      const chain = await this.metadata.imageLayers(image.Id, diffIds);
      return chain.map((layer) => ({ directory: this.directoryNamed(layer.id), size: layer.diffSize }));
    } catch (error) {
      if (!(error instanceof ContainersStorageMetadataError)) {
        throw error;
      }
      this.log.warn(`${error.message}; using GraphDriver data`);
      return undefined;
    }
  }

  /** Logs where GraphDriver data names other folders than the metadata (which is used). */
  private crossCheck(imageId: string, fromMetadata: readonly { directory: LayerDirectory }[], mapped: readonly MappedDirectory[] | undefined): void {
    if (!mapped) {
      return;
    }
    const differing = fromMetadata.findIndex(({ directory }, index) => mapped[index]?.diffDir !== directory.diffDir);
    if (differing !== -1) {
      this.log.warn(
        `image ${imageId} layer ${differing}: containers-storage metadata names ${fromMetadata[differing].directory.diffDir}, GraphDriver data ${mapped[differing]?.diffDir ?? 'nothing'}; using the metadata`,
      );
    }
  }

  private directoryNamed(layerId: string): LayerDirectory {
    const layerDir = path.posix.join(this.metadata?.root ?? this.profile.dataRoot ?? '', this.profile.driver, layerId);
    return { cacheId: layerId, layerDir, diffDir: path.posix.join(layerDir, 'diff'), source: METADATA_SOURCE };
  }

  private fromGraphDriver(mapped: MappedDirectory | undefined): LayerLocation {
    if (!mapped) {
      return { kind: 'unavailable', limitation: this.profile.limitation ?? { code: 'notReported' } };
    }
    return locationOfDirectory({ ...mapped, source: 'GraphDriver' }, this.profile.limitation);
  }
}

/** The first of the folders this process cannot list and enter, or undefined. */
async function firstUnreadable(folders: readonly string[]): Promise<string | undefined> {
  for (const folder of folders) {
    const ok = await fs.access(folder, fsConstants.R_OK | fsConstants.X_OK).then(
      () => true,
      () => false,
    );
    if (!ok) {
      return folder;
    }
  }
  return undefined;
}
