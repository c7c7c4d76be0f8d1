/**
 * Which folder holds a layer in containerd's image store, read from containerd's own metadata
 * (read-only, bolt files unlocked: boltReader.ts):
 *   1. containerd's meta.db: v1 → <namespace> → snapshots → <snapshotter> → <chain ID>, key `name`:
 *      the snapshotter's key for the committed layer;
 *   2. the snapshotter's metadata.db: v1 → snapshots → <key>, field `id` (a uvarint) = N;
 *   3. the folder is <containerd root>/io.containerd.snapshotter.v1.<snapshotter>/snapshots/<N>/fs.
 * Docker's namespace is `moby`. meta.db keeps its schema version at v1/version.
 */
import * as path from 'path';
import { BoltDatabase } from './boltReader';

export const DOCKER_NAMESPACE = 'moby';
/** containerd 1.x and 2.x write schema versions up to this; a newer one may mean a layout this reader does not know. */
const KNOWN_SCHEMA = 7;

export interface SnapshotFolder {
  /** The snapshotter's key (`moby/12/sha256:…`). */
  key: string;
  /** The snapshot's number: its folder's name. */
  id: number;
  /** `<containerd root>/io.containerd.snapshotter.v1.overlayfs/snapshots/<id>/fs`. */
  folder: string;
}

export class SnapshotMetadataError extends Error {}

/** meta.db's schema version (v1/version), or undefined when it has none. */
export function metadataSchema(meta: BoltDatabase): number | undefined {
  const value = meta.bucketAt('v1')?.get('version');
  return value ? readUvarint(value)?.value : undefined;
}

/** The folder of a committed layer, by chain ID; undefined when containerd has no such snapshot. */
export function snapshotFolder(meta: BoltDatabase, snapshots: BoltDatabase, containerdRoot: string, chainId: string, snapshotter = 'overlayfs', namespace = DOCKER_NAMESPACE): SnapshotFolder | undefined {
  const schema = metadataSchema(meta);
  if (schema === undefined || schema > KNOWN_SCHEMA) {
    throw new SnapshotMetadataError(`${meta.file} has schema version ${schema ?? '(none)'}, not one this reader knows (1–${KNOWN_SCHEMA})`);
  }
  const name = meta.bucketAt('v1', namespace, 'snapshots', snapshotter, chainId)?.get('name');
  if (!name) {
    return undefined;
  }
  const key = name.toString('utf8');
  const idValue = snapshots.bucketAt('v1', 'snapshots', key)?.get('id');
  const id = idValue ? readUvarint(idValue)?.value : undefined;
  if (id === undefined) {
    return undefined;
  }
  return { key, id, folder: path.join(containerdRoot, `io.containerd.snapshotter.v1.${snapshotter}`, 'snapshots', String(id), 'fs') };
}

/** Go's binary.Uvarint: 7 bits a byte, low first. Undefined when the bytes do not end a number. */
export function readUvarint(bytes: Buffer): { value: number; length: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < bytes.length && i < 8; i++) {
    value += (bytes[i] & 0x7f) * scale;
    if ((bytes[i] & 0x80) === 0) {
      return Number.isSafeInteger(value) ? { value, length: i + 1 } : undefined;
    }
    scale *= 128;
  }
  return undefined;
}
