/**
 * `docker-layer:` URIs name a file inside a layer, never a host path:
 *   docker-layer://image-<image id hex>-<layer index>/app/hello.txt
 *   docker-layer://container-<container id hex>-rw/etc/hosts         (…-init for the init layer)
 * The query is a JSON object (VS Code's label formatters read only that form):
 *   root     which tree: `merged` (the file system as of the layer), `folder` (the backend folder
 *            that holds the layer, overlay2's cache-id folder); absent: the layer's own files;
 *   archive  for an image in a saved archive, the archive's path;
 *   in       where the file is, for people: `acc/whiteout:1 · layer 2`. The manifest's label
 *            formatter puts it in tab titles, breadcrumbs and hovers (`new — acc∕whiteout:1 · layer 2`).
 *            Not part of what the URI names.
 * Built and read only here.
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
  /** Where it is, for people: `acc/whiteout:1 · layer 2` (the `in` of the query). */
  where?: string;
}

interface LayerUriQuery {
  root?: LayerRoot;
  archive?: string;
  in?: string;
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
  const query: LayerUriQuery = {};
  if (ref.root !== 'files') {
    query.root = ref.root;
  }
  if (layer.owner === 'image' && layer.archive) {
    query.archive = layer.archive;
  }
  if (ref.where) {
    // VS Code takes the tab title as the label's last `/` segment: a slash in a name must not cut it.
    query.in = ref.where.replace(/\//g, '\u2215');
  }
  return vscode.Uri.from({ scheme: LAYER_SCHEME, authority, path: normalizeLayerPath(ref.path), query: Object.keys(query).length ? JSON.stringify(query) : '' });
}

/** Throws on anything toLayerUri could not have made: a hand-made URI names nothing else. */
export function fromLayerUri(uri: vscode.Uri): LayerFileRef {
  if (uri.scheme !== LAYER_SCHEME) {
    throw new Error(`not a ${LAYER_SCHEME}: URI: ${uri.toString()}`);
  }
  const query = parseQuery(uri);
  const root = query.root ?? 'files';
  const { archive } = query;
  const where = query.in?.replace(/\u2215/g, '/');
  const image = IMAGE_AUTHORITY.exec(uri.authority);
  if (image) {
    const layer: LayerRef = { owner: 'image', imageId: `sha256:${image[1]}`, index: Number(image[2]), ...(archive ? { archive } : {}) };
    return { layer, root, path: normalizeLayerPath(uri.path), ...(where ? { where } : {}) };
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
      ...(where ? { where } : {}),
    };
  }
  throw new Error(`${uri.toString()} names no layer`);
}

/** The JSON query: only the fields toLayerUri writes, each a string. */
function parseQuery(uri: vscode.Uri): LayerUriQuery {
  const unknownQuery = () => new Error(`unknown query in ${uri.toString()}`);
  if (!uri.query) {
    return {};
  }
  let fields: unknown;
  try {
    fields = JSON.parse(uri.query);
  } catch {
    throw unknownQuery();
  }
  const allowed = ['root', 'archive', 'in'];
  if (!fields || typeof fields !== 'object' || Array.isArray(fields) || Object.entries(fields).some(([key, value]) => !allowed.includes(key) || typeof value !== 'string')) {
    throw unknownQuery();
  }
  const query = fields as LayerUriQuery;
  if (query.root !== undefined && !ROOTS.includes(query.root)) {
    throw unknownQuery();
  }
  return query;
}
