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
/**
 * The schema this reader knows: the `v1` bucket. containerd bumps the number under v1/version
 * (3 in 1.7, 4 in 2.x) only for additions compatible with the same layout, and a new layout gets
 * a new top bucket; so any version under v1 is read.
 */
const SCHEMA_BUCKET = 'v1';

export interface SnapshotFolder {
  /** The snapshotter's key (`moby/12/sha256:…`). */
  key: string;
  /** The snapshot's number: its folder's name. */
  id: number;
  /** `<containerd root>/io.containerd.snapshotter.v1.overlayfs/snapshots/<id>/fs`. */
  folder: string;
}

export class SnapshotMetadataError extends Error {}

/** meta.db's schema version (v1/version, a Go varint: containerd's encodeInt), or undefined when it has none. */
export function metadataSchema(meta: BoltDatabase): number | undefined {
  const value = meta.bucketAt(SCHEMA_BUCKET)?.get('version');
  return value ? readVarint(value)?.value : undefined;
}

/** The folder of a committed layer, by chain ID; undefined when containerd has no such snapshot. */
export function snapshotFolder(meta: BoltDatabase, snapshots: BoltDatabase, containerdRoot: string, chainId: string, snapshotter = 'overlayfs', namespace = DOCKER_NAMESPACE): SnapshotFolder | undefined {
  const schema = metadataSchema(meta);
  if (schema === undefined || schema < 1) {
    throw new SnapshotMetadataError(`${meta.file} has no ${SCHEMA_BUCKET} schema version (${schema ?? 'none'}): not containerd metadata this reader knows`);
  }
  const name = meta.bucketAt(SCHEMA_BUCKET, namespace, 'snapshots', snapshotter, chainId)?.get('name');
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

/** Go's binary.Varint: a Uvarint holding the number zigzag-encoded (0, -1, 1, -2, … as 0, 1, 2, 3, …). */
export function readVarint(bytes: Buffer): { value: number; length: number } | undefined {
  const unsigned = readUvarint(bytes);
  if (!unsigned) {
    return undefined;
  }
  const half = Math.floor(unsigned.value / 2);
  return { value: unsigned.value % 2 === 0 ? half : -half - 1, length: unsigned.length };
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
