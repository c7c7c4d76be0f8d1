/**
 * An image's layers with everything known about each: IDs, the step that made it, its size and its
 * folder. Built by a pure function from what the Engine said and where the storage backend found each layer.
 */
import { ImageInspect } from '../engine/engineTypes';
import { Limitation } from '../storage/limitation';
import { LayerLocation, reportedDirectory } from '../storage/layerLocation';
import { LocatedLayer } from '../storage/layerStore';
import { StorageProfile } from '../storage/storageProfile';
import { chainIdsOf } from './chainIds';
import { HistorySource, HistoryStep, LayerHistory } from './historySteps';
import { ImageSummary, imageSummaryFromInspect } from './image';
import { Platform, PlatformChoice, platformOf } from './platform';

export interface Layer {
  /** Position in RootFS.Layers, 0 = bottom. */
  index: number;
  diffId: string;
  /** Unique per position in the stack; the key of the layer (two layers can share a diff ID). */
  chainId: string;
  parentChainId: string | undefined;
  /** Where the layer's files are, as the storage backend found them. */
  location: LayerLocation;
  /** The folder's name (overlay2's cache ID), when the daemon reported a folder, here or on its own host. */
  cacheId: string | null;
  /** overlay2/<cache-id> */
  layerDir: string | null;
  /** overlay2/<cache-id>/diff: exactly the files this layer added or changed. */
  diffDir: string | null;
  /** Where the cache ID came from: the layerdb (root) or image inspect GraphDriver data. */
  cacheIdSource: 'layerdb' | 'GraphDriver' | 'containerd metadata' | 'containers-storage metadata' | undefined;
  size: number | null;
  sizeSource: 'layerdb' | 'containers-storage metadata' | 'engine history' | undefined;
  /** The history step that made this layer, when the mapping is known. */
  step: HistoryStep | undefined;
}

export interface ImageLayers {
  image: ImageSummary;
  layers: Layer[];
  /** Every history step, oldest first, metadata-only ones included. */
  steps: HistoryStep[];
  historySource: HistorySource;
  storage: StorageProfile;
  /** Why layers have no folder, when some have none. */
  folderLimitation: Limitation | undefined;
  /** The platform these layers are of, where known (its config's, or the Engine's). */
  platform: Platform | undefined;
  /** For an image index (several platforms): every platform it names, and the manifest of the one shown. */
  platforms?: ImagePlatformList;
  /** Why the image's other platforms, if any, cannot be listed here (the containerd store read without root …). */
  platformsLimitation?: Limitation;
}

export interface ImagePlatformList {
  choices: PlatformChoice[];
  /** The manifest digest of the platform shown; undefined when the one shown is none of the index's. */
  shown: string | undefined;
}

export interface ImageLayersInput {
  inspect: ImageInspect;
  history: LayerHistory;
  storage: StorageProfile;
  /** One per layer, bottom first, from the storage backend. */
  located: readonly LocatedLayer[];
  /** For one platform of an image index: the index's platforms. */
  platforms?: ImagePlatformList;
  /** The chain IDs of RootFS.Layers, when the caller has them already (computed here otherwise). */
  chainIds?: readonly string[];
}

export function buildImageLayers(input: ImageLayersInput): ImageLayers {
  const { inspect, history, storage } = input;
  const diffIds = inspect.RootFS?.Layers ?? [];
  const chainIds = input.chainIds ?? chainIdsOf(diffIds);
  const stepOfLayer = new Map<number, HistoryStep>();
  for (const step of history.steps) {
    if (step.layerIndex !== undefined) {
      stepOfLayer.set(step.layerIndex, step);
    }
  }
  const layers = diffIds.map((diffId, index): Layer => {
    const located = input.located[index] ?? { location: { kind: 'unavailable', limitation: storage.limitation ?? { code: 'notReported' } } };
    const directory = reportedDirectory(located.location);
    const step = stepOfLayer.get(index);
    const historySize = step?.size;
    return {
      index,
      diffId,
      chainId: chainIds[index],
      parentChainId: index > 0 ? chainIds[index - 1] : undefined,
      location: located.location,
      cacheId: directory?.cacheId ?? null,
      layerDir: directory?.layerDir ?? null,
      diffDir: directory?.diffDir ?? null,
      cacheIdSource: directory?.source,
      size: located.size ?? historySize ?? null,
      sizeSource: located.size !== undefined ? (directory?.source === 'containers-storage metadata' ? 'containers-storage metadata' : 'layerdb') : historySize !== undefined ? 'engine history' : undefined,
      step,
    };
  });
  const withoutFolder = layers.find((layer) => layer.cacheId === null);
  return {
    image: imageSummaryFromInspect(inspect),
    layers,
    steps: history.steps,
    historySource: history.source,
    storage,
    folderLimitation: withoutFolder?.location.kind === 'unavailable' ? withoutFolder.location.limitation : undefined,
    platform: platformOf(inspect.Os, inspect.Architecture, inspect.Variant),
    ...(input.platforms ? { platforms: input.platforms } : {}),
  };
}

/** Whether the image is an index of more than one platform: the tree shows which one, and offers the others. */
export function hasSeveralPlatforms(layers: Pick<ImageLayers, 'platforms'>): boolean {
  return (layers.platforms?.choices.length ?? 0) > 1;
}

/** The same layers under the image's current names: layers are fixed for an ID, tags move. */
export function withNames(layers: ImageLayers, names: Pick<ImageSummary, 'tags' | 'digests'>): ImageLayers {
  return { ...layers, image: { ...layers.image, tags: names.tags, digests: names.digests } };
}

/** The Dockerfile step that made a layer, or a placeholder when the history could not be matched. */
export function layerStepLabel(layer: Layer): string {
  return layer.step?.step ?? '(step unknown)';
}
