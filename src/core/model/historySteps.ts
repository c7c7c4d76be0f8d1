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
  // Sure layers: a size, or an instruction that writes files. Either: WORKDIR of size 0, which
  // made a layer only if it had to create its folder. Everything else only changes metadata.
  const sure = steps.filter((step) => stepKind(step) === 'layer');
  const either = steps.filter((step) => stepKind(step) === 'either');
  let chosen: HistoryStep[] | undefined;
  if (sure.length === layerCount) {
    chosen = sure;
  } else if (sure.length + either.length === layerCount) {
    chosen = [...sure, ...either].sort((a, b) => a.position - b.position);
  }
  if (!chosen) {
    return { steps, source: 'unmatched' };
  }
  chosen.forEach((step, index) => {
    step.emptyLayer = false;
    step.layerIndex = index;
  });
  return { steps, source: 'engine history (inferred)' };
}

function stepKind(step: HistoryStep): 'layer' | 'empty' | 'either' {
  if ((step.size ?? 0) > 0) {
    return 'layer';
  }
  if (instructionOf(step.step) === 'WORKDIR') {
    return 'either';
  }
  return isMetadataOnlyStep(step.createdBy) ? 'empty' : 'layer';
}
