/**
 * The one place the extension and the CLI get images, layers and layer files from. Lists are asked
 * for each time they are needed (they change with every pull, tag or run); an image's layers are
 * cached by image ID, since an ID names fixed content, until `invalidate()` (refresh, Engine events,
 * a new endpoint). Where layers are and how to read them is the storage backend's business
 * (storage/layerStore.ts), chosen once from /info.
 */
import { ImageEfficiency, imageEfficiency } from './analysis/efficiency';
import { FileHistory } from './analysis/fileHistory';
import { MergedFileSystem } from './analysis/mergedFileSystem';
import { ArchiveCache, DownloadProgress } from './archive/archiveCache';
import { ArchiveEngine } from './archive/archiveEngine';
import { ImageArchive } from './archive/imageArchive';
import { isFullDigest } from './digest';
import { ProvenanceLines, provenanceLines } from './dockerfile/provenance';
import { EngineApi } from './engine/engineApi';
import { EngineNotFoundError } from './engine/engineErrors';
import { ImageConfig, ImageInspect, ImageListEntry } from './engine/engineTypes';
import { LayerFileSystem } from './layerfs/layerFileSystem';
import { LayerRef, LayerRoot, layerRefKey } from './layerfs/layerRef';
import { Logger } from './logger';
import { PromiseCache } from './promiseCache';
import { chainIdsOf } from './model/chainIds';
import { ContainerLayers, ContainerSummary, containerSummaryFromInspect, containerSummaryFromList } from './model/container';
import { LayerHistory, layerHistoryFromConfig, layerHistoryFromEngine } from './model/historySteps';
import { ImageSummary, compareImages, imageSummaryFromList } from './model/image';
import { ImageLayers, buildImageLayers } from './model/imageLayers';
import { layerDocument } from './model/layerDocument';
import { ImagePlatforms, Platform, PlatformChoice, PlatformNotFoundError, matchPlatform } from './model/platform';
import { Limitation } from './storage/limitation';
import { LayerLocation, reportedDirectory } from './storage/layerLocation';
import { checkFolderAccess } from './storage/folderAccess';
import { OpaqueMarksUnreadableError } from './storage/opaqueXattrs';
import { LayerStore } from './storage/layerStore';
import { selectLayerStore } from './storage/selectLayerStore';
import { StorageProfile } from './storage/storageProfile';
import { compareText } from './model/textOrder';

export interface CatalogOptions {
  /** The storage backend, when it is not the daemon's (a saved archive brings its own). */
  store?: LayerStore;
  /** Where image archives from the Engine are kept, to read layers whose folders cannot be read here. */
  archives?: ArchiveCache;
  /**
   * The platform wanted of every image (the CLI's --platform): a multi-platform image shows it,
   * and an image without it is an error (PlatformNotFoundError). Without it, each image shows
   * its default platform, or the one picked for it (choosePlatform).
   */
  platform?: Platform;
}

export interface OpenOptions {
  signal?: AbortSignal;
  /** Reports the download of the image's archive, when it has to be fetched from the Engine. */
  onProgress?: (progress: DownloadProgress) => void;
}

export class ImageCatalog {
  private readonly store = new PromiseCache<LayerStore>();
  private readonly layersById = new Map<string, Promise<ImageLayers>>();
  private readonly openedLayers = new Map<string, Promise<LayerFileSystem>>();
  private readonly histories = new Map<string, Promise<FileHistory>>();
  private readonly efficiencies = new Map<string, Promise<ImageEfficiency>>();
  /** The histories and figures computed so far, for what must answer at once (a tree item's description). */
  private readonly settledHistories = new Map<string, FileHistory>();
  private readonly settledEfficiencies = new Map<string, ImageEfficiency>();
  /** Provenance lines read from an archive at hand (none found is remembered too), by image ID. */
  private readonly provenances = new Map<string, { lines: ProvenanceLines | undefined }>();
  /** Bumped by invalidate(), so a load begun before it cannot put its result into the new cache. */
  private generation = 0;
  /** The latest list's entries by ID: with the image config on disk, they make inspect and history unneeded. */
  private listed = new Map<string, ImageListEntry>();
  /** The platform picked per image ID (its manifest digest), for the session: invalidate() keeps it. */
  private readonly pickedPlatforms = new Map<string, string>();
  /** The platform shown of each multi-platform image loaded so far, for a tree row's description. */
  private readonly shownPlatforms = new Map<string, Platform>();

  constructor(
    readonly engine: EngineApi,
    private readonly log: Logger,
    private readonly options: CatalogOptions = {},
  ) {
    // Readers of an archive the cache dropped or evicted read a file that is gone: the next read opens anew.
    options.archives?.onDropped(this);
  }

  /** Forget what was read from an image's archive (the cache dropped or evicted it); its layer list stays. */
  forgetImage(imageId: string): void {
    for (const key of [...this.openedLayers.keys()]) {
      // Container layers are keyed by container IDs (no `sha256:`): only this image's layers match.
      if (key.includes(`/${imageId}/`)) {
        this.openedLayers.delete(key);
      }
    }
    this.histories.delete(imageId);
    this.efficiencies.delete(imageId);
    this.settledHistories.delete(imageId);
    this.settledEfficiencies.delete(imageId);
    this.provenances.delete(imageId);
  }

  /**
   * Shows another platform of a multi-platform image (a manifest digest of its index, as
   * ImageLayers.platforms lists them), or its default one (undefined): what was read of the image
   * is forgotten, and its layers, files and figures are those of that platform from now on.
   */
  choosePlatform(imageId: string, choice: PlatformChoice | undefined): void {
    if (choice === undefined) {
      this.pickedPlatforms.delete(imageId);
      this.shownPlatforms.delete(imageId);
    } else {
      this.pickedPlatforms.set(imageId, choice.manifestDigest);
      this.shownPlatforms.set(imageId, choice.platform);
    }
    this.layersById.delete(imageId);
    this.forgetImage(imageId);
  }

  /** The platform shown of a multi-platform image, once its layers were loaded; never loads them. */
  platformShown(imageId: string): Platform | undefined {
    return this.shownPlatforms.get(imageId);
  }

  /** Forget everything cached; the next call asks the Engine again. */
  invalidate(): void {
    this.generation++;
    this.layersById.clear();
    this.openedLayers.clear();
    this.histories.clear();
    this.efficiencies.clear();
    this.settledHistories.clear();
    this.settledEfficiencies.clear();
    this.provenances.clear();
    this.listed.clear();
    this.store.clear();
    this.dropFetchedAhead();
  }

  async storage(signal?: AbortSignal): Promise<StorageProfile> {
    return (await this.layerStore(signal)).profile;
  }

  /** Every image (untagged ones included), newest first. */
  async listImages(signal?: AbortSignal): Promise<ImageSummary[]> {
    const entries = await this.engine.listImages(signal);
    this.listed = new Map(entries.map((entry) => [entry.Id, entry]));
    return entries.map(imageSummaryFromList).sort(compareImages);
  }

  /** Every container, running or not, newest first. */
  async listContainers(signal?: AbortSignal): Promise<ContainerSummary[]> {
    return (await this.engine.listContainers(signal))
      .map(containerSummaryFromList)
      .sort((a, b) => b.created - a.created || compareText(a.name, b.name));
  }

  /** A container's read-write and init layers (not cached: a container's state changes often). */
  async containerLayers(reference: string, signal?: AbortSignal): Promise<ContainerLayers> {
    const [inspect, store] = await Promise.all([this.engine.inspectContainer(reference, signal), this.layerStore(signal)]);
    const { readWrite, init } = await store.locateContainerLayers(inspect, signal);
    return {
      container: containerSummaryFromInspect(inspect),
      readWrite: (readWrite && reportedDirectory(readWrite)) ?? null,
      init: (init && reportedDirectory(init)) ?? null,
      storage: store.profile,
    };
  }

  /** Layers of an image by ID, name[:tag] or short ID; cached only under full IDs (names move). */
  imageLayers(reference: string, signal?: AbortSignal): Promise<ImageLayers> {
    if (!isFullDigest(reference)) {
      return this.loadImageLayers(reference, signal);
    }
    return this.cached(this.layersById, reference, () => this.loadImageLayers(reference, signal));
  }

  /**
   * Before loading many listed images at once: has the Engine answer the inspect and history of
   * each now, back to back (EngineApi.fetchImagesAhead). Not where the backend reads image configs
   * (root's fast path asks the Engine nothing for a listed image).
   */
  async fetchAhead(imageIds: readonly string[], signal?: AbortSignal): Promise<void> {
    if (!this.engine.fetchImagesAhead || imageIds.length === 0) {
      return;
    }
    const store = await this.layerStore(signal);
    if (store.readsImageConfigs) {
      return;
    }
    await this.engine.fetchImagesAhead(imageIds, signal);
  }

  /** Drops Engine answers fetched ahead and not taken (a listing that ended early): they would go stale. */
  dropFetchedAhead(): void {
    void this.engine.fetchImagesAhead?.([]);
  }

  /**
   * Layers of an image, loaded and not kept: for a listing that reads each image once (`ls` of every
   * image), whose thousand results would otherwise stay in memory, and be copied by every young
   * garbage collection, until the run ends.
   */
  imageLayersUncached(reference: string, signal?: AbortSignal): Promise<ImageLayers> {
    return this.loadImageLayers(reference, signal);
  }

  /**
   * A reader for a layer's files (`files`) or for the backend folder that holds them (`folder`).
   * Rejects with EngineNotFoundError when the image, container or layer is gone, and with
   * LayerUnavailableError (storage/openLocation.ts) when its files cannot be read from here.
   */
  openLayer(ref: LayerRef, root: LayerRoot, options: OpenOptions = {}): Promise<LayerFileSystem> {
    return this.cached(this.openedLayers, layerRefKey(ref, root), async () => {
      if (root === 'merged') {
        if (ref.owner !== 'image') {
          throw new Error('a container layer has no merged view here: its image has');
        }
        return this.mergedLayer(ref.imageId, ref.index, options);
      }
      const [store, location] = await Promise.all([this.layerStore(options.signal), this.locate(ref, options.signal)]);
      // An image layer whose folder this process cannot read (or that has none here) is read from
      // the image's archive instead; a container's own layers exist only as folders.
      if (ref.owner === 'image' && root === 'files' && this.options.archives && !(await this.readableHere(location, store))) {
        return this.archiveLayer(ref.imageId, ref.index, options);
      }
      try {
        return await store.open(location, root, options.signal);
      } catch (error) {
        // A folder whose opaque marks cannot be read would show lower files its layer hid.
        if (error instanceof OpaqueMarksUnreadableError && ref.owner === 'image' && root === 'files' && this.options.archives) {
          this.log.warn(`${error.message}; layer ${ref.index} of ${ref.imageId} is read from the image archive instead`);
          return this.archiveLayer(ref.imageId, ref.index, options);
        }
        throw error;
      }
    });
  }

  /** Every path of an image through its layers: per-layer changes, the merged view. Built once per image ID. */
  fileHistory(imageId: string, options: OpenOptions = {}): Promise<FileHistory> {
    return this.cached(this.histories, imageId, async () => {
      const image = await this.imageLayers(imageId, options.signal);
      const layers = await Promise.all(image.layers.map((layer) => this.openLayer({ owner: 'image', imageId: image.image.id, index: layer.index }, 'files', options)));
      const history = await FileHistory.build(layers, options.signal);
      this.settledHistories.set(image.image.id, history);
      return history;
    });
  }

  /** The image's file history if it was built already; never starts a build. */
  builtFileHistory(imageId: string): FileHistory | undefined {
    return this.settledHistories.get(imageId);
  }

  /** dive's figures if computed already; never starts the work. */
  computedEfficiency(imageId: string): ImageEfficiency | undefined {
    return this.settledEfficiencies.get(imageId);
  }

  /**
   * Whether every layer's files can be read without downloading anything: from folders readable
   * here, a saved archive, or an image archive already in the cache. What a hover may compute.
   */
  async filesAtHand(imageId: string, signal?: AbortSignal): Promise<boolean> {
    const [image, store] = await Promise.all([this.imageLayers(imageId, signal), this.layerStore(signal)]);
    const readable = await Promise.all(image.layers.map((layer) => this.readableHere(layer.location, store)));
    return readable.every(Boolean) || ((await this.options.archives?.has(image.image.id)) ?? false);
  }

  /** dive's figures for the image (analysis/efficiency.ts). Computed once per image ID. */
  imageEfficiency(imageId: string, options: OpenOptions = {}): Promise<ImageEfficiency> {
    return this.cached(this.efficiencies, imageId, async () => {
      const image = await this.imageLayers(imageId, options.signal);
      const layers = await Promise.all(image.layers.map((layer) => this.openLayer({ owner: 'image', imageId: image.image.id, index: layer.index }, 'files', options)));
      const figures = await imageEfficiency(layers, options.signal);
      this.settledEfficiencies.set(image.image.id, figures);
      return figures;
    });
  }

  /** The image's whole file system as of its top layer (an image with no layers: an empty one). */
  async mergedImage(imageId: string, options: OpenOptions = {}): Promise<MergedFileSystem> {
    const image = await this.imageLayers(imageId, options.signal);
    return this.merged(image, image.layers.length - 1, options);
  }

  /** The image's whole file system as of one layer, whiteouts applied. */
  async mergedLayer(imageId: string, index: number, options: OpenOptions = {}): Promise<MergedFileSystem> {
    const image = await this.imageLayers(imageId, options.signal);
    if (!image.layers[index]) {
      throw new EngineNotFoundError(imageId, `image ${imageId} has no layer ${index}`);
    }
    return this.merged(image, index, options);
  }

  private async merged(image: ImageLayers, upTo: number, options: OpenOptions): Promise<MergedFileSystem> {
    const [history, layers] = await Promise.all([
      this.fileHistory(image.image.id, options),
      Promise.all(image.layers.map((layer) => this.openLayer({ owner: 'image', imageId: image.image.id, index: layer.index }, 'files', options))),
    ]);
    return new MergedFileSystem(history, layers, upTo);
  }

  private async readableHere(location: LayerLocation, store: LayerStore): Promise<boolean> {
    if (location.kind === 'archive') {
      return true;
    }
    return location.kind === 'directory' && (await checkFolderAccess(location.directory.diffDir, store.profile)).ok;
  }

  private async archiveLayer(imageId: string, index: number, options: OpenOptions): Promise<LayerFileSystem> {
    const image = await this.imageLayers(imageId, options.signal);
    const archive = await this.options.archives!.imageArchive(this.engine, image.image.id, { ...options, expectedBytes: image.image.size });
    // The containerd store names images by manifest digest, the archive by config digest: match by
    // layers, the other platforms of a multi-platform image included (the Engine saves every one it has).
    const diffIds = image.layers.map((layer) => layer.diffId);
    const candidates = archive.images.flatMap((each) => [each, ...(each.platforms ?? []).flatMap((platform) => (platform.image ? [platform.image] : []))]);
    const inArchive = candidates.find((candidate) => candidate.diffIds.length === diffIds.length && candidate.diffIds.every((diffId, at) => diffId === diffIds[at]));
    if (!inArchive) {
      throw new Error(`the Engine's archive of ${image.image.id} does not hold its layers`);
    }
    return archive.layer(inArchive, index, options.signal);
  }

  /**
   * The Dockerfile lines BuildKit provenance gives each layer (dockerfile/provenance.ts), when
   * the image's archive is at hand (a saved archive, or the Engine's already downloaded: a lens
   * never starts a download) and holds a provenance statement; else undefined.
   */
  async provenance(imageId: string, signal?: AbortSignal): Promise<ProvenanceLines | undefined> {
    const image = await this.imageLayers(imageId, signal);
    const known = this.provenances.get(image.image.id);
    if (known) {
      return known.lines;
    }
    let archive: ImageArchive | undefined;
    if (this.engine instanceof ArchiveEngine) {
      archive = this.engine.archive;
    } else if (this.options.archives && (await this.options.archives.has(image.image.id))) {
      archive = await this.options.archives.imageArchive(this.engine, image.image.id, { signal });
    }
    if (!archive) {
      return undefined; // Maybe later, once the archive is here: nothing cached.
    }
    // The image by its ID; the containerd store names images by manifest digest, the archive by config digest: then by layers.
    const diffIds = image.layers.map((layer) => layer.diffId);
    const inArchive =
      archive.images.find((candidate) => candidate.id === image.image.id) ??
      archive.images.find((candidate) => candidate.diffIds.length === diffIds.length && candidate.diffIds.every((diffId, at) => diffId === diffIds[at]));
    let lines: ProvenanceLines | undefined;
    for (const attestation of inArchive?.attestations ?? []) {
      if (!lines && attestation.predicateType.startsWith('https://slsa.dev/provenance/')) {
        lines = provenanceLines(await archive.attestation(attestation.entry), image.layers.length);
      }
    }
    // Read once per image: a statement can be megabytes, and lenses ask on every edit.
    this.provenances.set(image.image.id, { lines });
    return lines;
  }

  /** The Inspect document of an image's layer, with what the backend reads from its folder. */
  async layerDocument(imageId: string, index: number, describe: (limitation: Limitation) => string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const [image, store] = await Promise.all([this.imageLayers(imageId, signal), this.layerStore(signal)]);
    const layer = image.layers[index];
    const details = layer ? await store.folderDetails(layer.location) : undefined;
    return layerDocument(image, index, details, describe);
  }

  private async locate(ref: LayerRef, signal: AbortSignal | undefined): Promise<LayerLocation> {
    if (ref.owner === 'image') {
      const layer = (await this.imageLayers(ref.imageId, signal)).layers[ref.index];
      if (!layer) {
        throw new EngineNotFoundError(ref.imageId, `image ${ref.imageId} has no layer ${ref.index}`);
      }
      return layer.location;
    }
    const [inspect, store] = await Promise.all([this.engine.inspectContainer(ref.containerId, signal), this.layerStore(signal)]);
    const locations = await store.locateContainerLayers(inspect, signal);
    const location = ref.role === 'read-write' ? locations.readWrite : locations.init;
    if (!location) {
      throw new EngineNotFoundError(ref.containerId, `container ${ref.containerId} has no ${ref.role} layer`);
    }
    return location;
  }

  private async loadImageLayers(reference: string, signal: AbortSignal | undefined): Promise<ImageLayers> {
    const entry = this.listed.get(reference);
    if (!entry) {
      // The backend (from /info, on first use) is found while the Engine answers.
      const loading = this.layerStore(signal);
      const [shown, store] = await Promise.all([this.loadFromEngine(loading, reference, undefined, signal), loading]);
      return this.onPlatform(store, shown, reference, signal);
    }
    // An image just listed, by ID: its config is read once, for the disk's way and, failing that, the Engine's.
    const store = await this.layerStore(signal);
    const config = store.readsImageConfigs ? await store.imageConfig(reference, signal) : undefined;
    const fromDisk = config ? await this.loadFromDisk(store, entry, config, signal) : undefined;
    return this.onPlatform(store, fromDisk ?? (await this.loadFromEngine(store, reference, { config }, signal)), reference, signal);
  }

  /**
   * The layers of the platform wanted (--platform) or picked (choosePlatform), where the image is
   * an index the backend can read; else those the Engine shows, with what is known of the others.
   */
  private async onPlatform(store: LayerStore, shown: ImageLayers, reference: string, signal: AbortSignal | undefined): Promise<ImageLayers> {
    const platforms: ImagePlatforms = store.imagePlatforms ? await store.imagePlatforms(shown.image.id, signal) : { kind: 'single' };
    const wanted = this.options.platform;
    if (platforms.kind !== 'index') {
      const limitation = platforms.kind === 'unknown' ? platforms.limitation : undefined;
      if (wanted && !(shown.platform && matchPlatform(wanted, [{ platform: shown.platform }]))) {
        throw new PlatformNotFoundError(reference, wanted, shown.platform ? [shown.platform] : [], [], limitation);
      }
      return limitation ? { ...shown, platformsLimitation: limitation } : shown;
    }
    const { choices } = platforms;
    const present = choices.filter((choice) => choice.present);
    const byDefault = shown.platform ? matchPlatform(shown.platform, present) : undefined;
    let choice: PlatformChoice | undefined;
    if (wanted) {
      choice = matchPlatform(wanted, choices);
      if (!choice?.present) {
        const absent = choices.filter((each) => !each.present).map((each) => each.platform);
        throw new PlatformNotFoundError(reference, wanted, present.map((each) => each.platform), absent);
      }
    } else {
      const picked = this.pickedPlatforms.get(shown.image.id);
      choice = present.find((each) => each.manifestDigest === picked) ?? byDefault;
    }
    const displayed = choice && store.platformLayers ? choice.platform : shown.platform;
    if (choices.length > 1 && displayed) {
      this.shownPlatforms.set(shown.image.id, displayed);
    }
    if (!choice || choice === byDefault || !store.platformLayers) {
      return { ...shown, platforms: { choices, shown: byDefault?.manifestDigest } };
    }
    const { config, located } = await store.platformLayers(shown.image.id, choice, signal);
    const diffIds = config.rootfs?.diff_ids ?? [];
    const inspect = inspectFromConfig(shown.image, config, diffIds, choice.platform);
    const history = layerHistoryFromConfig(config, diffIds.length);
    return buildImageLayers({ inspect, history, storage: store.profile, located, platforms: { choices, shown: choice.manifestDigest } });
  }

  /** `known`: the image config already read for `reference` (an image ID), if any. */
  private async loadFromEngine(
    storeOrLoading: LayerStore | Promise<LayerStore>,
    reference: string,
    known: { config: ImageConfig | undefined } | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ImageLayers> {
    const [inspect, engineHistory, store] = await Promise.all([this.engine.inspectImage(reference, signal), this.engine.imageHistory(reference, signal), storeOrLoading]);
    const diffIds = inspect.RootFS?.Layers ?? [];
    const chainIds = chainIdsOf(diffIds);
    const [config, located] = await Promise.all([
      known && inspect.Id === reference ? known.config : store.imageConfig(inspect.Id, signal),
      store.locateLayers(inspect, chainIds, signal),
    ]);
    let history: LayerHistory | undefined = config ? layerHistoryFromConfig(config, diffIds.length) : undefined;
    if (!history || history.source === 'unmatched') {
      history = layerHistoryFromEngine(engineHistory, diffIds.length);
    }
    return buildImageLayers({ inspect, history, storage: store.profile, located, chainIds });
  }

  /**
   * Root's fast path: an image just listed, whose config and layerdb this process can read, needs no
   * Engine request at all. The list gives its names, size and age; the config on disk its diff IDs
   * and exact history; the layerdb its folders. Undefined (ask the Engine) when any of it is missing.
   */
  private async loadFromDisk(store: LayerStore, entry: ImageListEntry, config: ImageConfig, signal: AbortSignal | undefined): Promise<ImageLayers | undefined> {
    const diffIds = config.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || !diffIds.every(isFullDigest)) {
      return undefined;
    }
    const history = layerHistoryFromConfig(config, diffIds.length);
    if (history.source === 'unmatched') {
      return undefined;
    }
    const inspect = inspectFromConfig({ id: entry.Id, tags: entry.RepoTags ?? [], digests: entry.RepoDigests ?? [], created: entry.Created, size: entry.Size }, config, diffIds, {
      os: config.os ?? '',
      architecture: config.architecture ?? '',
    });
    const chainIds = chainIdsOf(diffIds);
    const located = await store.locateLayers(inspect, chainIds, signal);
    // A layer the layerdb did not give would need GraphDriver data, which only inspect has.
    if (located.some(({ location }) => location.kind !== 'directory')) {
      return undefined;
    }
    return buildImageLayers({ inspect, history, storage: store.profile, located, chainIds });
  }

  private layerStore(signal: AbortSignal | undefined): Promise<LayerStore> {
    const { store } = this.options;
    return this.store.get(async () => store ?? selectLayerStore(await this.engine.info(signal), this.engine.endpoint, this.log));
  }

  /** Caches a load under a key; failures are not kept, so a retry asks again; a newer entry is left alone. */
  private cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const existing = cache.get(key);
    if (existing) {
      return existing;
    }
    const loading = load();
    const generation = this.generation;
    cache.set(key, loading);
    loading.catch(() => {
      if (generation === this.generation && cache.get(key) === loading) {
        cache.delete(key);
      }
    });
    return loading;
  }
}

/**
 * What image inspect would say, from what is already at hand: the list's names, size and age, and
 * the image config (its diff IDs, creation time) of the platform shown.
 */
function inspectFromConfig(
  names: { id: string; tags: readonly string[]; digests: readonly string[]; created: number; size: number },
  config: ImageConfig,
  diffIds: string[],
  platform: Platform,
): ImageInspect {
  return {
    Id: names.id,
    RepoTags: [...names.tags],
    RepoDigests: [...names.digests],
    Created: config.created ?? new Date(names.created * 1000).toISOString(),
    Size: names.size,
    Os: platform.os,
    Architecture: platform.architecture,
    ...(platform.variant ? { Variant: platform.variant } : {}),
    RootFS: { Type: 'layers', Layers: diffIds },
  };
}
