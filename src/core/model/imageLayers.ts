/**
 * An image's layers with everything known about each: IDs, the step that made it, its size and its
 * folder. Built by a pure function from what the Engine and (when readable) the layerdb said.
 */
import * as path from 'path';
import { ImageInspect } from '../engine/engineTypes';
import { MappedDirectory } from '../storage/graphDriverDirectories';
import { LayerdbEntry } from '../storage/layerdb';
import { StorageProfile } from '../storage/storageProfile';
import { chainIdsOf } from './chainIds';
import { HistorySource, HistoryStep, LayerHistory } from './historySteps';
import { ImageSummary, imageSummaryFromInspect } from './image';

export interface Layer {
  /** Position in RootFS.Layers, 0 = bottom. */
  index: number;
  diffId: string;
  /** Unique per position in the stack; the key of the layer (two layers can share a diff ID). */
  chainId: string;
  parentChainId: string | undefined;
  cacheId: string | null;
  /** overlay2/<cache-id> */
  layerDir: string | null;
  /** overlay2/<cache-id>/diff: exactly the files this layer added or changed. */
  diffDir: string | null;
  /** Where the cache ID came from: the layerdb (root) or image inspect GraphDriver data. */
  cacheIdSource: 'layerdb' | 'GraphDriver' | undefined;
  size: number | null;
  sizeSource: 'layerdb' | 'engine history' | undefined;
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
  /** Why layers have no folder, when they have none. */
  directoryNote: string | undefined;
}

export interface ImageLayersInput {
  inspect: ImageInspect;
  history: LayerHistory;
  storage: StorageProfile;
  /** Entries read from the layerdb, one per layer, when the layerdb is readable. */
  layerdb?: readonly LayerdbEntry[];
  /** Folders from GraphDriver data, one per layer, bottom first. */
  graphDriver?: readonly MappedDirectory[];
}

export function buildImageLayers(input: ImageLayersInput): ImageLayers {
  const { inspect, history, storage } = input;
  const diffIds = inspect.RootFS?.Layers ?? [];
  const chainIds = chainIdsOf(diffIds);
  const stepOfLayer = new Map<number, HistoryStep>();
  for (const step of history.steps) {
    if (step.layerIndex !== undefined) {
      stepOfLayer.set(step.layerIndex, step);
    }
  }
  const layers = diffIds.map((diffId, index): Layer => {
    const fromLayerdb = input.layerdb?.[index];
    const fromGraphDriver = input.graphDriver?.[index];
    const step = stepOfLayer.get(index);
    const cacheId = fromLayerdb?.cacheId ?? fromGraphDriver?.cacheId ?? null;
    const layerDir = cacheId && storage.dataRoot && fromLayerdb ? path.posix.join(storage.dataRoot, storage.driver, cacheId) : (fromGraphDriver?.layerDir ?? null);
    const historySize = step?.size;
    return {
      index,
      diffId,
      chainId: chainIds[index],
      parentChainId: index > 0 ? chainIds[index - 1] : undefined,
      cacheId,
      layerDir,
      diffDir: layerDir ? path.posix.join(layerDir, 'diff') : null,
      cacheIdSource: fromLayerdb ? 'layerdb' : fromGraphDriver ? 'GraphDriver' : undefined,
      size: fromLayerdb?.size ?? historySize ?? null,
      sizeSource: fromLayerdb?.size !== undefined ? 'layerdb' : historySize !== undefined ? 'engine history' : undefined,
      step,
    };
  });
  const missingFolders = layers.some((layer) => layer.cacheId === null);
  return {
    image: imageSummaryFromInspect(inspect),
    layers,
    steps: history.steps,
    historySource: history.source,
    storage,
    directoryNote: missingFolders ? (storage.limitation ?? 'The Engine did not report a folder for every layer of this image.') : undefined,
  };
}

/** The same layers under the image's current names: layers are fixed for an ID, tags move. */
export function withNames(layers: ImageLayers, names: Pick<ImageSummary, 'tags' | 'digests'>): ImageLayers {
  return { ...layers, image: { ...layers.image, tags: names.tags, digests: names.digests } };
}

/** The Dockerfile step that made a layer, or a placeholder when the history could not be matched. */
export function layerStepLabel(layer: Layer): string {
  return layer.step?.step ?? '(step unknown)';
}
