/**
 * Names a layer independently of where its files are: an image's layer by image ID and position
 * (an image ID names fixed content), or a container's own layer. The extension's `docker-layer:`
 * URIs carry one (src/contracts/layerUri.ts); the catalog opens it.
 */
export type ContainerLayerRole = 'read-write' | 'init';

export type LayerRef =
  | { owner: 'image'; imageId: string; index: number }
  | { owner: 'container'; containerId: string; role: ContainerLayerRole };

/**
 * Which tree of the layer: its `files` (what the layer added, changed or deleted) or the backend's
 * `folder` that holds them (overlay2's cache-id folder: diff/, link, lower, work).
 */
export type LayerRoot = 'files' | 'folder';

export function layerRefKey(ref: LayerRef, root: LayerRoot): string {
  return ref.owner === 'image' ? `image/${ref.imageId}/${ref.index}/${root}` : `container/${ref.containerId}/${ref.role}/${root}`;
}
