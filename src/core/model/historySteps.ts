/**
 * Which history step made which layer. The k-th history entry that is not an `empty_layer`
 * belongs to RootFS.Layers[k]. The flag lives only in the image config; the Engine's
 * /images/{id}/history lacks it, so a mapping from that endpoint is inferred and marked so.
 */
import { ImageConfig, ImageHistoryEntry } from '../engine/engineTypes';
import { describeBuildStep, instructionOf, isMetadataOnlyStep } from './buildStep';

export interface HistoryStep {
  /** Position in the image history, oldest first. */
  position: number;
  created?: string;
  createdBy?: string;
  comment?: string;
  /** The Dockerfile step, without shell noise. */
  step: string;
  emptyLayer: boolean;
  /** Index into RootFS.Layers of the layer this step made. */
  layerIndex?: number;
  /** Bytes, as the Engine's history reports them (absent when read from the config). */
  size?: number;
}

export type HistorySource =
  /** empty_layer flags from the image config: exact. */
  | 'image config'
  /** Engine history, matched to layers by instruction and size: a guess that fitted the layer count. */
  | 'engine history (inferred)'
  /** Nothing fitted the layer count: steps are listed but not tied to layers. */
  | 'unmatched';

export interface LayerHistory {
  steps: HistoryStep[];
  source: HistorySource;
}

export function layerHistoryFromConfig(config: ImageConfig, layerCount: number): LayerHistory {
  const entries = config.history ?? [];
  const steps: HistoryStep[] = entries.map((entry, position) => ({
    position,
    created: entry.created,
    createdBy: entry.created_by,
    comment: entry.comment || undefined,
    step: describeBuildStep(entry.created_by, entry.comment),
    emptyLayer: entry.empty_layer === true,
  }));
  const layerSteps = steps.filter((step) => !step.emptyLayer);
  if (layerSteps.length !== layerCount) {
    return { steps, source: 'unmatched' };
  }
  layerSteps.forEach((step, index) => (step.layerIndex = index));
  return { steps, source: 'image config' };
}

export function layerHistoryFromEngine(history: readonly ImageHistoryEntry[], layerCount: number): LayerHistory {
  const steps: HistoryStep[] = [...history].reverse().map((entry, position) => ({
    position,
    created: entry.Created ? new Date(entry.Created * 1000).toISOString() : undefined,
    createdBy: entry.CreatedBy || undefined,
    comment: entry.Comment || undefined,
    step: describeBuildStep(entry.CreatedBy, entry.Comment),
    emptyLayer: true,
    size: entry.Size,
  }));
  // A step with a size made a layer. A size-0 step that could write files may or may not have:
  // builders mark an empty diff as empty_layer, yet a layer holding only an empty file or a folder
  // also has size 0. Metadata-only steps never make one. Pick the unsure ones the layer count
  // needs, file-writing instructions before WORKDIR; when that choice is still not unique, give up.
  const sure = steps.filter((step) => (step.size ?? 0) > 0);
  const unsure = steps.filter((step) => (step.size ?? 0) === 0 && !isMetadataOnlyStep(step.createdBy, step.step));
  const needed = layerCount - sure.length;
  const writesFiles = unsure.filter((step) => instructionOf(step.step) !== 'WORKDIR');
  const picked = needed === 0 ? [] : needed === unsure.length ? unsure : needed === writesFiles.length ? writesFiles : undefined;
  const chosen = picked && [...sure, ...picked].sort((a, b) => a.position - b.position);
  if (!chosen) {
    return { steps, source: 'unmatched' };
  }
  chosen.forEach((step, index) => {
    step.emptyLayer = false;
    step.layerIndex = index;
  });
  return { steps, source: 'engine history (inferred)' };
}
