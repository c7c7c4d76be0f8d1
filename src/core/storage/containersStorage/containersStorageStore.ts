/**
 * Podman's containers-storage (overlay driver), through the Docker-compatible API: folders come
 * from GraphDriver data (`<root>/overlay/<layer id>/diff`). Podman's layer IDs are not chain IDs,
 * and the image configs are not kept where Docker keeps them, so the history is the Engine's.
 */
import { ContainerInspect, ImageConfig, ImageInspect } from '../../engine/engineTypes';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { containerDirectoriesFromGraphDriver, layerDirectoriesFromGraphDriver, MappedDirectory, outsideDriverFolder } from '../graphDriverDirectories';
import { LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer } from '../layerStore';
import { locationOfDirectory, openOverlayFolder } from '../openLocation';
import { StorageProfile } from '../storageProfile';

export class ContainersStorageStore implements LayerStore {
  readonly kind = 'containers-storage';

  constructor(readonly profile: StorageProfile) {}

  async locateLayers(image: ImageInspect, chainIds: readonly string[]): Promise<LocatedLayer[]> {
    const mapped = layerDirectoriesFromGraphDriver(image.GraphDriver, chainIds.length);
    const stray = outsideDriverFolder(mapped ?? [], this.profile.dataRoot, this.profile.driver);
    return chainIds.map((_, index) => ({ location: stray ? { kind: 'unavailable', limitation: stray } : this.fromGraphDriver(mapped?.[index]) }));
  }

  async imageConfig(): Promise<ImageConfig | undefined> {
    return undefined;
  }

  async locateContainerLayers(inspect: ContainerInspect): Promise<ContainerLayerLocations> {
    const { readWrite, init } = containerDirectoriesFromGraphDriver(inspect.GraphDriver);
    const stray = outsideDriverFolder([readWrite, init], this.profile.dataRoot, this.profile.driver);
    if (stray) {
      return { readWrite: { kind: 'unavailable', limitation: stray }, init: undefined };
    }
    return { readWrite: readWrite && this.fromGraphDriver(readWrite), init: init && this.fromGraphDriver(init) };
  }

  async folderDetails(location: LayerLocation): Promise<LayerFolderDetails | undefined> {
    return location.kind === 'directory'
      ? { description: 'overlay/<layer ID> of containers-storage, from image inspect GraphDriver data', link: null, lower: null }
      : undefined;
  }

  /** Podman keeps no tar-split where this reads: opaque folders come from the folder's xattrs. */
  open(location: LayerLocation, root: StoredRoot, signal?: AbortSignal): Promise<LayerFileSystem> {
    return openOverlayFolder(location, root, signal);
  }

  private fromGraphDriver(mapped: MappedDirectory | undefined): LayerLocation {
    if (!mapped) {
      return { kind: 'unavailable', limitation: this.profile.limitation ?? { code: 'notReported' } };
    }
    return locationOfDirectory({ ...mapped, source: 'GraphDriver' }, this.profile.limitation);
  }
}
