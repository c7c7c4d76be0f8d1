/**
 * `docker-layer:` URIs name a file inside a layer, never a host path:
 *   docker-layer://image-<image id hex>-<layer index>/app/hello.txt
 *   docker-layer://container-<container id hex>-rw/etc/hosts         (…-init for the init layer)
 * The query `root=folder` addresses the backend folder that holds the layer (overlay2's cache-id
 * folder: diff/, link, lower, work) instead of the layer's files. Built and read only here.
 */
import * as vscode from 'vscode';
import { LayerRef, LayerRoot } from '../core/layerfs/layerRef';
import { normalizeLayerPath } from '../core/layerfs/layerPath';

export const LAYER_SCHEME = 'docker-layer';

export interface LayerFileRef {
  layer: LayerRef;
  root: LayerRoot;
  /** In-layer path, `/app/hello.txt`. */
  path: string;
}

const IMAGE_AUTHORITY = /^image-([0-9a-f]{64})-(\d{1,5})$/;
const CONTAINER_AUTHORITY = /^container-([0-9a-f]{64})-(rw|init)$/;

export function toLayerUri(ref: LayerFileRef): vscode.Uri {
  const { layer } = ref;
  const authority =
    layer.owner === 'image'
      ? `image-${layer.imageId.replace(/^sha256:/, '')}-${layer.index}`
      : `container-${layer.containerId}-${layer.role === 'read-write' ? 'rw' : 'init'}`;
  return vscode.Uri.from({ scheme: LAYER_SCHEME, authority, path: normalizeLayerPath(ref.path), query: ref.root === 'folder' ? 'root=folder' : '' });
}

/** Throws on anything toLayerUri could not have made: a hand-made URI names nothing else. */
export function fromLayerUri(uri: vscode.Uri): LayerFileRef {
  if (uri.scheme !== LAYER_SCHEME) {
    throw new Error(`not a ${LAYER_SCHEME}: URI: ${uri.toString()}`);
  }
  if (uri.query !== '' && uri.query !== 'root=folder') {
    throw new Error(`unknown query in ${uri.toString()}`);
  }
  const root: LayerRoot = uri.query === 'root=folder' ? 'folder' : 'files';
  const image = IMAGE_AUTHORITY.exec(uri.authority);
  if (image) {
    return { layer: { owner: 'image', imageId: `sha256:${image[1]}`, index: Number(image[2]) }, root, path: normalizeLayerPath(uri.path) };
  }
  const container = CONTAINER_AUTHORITY.exec(uri.authority);
  if (container) {
    return {
      layer: { owner: 'container', containerId: container[1], role: container[2] === 'rw' ? 'read-write' : 'init' },
      root,
      path: normalizeLayerPath(uri.path),
    };
  }
  throw new Error(`${uri.toString()} names no layer`);
}
