/**
 * The one place the extension and the CLI get images and layers from. Requests what each view needs
 * once, in parallel, and caches it until `invalidate()` (called on Engine events and on refresh).
 */
import { EngineClient } from './engine/engineClient';
import { Logger } from './logger';
import { ImageSummary, compareImages, imageSummaryFromList } from './model/image';
import { ImageLayers, buildImageLayers } from './model/imageLayers';
import { LayerHistory, layerHistoryFromConfig, layerHistoryFromEngine } from './model/historySteps';
import { chainIdsOf } from './model/chainIds';
import { layerDirectoriesFromGraphDriver } from './storage/graphDriverDirectories';
import { LayerdbEntry, canReadLayerdb, readImageConfig, readLayerdbEntry, readMountEntry } from './storage/layerdb';
import { ContainerLayers, ContainerSummary, buildContainerLayers, containerSummaryFromList } from './model/container';
import { StorageProfile, storageProfileOf } from './storage/storageProfile';

interface StorageAccess {
  profile: StorageProfile;
  /** True when this process can read the layerdb itself (root, or the rootless daemon's user). */
  layerdbReadable: boolean;
}

export class ImageCatalog {
  private storageAccess: Promise<StorageAccess> | undefined;
  private images: Promise<ImageSummary[]> | undefined;
  private readonly layersById = new Map<string, Promise<ImageLayers>>();
  private containers: Promise<ContainerSummary[]> | undefined;

  constructor(
    readonly engine: EngineClient,
    private readonly log: Logger,
  ) {}

  /** Forget everything cached; the next call asks the Engine again. */
  invalidate(): void {
    this.images = undefined;
    this.layersById.clear();
    this.containers = undefined;
    this.storageAccess = undefined;
  }

  async storage(): Promise<StorageProfile> {
    return (await this.loadStorageAccess()).profile;
  }

  listImages(): Promise<ImageSummary[]> {
    this.images ??= this.engine.listImages().then((entries) => entries.map(imageSummaryFromList).sort(compareImages));
    return forgetOnFailure(this.images, () => (this.images = undefined));
  }

  /** Every container, running or not, newest first. */
  listContainers(): Promise<ContainerSummary[]> {
    this.containers ??= this.engine
      .listContainers()
      .then((entries) => entries.map(containerSummaryFromList).sort((a, b) => b.created - a.created || a.name.localeCompare(b.name)));
    return forgetOnFailure(this.containers, () => (this.containers = undefined));
  }

  /** A container's read-write and init layers (not cached: a container's state changes often). */
  async containerLayers(reference: string): Promise<ContainerLayers> {
    const [inspect, access] = await Promise.all([this.engine.inspectContainer(reference), this.loadStorageAccess()]);
    const { profile } = access;
    const mount = access.layerdbReadable && profile.dataRoot ? await readMountEntry(profile.dataRoot, profile.driver, inspect.Id) : undefined;
    return buildContainerLayers(inspect, profile, mount);
  }

  /** Layers of an image by ID, name[:tag] or short ID. */
  async imageLayers(reference: string): Promise<ImageLayers> {
    const cached = this.layersById.get(reference);
    if (cached) {
      return cached;
    }
    const loading = this.loadImageLayers(reference);
    this.layersById.set(reference, loading);
    const layers = await forgetOnFailure(loading, () => this.layersById.delete(reference));
    this.layersById.set(layers.image.id, loading);
    return layers;
  }

  private async loadImageLayers(reference: string): Promise<ImageLayers> {
    const [inspect, engineHistory, access] = await Promise.all([
      this.engine.inspectImage(reference),
      this.engine.imageHistory(reference),
      this.loadStorageAccess(),
    ]);
    const { profile } = access;
    const diffIds = inspect.RootFS?.Layers ?? [];
    const layerCount = diffIds.length;
    let layerdb: LayerdbEntry[] | undefined;
    let history: LayerHistory | undefined;
    if (access.layerdbReadable && profile.dataRoot) {
      const dataRoot = profile.dataRoot;
      const [config, entries] = await Promise.all([
        readImageConfig(dataRoot, profile.driver, inspect.Id),
        Promise.all(chainIdsOf(diffIds).map((chainId) => readLayerdbEntry(dataRoot, profile.driver, chainId))).catch((error: Error) => {
          this.log.warn(`layerdb of ${inspect.Id} not read, using GraphDriver data: ${error.message}`);
          return undefined;
        }),
      ]);
      layerdb = entries;
      if (config) {
        history = layerHistoryFromConfig(config, layerCount);
      }
    }
    if (!history || history.source === 'unmatched') {
      history = layerHistoryFromEngine(engineHistory, layerCount);
    }
    return buildImageLayers({
      inspect,
      history,
      storage: profile,
      layerdb,
      graphDriver: layerDirectoriesFromGraphDriver(inspect.GraphDriver, layerCount),
    });
  }

  private loadStorageAccess(): Promise<StorageAccess> {
    this.storageAccess ??= (async () => {
      const info = await this.engine.info();
      const profile = storageProfileOf(info, this.engine.endpoint);
      const layerdbReadable =
        profile.kind === 'overlay2' && profile.location === 'local' && profile.dataRoot !== undefined && (await canReadLayerdb(profile.dataRoot, profile.driver));
      this.log.info(
        `storage: ${profile.kind} (driver ${profile.driver}) at ${profile.dataRoot ?? '?'}, ${profile.location}${profile.rootless ? ', rootless' : ''}; layerdb ${layerdbReadable ? 'readable' : 'not readable by this user'}`,
      );
      return { profile, layerdbReadable };
    })();
    return forgetOnFailure(this.storageAccess, () => (this.storageAccess = undefined));
  }
}

/** Failed loads are not cached, so a retry asks again. */
async function forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    forget();
    throw error;
  }
}
