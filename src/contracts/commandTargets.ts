/**
 * What the commands act on, independent of where they were invoked: a tree node gives these
 * directly; from the command palette a quick pick produces them.
 */
import { formatBytes, truncate } from '../core/format';
import { shortId } from '../core/digest';
import { imageDisplayName } from '../core/model/image';
import { ImageLayers, Layer, layerStepLabel } from '../core/model/imageLayers';
import { LayerRef } from '../core/layerfs/layerRef';
import { StorageProfile } from '../core/storage/storageProfile';

/** A layer's folder (overlay2's cache-id folder), for Reveal, Terminal and Copy Path. */
export interface LayerFolder {
  /** Workspace-folder and terminal name: `layer 3 · RUN apt-get… · 1a2b3c4d5e6f`. */
  title: string;
  /** The layer whose folder this is, for docker-layer: URIs. */
  ref: LayerRef;
  cacheId: string;
  layerDir: string;
  diffDir: string;
  storage: StorageProfile;
}

export type InspectTarget =
  | { kind: 'image'; id: string; title: string }
  | { kind: 'layer'; imageId: string; index: number; chainId: string; title: string }
  | { kind: 'container'; id: string; title: string };

/** Values the Copy commands offer for a node. */
export interface CopyableIds {
  imageId?: string;
  containerId?: string;
  tags?: string[];
  diffId?: string;
  chainId?: string;
  cacheId?: string;
  path?: string;
}

/** Implemented by tree nodes that stand for something the commands can act on. */
export interface CommandTarget {
  layerFolder?(): LayerFolder | undefined;
  inspectTarget?(): InspectTarget | undefined;
  copyableIds?(): CopyableIds;
}

export function layerFolderOf(image: ImageLayers, layer: Layer): LayerFolder | undefined {
  if (!layer.cacheId || !layer.layerDir || !layer.diffDir) {
    return undefined;
  }
  return {
    title: `layer ${layer.index} · ${truncate(layerStepLabel(layer), 32)} · ${layer.cacheId.slice(0, 12)}`,
    ref: { owner: 'image', imageId: image.image.id, index: layer.index },
    cacheId: layer.cacheId,
    layerDir: layer.layerDir,
    diffDir: layer.diffDir,
    storage: image.storage,
  };
}

export function layerInspectTarget(image: ImageLayers, layer: Layer): InspectTarget {
  return { kind: 'layer', imageId: image.image.id, index: layer.index, chainId: layer.chainId, title: `layer ${layer.index} of ${imageDisplayName(image.image)}` };
}

export function layerCopyableIds(image: ImageLayers, layer: Layer): CopyableIds {
  return {
    imageId: image.image.id,
    tags: image.image.tags,
    diffId: layer.diffId,
    chainId: layer.chainId,
    cacheId: layer.cacheId ?? undefined,
    path: layer.diffDir ?? undefined,
  };
}

/** One line for a layer in a quick pick. */
export function describeLayer(layer: Layer): { label: string; description: string; detail: string } {
  return {
    label: `${layer.index} · ${layerStepLabel(layer)}`,
    description: formatBytes(layer.size),
    detail: layer.cacheId ? `cache ${layer.cacheId}  chain ${shortId(layer.chainId)}` : `chain ${layer.chainId}`,
  };
}
