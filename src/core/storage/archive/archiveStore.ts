/**
 * The backend of a saved image archive: every layer is a tar in it, read by offset through the
 * archive's index; the image config (with its exact empty_layer flags) comes from the archive.
 */
import { EngineNotFoundError } from '../../engine/engineErrors';
import { ImageConfig, ImageInspect } from '../../engine/engineTypes';
import { ArchiveImage, ImageArchive } from '../../archive/imageArchive';
import { ImagePlatforms, PlatformChoice, formatPlatform } from '../../model/platform';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer, PlatformLayers } from '../layerStore';
import { openLocation } from '../openLocation';
import { StorageProfile } from '../storageProfile';

export class ArchiveStore implements LayerStore {
  readonly kind = 'archive';
  readonly profile: StorageProfile = { kind: 'archive', driver: 'archive', dataRoot: undefined, location: 'local', rootless: false, limitation: undefined };

  constructor(private readonly archive: ImageArchive) {}

  async locateLayers(image: ImageInspect, _chainIds: readonly string[], signal?: AbortSignal): Promise<LocatedLayer[]> {
    return this.locate(this.image(image.Id), signal);
  }

  /** A multi-platform image's platforms, as the archive's index names them (imageArchive.ts). */
  async imagePlatforms(imageId: string): Promise<ImagePlatforms> {
    const { platforms } = this.image(imageId);
    return platforms ? { kind: 'index', choices: platforms.map(({ platform, manifestDigest, present }) => ({ platform, manifestDigest, present })) } : { kind: 'single' };
  }

  async platformLayers(imageId: string, choice: PlatformChoice, signal?: AbortSignal): Promise<PlatformLayers> {
    const image = this.image(imageId).platforms?.find((each) => each.manifestDigest === choice.manifestDigest)?.image;
    if (!image) {
      throw new EngineNotFoundError(imageId, `${this.archive.source} does not hold the ${formatPlatform(choice.platform)} image of ${imageId}`);
    }
    return { config: image.config, located: await this.locate(image, signal) };
  }

  /** Indexing a layer gives its size as its tar counts it; the index is kept for reading it. */
  private locate(image: ArchiveImage, signal: AbortSignal | undefined): Promise<LocatedLayer[]> {
    return Promise.all(
      image.layerEntries.map(async (entry): Promise<LocatedLayer> => ({
        location: { kind: 'archive', archive: this.archive.source, entry },
        size: (await this.archive.layerAt(entry, signal)).index.tarContentBytes,
      })),
    );
  }

  readonly readsImageConfigs = true;

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

  private image(imageId: string): ArchiveImage {
    const image = this.archive.images.find((candidate) => candidate.id === imageId);
    if (!image) {
      throw new EngineNotFoundError(imageId, `No such image in ${this.archive.source}: ${imageId}`);
    }
    return image;
  }
}
