/**
 * `docker-layer:` URIs name a file inside a layer, never a host path:
 *   docker-layer://image-<image id hex>-<layer index>/app/hello.txt
 *   docker-layer://container-<container id hex>-rw/etc/hosts         (…-init for the init layer)
 * The query says which tree (`root=merged`: the file system as of the layer; `root=folder`: the
 * backend folder that holds the layer, overlay2's cache-id folder) and, for an image in a saved
 * archive, which archive (`archive=<its path, base64url>`). Built and read only here.
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
const ROOTS: readonly LayerRoot[] = ['files', 'merged', 'folder'];

export function toLayerUri(ref: LayerFileRef): vscode.Uri {
  const { layer } = ref;
  const authority =
    layer.owner === 'image'
      ? `image-${layer.imageId.replace(/^sha256:/, '')}-${layer.index}`
      : `container-${layer.containerId}-${layer.role === 'read-write' ? 'rw' : 'init'}`;
  const query = new URLSearchParams();
  if (ref.root !== 'files') {
    query.set('root', ref.root);
  }
  if (layer.owner === 'image' && layer.archive) {
    // base64url: a path may hold anything, and the query must round-trip through URI encoding.
    query.set('archive', Buffer.from(layer.archive, 'utf8').toString('base64url'));
  }
  return vscode.Uri.from({ scheme: LAYER_SCHEME, authority, path: normalizeLayerPath(ref.path), query: query.toString() });
}

/** Throws on anything toLayerUri could not have made: a hand-made URI names nothing else. */
export function fromLayerUri(uri: vscode.Uri): LayerFileRef {
  if (uri.scheme !== LAYER_SCHEME) {
    throw new Error(`not a ${LAYER_SCHEME}: URI: ${uri.toString()}`);
  }
  const query = new URLSearchParams(uri.query);
  const rootParameter = query.get('root') ?? 'files';
  if (![...query.keys()].every((key) => key === 'root' || key === 'archive') || !ROOTS.includes(rootParameter as LayerRoot)) {
    throw new Error(`unknown query in ${uri.toString()}`);
  }
  const root = rootParameter as LayerRoot;
  const encodedArchive = query.get('archive');
  const archive = encodedArchive ? Buffer.from(encodedArchive, 'base64url').toString('utf8') : undefined;
  const image = IMAGE_AUTHORITY.exec(uri.authority);
  if (image) {
    const layer: LayerRef = { owner: 'image', imageId: `sha256:${image[1]}`, index: Number(image[2]), ...(archive ? { archive } : {}) };
    return { layer, root, path: normalizeLayerPath(uri.path) };
  }
  if (archive) {
    throw new Error(`${uri.toString()}: only an image's layers are in an archive`);
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
