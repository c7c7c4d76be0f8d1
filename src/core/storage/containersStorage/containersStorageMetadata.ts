/**
 * containers-storage's own metadata (Podman, Buildah), read-only, where this process can read it
 * (root for rootful Podman, the user for rootless): `overlay-layers/layers.json` (each layer's
 * `id`, `parent`, `diff-digest`, `diff-size`), `overlay-images/images.json` (each image's top
 * `layer`) and `overlay-containers/containers.json` (each container's `layer`). Podman's layer IDs
 * are not chain IDs: an image's layers are found by walking from its top layer down the `parent`
 * chain, each checked against the image's diff IDs. The image config is one of the image's "big
 * data" items, `overlay-images/<id>/=<base64 of "sha256:<id>">` (the image ID is its digest).
 * Podman replaces these files by renaming a new one over them, so a read sees a whole file; no
 * lock is taken (a reader that waited on Podman's would hang with it). Never written.
 */
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { digestHex, isFullDigest } from '../../digest';
import { ImageConfig } from '../../engine/engineTypes';

/** A storage of tens of thousands of layers is a few MiB of JSON; anything past this is not read. */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;
/** An image config is kilobytes. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export const LAYERS_JSON = path.join('overlay-layers', 'layers.json');
export const IMAGES_JSON = path.join('overlay-images', 'images.json');
export const CONTAINERS_JSON = path.join('overlay-containers', 'containers.json');

/** Layer and image IDs become folder names under the storage root: nothing else is taken. */
const STORAGE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const IMAGE_ID = /^[0-9a-f]{64}$/;

/** The metadata cannot be used (unreadable, too large, not the expected shape, or not matching the image). One line. */
export class ContainersStorageMetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainersStorageMetadataError';
  }
}

export interface StorageLayer {
  id: string;
  parent: string | undefined;
  /** The digest of the layer's uncompressed tar: the image's diff ID. */
  diffDigest: string | undefined;
  /** The size of that tar (what Podman's image history reports as the layer's size). */
  diffSize: number | undefined;
}

export interface StorageImage {
  id: string;
  /** The image's top layer; none for an image without layers. */
  layer: string | undefined;
}

export interface StorageContainer {
  id: string;
  /** The container's own read-write layer. */
  layer: string;
}

/** Reads a whole file of at most `max` bytes; a larger one is an error, never read. */
export async function readCapped(file: string, max: number, label: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > max) {
      throw new ContainersStorageMetadataError(`${file} is ${size} bytes, over the ${max} read here (${label})`);
    }
    // One byte more than stat said, to notice a file that grew in between.
    const buffer = Buffer.alloc(size + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) {
        break;
      }
      length += bytesRead;
    }
    if (length > size) {
      throw new ContainersStorageMetadataError(`${file} changed while it was read (${label})`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function parseJsonArray(text: string, file: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ContainersStorageMetadataError(`${file} is not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  if (!Array.isArray(parsed)) {
    throw new ContainersStorageMetadataError(`${file} is not a JSON array`);
  }
  return parsed;
}

const record = (value: unknown): Record<string, unknown> | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
const storageId = (value: unknown): string | undefined => (typeof value === 'string' && STORAGE_ID.test(value) ? value : undefined);

/** layers.json → layers by ID. Entries whose ID could not be a folder name are left out. */
export function parseLayersJson(text: string, file = LAYERS_JSON): Map<string, StorageLayer> {
  const layers = new Map<string, StorageLayer>();
  for (const entry of parseJsonArray(text, file).map(record)) {
    const id = storageId(entry?.id);
    if (!entry || !id) {
      continue;
    }
    const digest = entry['diff-digest'];
    const size = entry['diff-size'];
    layers.set(id, {
      id,
      parent: storageId(entry.parent),
      diffDigest: typeof digest === 'string' && isFullDigest(digest) ? digest : undefined,
      diffSize: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
    });
  }
  return layers;
}

/** images.json → images by ID (64 hex digits, no algorithm). */
export function parseImagesJson(text: string, file = IMAGES_JSON): Map<string, StorageImage> {
  const images = new Map<string, StorageImage>();
  for (const entry of parseJsonArray(text, file).map(record)) {
    const id = typeof entry?.id === 'string' && IMAGE_ID.test(entry.id) ? entry.id : undefined;
    if (!entry || !id) {
      continue;
    }
    images.set(id, { id, layer: storageId(entry.layer) });
  }
  return images;
}

/** containers.json → containers by ID. */
export function parseContainersJson(text: string, file = CONTAINERS_JSON): Map<string, StorageContainer> {
  const containers = new Map<string, StorageContainer>();
  for (const entry of parseJsonArray(text, file).map(record)) {
    const id = typeof entry?.id === 'string' && IMAGE_ID.test(entry.id) ? entry.id : undefined;
    const layer = storageId(entry?.layer);
    if (id && layer) {
      containers.set(id, { id, layer });
    }
  }
  return containers;
}

/**
 * An image's layers, bottom first: from its top layer down the `parent` chain, which must have one
 * layer per diff ID, each layer's `diff-digest` equal to the diff ID at its position.
 */
export function layerChainOf(layers: ReadonlyMap<string, StorageLayer>, image: StorageImage, diffIds: readonly string[]): StorageLayer[] {
  const topDown: StorageLayer[] = [];
  for (let id = image.layer; id !== undefined; ) {
    if (topDown.length === diffIds.length) {
      throw new ContainersStorageMetadataError(`image ${image.id}: the layer chain from ${image.layer} is longer than its ${diffIds.length} diff IDs`);
    }
    const layer = layers.get(id);
    if (!layer) {
      throw new ContainersStorageMetadataError(`image ${image.id}: layer ${id} is not in ${LAYERS_JSON}`);
    }
    topDown.push(layer);
    id = layer.parent;
  }
  if (topDown.length !== diffIds.length) {
    throw new ContainersStorageMetadataError(`image ${image.id}: ${topDown.length} layers from ${image.layer ?? 'no top layer'} down, ${diffIds.length} diff IDs`);
  }
  const chain = topDown.reverse();
  chain.forEach((layer, index) => {
    if (layer.diffDigest !== diffIds[index]) {
      throw new ContainersStorageMetadataError(`image ${image.id}: layer ${index} (${layer.id}) has diff-digest ${layer.diffDigest ?? 'none'}, the image's diff ID is ${diffIds[index]}`);
    }
  });
  return chain;
}

/** The big-data file name containers-storage gives a key that is not plain lower-case: `=` + base64. */
export function bigDataFileName(key: string): string {
  return /^[0-9a-z.]*$/.test(key) ? key : `=${Buffer.from(key, 'utf8').toString('base64')}`;
}

interface Parsed<T> {
  /** dev:ino:size:mtime of the file it was parsed from. */
  stamp: string;
  /** Shared by the readers that ask at once (eight images load in parallel): one parse, not eight. */
  value: Promise<T>;
}

/**
 * One storage root's metadata files, each parsed again only when it changed (a new inode, size or
 * time): listing a thousand images reads layers.json once.
 */
export class ContainersStorageMetadata {
  private readonly parsed = new Map<string, Parsed<unknown>>();

  constructor(readonly root: string) {}

  async imageLayers(imageId: string, diffIds: readonly string[]): Promise<StorageLayer[]> {
    const hex = digestHex(imageId);
    const [images, layers] = await Promise.all([this.read(IMAGES_JSON, parseImagesJson), this.read(LAYERS_JSON, parseLayersJson)]);
    const image = images.get(hex);
    if (!image) {
      throw new ContainersStorageMetadataError(`image ${hex} is not in ${path.join(this.root, IMAGES_JSON)}`);
    }
    return layerChainOf(layers, image, diffIds);
  }

  /** The container's read-write layer, or undefined when containers.json does not list it. */
  async containerLayer(containerId: string): Promise<StorageLayer | undefined> {
    const [containers, layers] = await Promise.all([this.read(CONTAINERS_JSON, parseContainersJson), this.read(LAYERS_JSON, parseLayersJson)]);
    const container = containers.get(containerId);
    return container && layers.get(container.layer);
  }

  /**
   * The image config as Podman stored it: its sha256 must be the image ID (what Podman names the
   * image by), else it is not the config. Undefined when absent, too large or not that.
   */
  async imageConfig(imageId: string): Promise<ImageConfig | undefined> {
    const digest = isFullDigest(imageId) ? imageId : `sha256:${imageId}`;
    if (!isFullDigest(digest)) {
      return undefined;
    }
    const name = bigDataFileName(digest);
    if (name.includes('/')) {
      return undefined;
    }
    const file = path.join(this.root, 'overlay-images', digestHex(digest), name);
    let bytes: Buffer;
    try {
      bytes = await readCapped(file, MAX_CONFIG_BYTES, 'an image config');
    } catch {
      return undefined;
    }
    if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) {
      return undefined;
    }
    try {
      const config = JSON.parse(bytes.toString('utf8')) as unknown;
      return record(config) ? (config as ImageConfig) : undefined;
    } catch {
      return undefined;
    }
  }

  private async read<T>(relative: string, parse: (text: string, file: string) => T): Promise<T> {
    const file = path.join(this.root, relative);
    let stamp: string;
    try {
      const stat = await fs.stat(file);
      stamp = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (error) {
      throw new ContainersStorageMetadataError(`${file} not read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const cached = this.parsed.get(relative);
    if (cached?.stamp === stamp) {
      return cached.value as Promise<T>;
    }
    const value = readCapped(file, MAX_METADATA_BYTES, 'containers-storage metadata').then(
      (bytes) => parse(bytes.toString('utf8'), file),
      (error: unknown) => {
        if (error instanceof ContainersStorageMetadataError) {
          throw error;
        }
        throw new ContainersStorageMetadataError(`${file} not read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      },
    );
    const entry: Parsed<T> = { stamp, value };
    this.parsed.set(relative, entry);
    // A failed read is not kept: the next asks again.
    value.catch(() => this.parsed.get(relative) === entry && this.parsed.delete(relative));
    return value;
  }
}
