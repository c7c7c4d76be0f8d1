/**
 * Names a layer independently of where its files are: an image's layer by image ID and position
 * (an image ID names fixed content), or a container's own layer. The extension's `docker-layer:`
 * URIs carry one (src/contracts/layerUri.ts); the catalog opens it.
 */
export type ContainerLayerRole = 'read-write' | 'init';

export type LayerRef =
  /** `archive`: the saved archive (its path) the image is in, when it is not the daemon's. */
  | { owner: 'image'; imageId: string; index: number; archive?: string }
  | { owner: 'container'; containerId: string; role: ContainerLayerRole };

/**
 * Which tree of the layer: its `files` (what the layer added, changed or deleted), the `merged`
 * file system as of the layer (layers 0..N, whiteouts applied), or the backend's `folder` that
 * holds its files (overlay2's cache-id folder: diff/, link, lower, work).
 */
export type LayerRoot = 'files' | 'merged' | 'folder';

/** The trees a storage backend opens itself; the merged view is built over its layers. */
export type StoredRoot = Exclude<LayerRoot, 'merged'>;

export function layerRefKey(ref: LayerRef, root: LayerRoot): string {
  return ref.owner === 'image' ? `image/${ref.archive ?? ''}/${ref.imageId}/${ref.index}/${root}` : `container/${ref.containerId}/${ref.role}/${root}`;
}
