/**
 * Docker's layer database under the data root, readable by root (or the rootless user):
 * image/<driver>/layerdb/sha256/<chain hex>/{cache-id,diff,parent,size} and the image configs in
 * image/<driver>/imagedb/content/sha256/<image hex>. Read only; never written.
 */
import { promises as fs, readFileSync } from 'fs';
import * as path from 'path';
import { ImageConfig } from '../../engine/engineTypes';
import { digestHex, isFullDigest } from '../../digest';

/** overlay2 folder names: 64 hex digits, `-init` for a container's init layer. */
const FOLDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const CONTAINER_ID = /^[0-9a-f]{64}$/;

export interface LayerdbEntry {
  chainId: string;
  cacheId: string;
  size: number | undefined;
}

export function layerdbDir(dataRoot: string, driver: string): string {
  return path.join(dataRoot, 'image', driver, 'layerdb');
}

/** Whether this process can list the layerdb (false for a non-root user on a rootful daemon). */
export async function canReadLayerdb(dataRoot: string, driver: string): Promise<boolean> {
  try {
    await fs.readdir(path.join(layerdbDir(dataRoot, driver), 'sha256'));
    return true;
  } catch {
    return false;
  }
}

export async function readLayerdbEntry(dataRoot: string, driver: string, chainId: string): Promise<LayerdbEntry> {
  // IDs become part of a path: only full digests do (the algorithm prefix may be left off).
  if (!isFullDigest(chainId) && !isFullDigest(`sha256:${chainId}`)) {
    throw new Error(`not a chain ID: ${JSON.stringify(chainId.slice(0, 80))}`);
  }
  const dir = path.join(layerdbDir(dataRoot, driver), 'sha256', digestHex(chainId));
  // Only what is used: diff and parent are the chain's own inputs, already known from the image.
  const [cacheId, size] = await Promise.all(['cache-id', 'size'].map((name) => readOptionalText(path.join(dir, name))));
  if (!cacheId) {
    throw new Error(`layerdb has no cache-id for chain ${chainId} (${dir})`);
  }
  // It becomes part of a path: never let it step out of the driver folder.
  if (!FOLDER_NAME.test(cacheId.trim())) {
    throw new Error(`layerdb cache-id for chain ${chainId} is not a folder name: ${JSON.stringify(cacheId.slice(0, 80))}`);
  }
  const parsedSize = size === undefined ? undefined : Number(size);
  return {
    chainId,
    cacheId: cacheId.trim(),
    size: parsedSize !== undefined && Number.isFinite(parsedSize) ? parsedSize : undefined,
  };
}

/** The layer tar's headers as Docker keeps them (tar-split.json.gz); may be absent. */
export function tarSplitFile(dataRoot: string, driver: string, chainId: string): string {
  return path.join(layerdbDir(dataRoot, driver), 'sha256', digestHex(chainId), 'tar-split.json.gz');
}

export interface MountEntry {
  containerId: string;
  /** overlay2 folder of the container's read-write layer. */
  mountId: string;
  /** overlay2 folder of its init layer (`<mount-id>-init`), when it has one. */
  initId: string | undefined;
  /** Chain ID of the image's top layer. */
  parentChainId: string | undefined;
}

/** layerdb/mounts/<container id>/{mount-id,init-id,parent}; undefined when absent or unreadable. */
export async function readMountEntry(dataRoot: string, driver: string, containerId: string): Promise<MountEntry | undefined> {
  if (!CONTAINER_ID.test(containerId)) {
    return undefined;
  }
  const dir = path.join(layerdbDir(dataRoot, driver), 'mounts', containerId);
  const [mountId, initId, parent] = await Promise.all(['mount-id', 'init-id', 'parent'].map((name) => readOptionalText(path.join(dir, name))));
  if (!mountId?.trim() || !FOLDER_NAME.test(mountId.trim()) || (initId?.trim() && !FOLDER_NAME.test(initId.trim()))) {
    return undefined;
  }
  return { containerId, mountId: mountId.trim(), initId: initId?.trim() || undefined, parentChainId: parent?.trim() || undefined };
}

/** The image config with its exact `empty_layer` flags, or undefined when it cannot be read. */
export async function readImageConfig(dataRoot: string, driver: string, imageId: string): Promise<ImageConfig | undefined> {
  if (!isFullDigest(imageId)) {
    return undefined;
  }
  const text = await readOptionalText(path.join(dataRoot, 'image', driver, 'imagedb', 'content', 'sha256', digestHex(imageId)));
  if (text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text) as ImageConfig;
  } catch {
    return undefined;
  }
}

/**
 * A small file of Docker's own (a cache-id, a size, an image config), read synchronously: with
 * fs.promises each costs an open, a stat, a read and a close through the thread pool, which made
 * the full tree of 1,000 images take 3× the Engine requests (docs/benchmarks.md). These are a few
 * bytes to a few kilobytes on the local disk: a read takes microseconds and blocks no longer.
 */
async function readOptionalText(file: string): Promise<string | undefined> {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
      return undefined;
    }
    throw error;
  }
}
