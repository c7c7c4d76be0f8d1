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
import { LayerEntryKind } from '../core/layerfs/layerFileSystem';
import * as vscode from 'vscode';
import { toLayerUri } from './layerUri';

/** A layer's folder (overlay2's cache-id folder), for Reveal, Terminal and Copy Path. */
export interface LayerFolder {
  /** Workspace-folder and terminal name: `layer 3 · RUN apt-get… · 1a2b3c4d5e6f`. */
  title: string;
  /** The layer whose folder this is, for docker-layer: URIs. */
  ref: LayerRef;
  /** Whose layer it is, for tab titles and breadcrumbs: `acc/app:1 · layer 3`, `web · read-write layer`. */
  where: string;
  cacheId: string;
  layerDir: string;
  diffDir: string;
  storage: StorageProfile;
}

/** `archive`: the saved archive (its path) the image is in, when it is not the daemon's. */
export type InspectTarget =
  | { kind: 'image'; id: string; title: string; archive?: string }
  | { kind: 'layer'; imageId: string; index: number; chainId: string; title: string; archive?: string }
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

/** A file or folder inside a layer, for Copy Path in Image, Copy Host Path, Open to the Side, Save a Copy As. */
export interface LayerEntryTarget {
  /** Its docker-layer: URI (read-only, served by the layer file system provider). */
  uri: vscode.Uri;
  /** In-layer path: `/app/hello.txt`. */
  path: string;
  name: string;
  kind: LayerEntryKind;
  /** Where it is on this machine, when it is in a readable folder (not in an archive). */
  hostPath: string | undefined;
  storage: StorageProfile;
}

/** An image the analysis commands act on: the daemon's, or one in a saved archive the user opened. */
export interface ImageRef {
  imageId: string;
  /** `acc/app:1`, or the short ID of an untagged image. */
  name: string;
  archive?: string;
}

/** One layer of an image, for the commands on its files. */
export interface ImageLayerTarget {
  image: ImageRef;
  index: number;
}

/** Implemented by tree nodes that stand for something the commands can act on. */
export interface CommandTarget {
  imageRef?(): ImageRef | undefined;
  layerTarget?(): ImageLayerTarget | undefined;
  layerFolder?(): LayerFolder | undefined;
  layerEntry?(): LayerEntryTarget;
  /** The path of a saved image archive shown in the view. */
  archiveTarget?(): string;
  inspectTarget?(): InspectTarget | undefined;
  copyableIds?(): CopyableIds;
}

/** Names an image's layer for docker-layer: URIs and the catalog; an archive's layer says which archive. */
export function layerRefOf(image: ImageLayers, layer: Layer): LayerRef {
  return { owner: 'image', imageId: image.image.id, index: layer.index, ...(layer.location.kind === 'archive' ? { archive: layer.location.archive } : {}) };
}

/** `acc/app:1 · layer 3` (an untagged image by its short ID): what tab titles and breadcrumbs name. */
export function imageLayerWhere(image: ImageLayers, layer: Layer): string {
  const name = image.image.tags.length ? imageDisplayName(image.image) : shortId(image.image.id);
  return vscode.l10n.t('{0} · layer {1}', name, layer.index);
}

export function imageRefOf(image: ImageLayers, archive: string | undefined): ImageRef {
  return { imageId: image.image.id, name: image.image.tags.length ? imageDisplayName(image.image) : shortId(image.image.id), ...(archive ? { archive } : {}) };
}

/** The docker-layer: URI of a path in an image's merged file system as of a layer, titled by where it is. */
export function mergedFileUri(image: ImageRef, index: number, path: string): vscode.Uri {
  const layer: LayerRef = { owner: 'image', imageId: image.imageId, index, ...(image.archive ? { archive: image.archive } : {}) };
  return toLayerUri({ layer, root: 'merged', path, where: vscode.l10n.t('{0} · layer {1} · merged', image.name, index) });
}

/** The catalog-side layer reference of an image ref's layer. */
export function layerRefOfImage(image: ImageRef, index: number): LayerRef {
  return { owner: 'image', imageId: image.imageId, index, ...(image.archive ? { archive: image.archive } : {}) };
}

export function layerFolderOf(image: ImageLayers, layer: Layer): LayerFolder | undefined {
  if (!layer.cacheId || !layer.layerDir || !layer.diffDir) {
    return undefined;
  }
  return {
    title: `layer ${layer.index} · ${truncate(layerStepLabel(layer), 32)} · ${layer.cacheId.slice(0, 12)}`,
    ref: layerRefOf(image, layer),
    where: imageLayerWhere(image, layer),
    cacheId: layer.cacheId,
    layerDir: layer.layerDir,
    diffDir: layer.diffDir,
    storage: image.storage,
  };
}

export function layerInspectTarget(image: ImageLayers, layer: Layer): InspectTarget {
  const archive = layer.location.kind === 'archive' ? layer.location.archive : undefined;
  return { kind: 'layer', imageId: image.image.id, index: layer.index, chainId: layer.chainId, title: `layer ${layer.index} of ${imageDisplayName(image.image)}`, ...(archive ? { archive } : {}) };
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
