/**
 * The one place the extension and the CLI get images and layers from. Lists are asked for each
 * time they are needed (they change with every pull, tag or run); an image's layers are cached by
 * image ID, since an ID names fixed content, until `invalidate()` (refresh, Engine events, a new
 * endpoint). Inspect, history and layerdb reads for one image run in parallel.
 */
import { EngineClient } from './engine/engineClient';
import { Logger } from './logger';
import { PromiseCache } from './promiseCache';
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

const FULL_IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

export class ImageCatalog {
  private readonly storageAccess = new PromiseCache<StorageAccess>();
  private readonly layersById = new Map<string, Promise<ImageLayers>>();
  /** Bumped by invalidate(), so a load begun before it cannot put its result into the new cache. */
  private generation = 0;

  constructor(
    readonly engine: EngineClient,
    private readonly log: Logger,
  ) {}

  /** Forget everything cached; the next call asks the Engine again. */
  invalidate(): void {
    this.generation++;
    this.layersById.clear();
    this.storageAccess.clear();
  }

  async storage(): Promise<StorageProfile> {
    return (await this.loadStorageAccess()).profile;
  }

  /** Every image (untagged ones included), newest first. */
  async listImages(): Promise<ImageSummary[]> {
    return (await this.engine.listImages()).map(imageSummaryFromList).sort(compareImages);
  }

  /** Every container, running or not, newest first. */
  async listContainers(): Promise<ContainerSummary[]> {
    return (await this.engine.listContainers()).map(containerSummaryFromList).sort((a, b) => b.created - a.created || a.name.localeCompare(b.name));
  }

  /** A container's read-write and init layers (not cached: a container's state changes often). */
  async containerLayers(reference: string): Promise<ContainerLayers> {
    const [inspect, access] = await Promise.all([this.engine.inspectContainer(reference), this.loadStorageAccess()]);
    const { profile } = access;
    const mount = access.layerdbReadable && profile.dataRoot ? await readMountEntry(profile.dataRoot, profile.driver, inspect.Id) : undefined;
    return buildContainerLayers(inspect, profile, mount);
  }

  /** Layers of an image by ID, name[:tag] or short ID; cached only under full IDs (names move). */
  imageLayers(reference: string): Promise<ImageLayers> {
    if (!FULL_IMAGE_ID.test(reference)) {
      return this.loadImageLayers(reference);
    }
    const cached = this.layersById.get(reference);
    if (cached) {
      return cached;
    }
    const loading = this.loadImageLayers(reference);
    const generation = this.generation;
    this.layersById.set(reference, loading);
    loading.catch(() => {
      // Failures are not kept, so a retry asks again; a newer entry is left alone.
      if (generation === this.generation && this.layersById.get(reference) === loading) {
        this.layersById.delete(reference);
      }
    });
    return loading;
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
    return this.storageAccess.get(async () => {
      const info = await this.engine.info();
      const profile = storageProfileOf(info, this.engine.endpoint);
      const layerdbReadable =
        profile.kind === 'overlay2' && profile.location === 'local' && profile.dataRoot !== undefined && (await canReadLayerdb(profile.dataRoot, profile.driver));
      this.log.info(
        `storage: ${profile.kind} (driver ${profile.driver}) at ${profile.dataRoot ?? '?'}, ${profile.location}${profile.rootless ? ', rootless' : ''}` +
          (profile.kind === 'overlay2' ? `; layerdb ${layerdbReadable ? 'readable' : 'not readable by this user'}` : ''),
      );
      return { profile, layerdbReadable };
    });
  }
}
