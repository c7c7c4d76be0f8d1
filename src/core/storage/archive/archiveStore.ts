/**
 * The backend of a saved image archive: every layer is a tar in it, read by offset through the
 * archive's index; the image config (with its exact empty_layer flags) comes from the archive.
 */
import { EngineNotFoundError } from '../../engine/engineErrors';
import { ImageConfig, ImageInspect } from '../../engine/engineTypes';
import { ImageArchive } from '../../archive/imageArchive';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer } from '../layerStore';
import { openLocation } from '../openLocation';
import { StorageProfile } from '../storageProfile';

export class ArchiveStore implements LayerStore {
  readonly kind = 'archive';
  readonly profile: StorageProfile = { kind: 'archive', driver: 'archive', dataRoot: undefined, location: 'local', rootless: false, limitation: undefined };

  constructor(private readonly archive: ImageArchive) {}

  async locateLayers(image: ImageInspect, _chainIds: readonly string[], signal?: AbortSignal): Promise<LocatedLayer[]> {
    const found = this.image(image.Id);
    // Indexing a layer gives its size as its tar counts it; the index is kept for reading it.
    return Promise.all(
      found.layerEntries.map(async (entry): Promise<LocatedLayer> => ({
        location: { kind: 'archive', archive: this.archive.source, entry },
        size: (await this.archive.layerAt(entry, signal)).index.tarContentBytes,
      })),
    );
  }

  async imageConfig(imageId: string): Promise<ImageConfig | undefined> {
    return this.image(imageId).config;
  }

  async locateContainerLayers(): Promise<ContainerLayerLocations> {
    return { readWrite: undefined, init: undefined };
  }

  async folderDetails(): Promise<LayerFolderDetails | undefined> {
    return undefined;
  }

  async open(location: LayerLocation, root: StoredRoot, signal?: AbortSignal): Promise<LayerFileSystem> {
    if (location.kind === 'archive' && root === 'files') {
      return this.archive.layerAt(location.entry, signal);
    }
    return openLocation(location, root);
  }

  private image(imageId: string) {
    const image = this.archive.images.find((candidate) => candidate.id === imageId);
    if (!image) {
      throw new EngineNotFoundError(imageId, `No such image in ${this.archive.source}: ${imageId}`);
    }
    return image;
  }
}
