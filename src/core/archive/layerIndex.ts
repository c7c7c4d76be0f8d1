/**
 * A layer tar's entries as a tree of in-layer paths, built from the tar index: whiteouts
 * (`.wh.<name>`) become deleted entries, `.wh..wh..opq` marks its folder opaque, missing parent
 * folders are implied (and marked so until their own entry comes), and every name is normalised
 * inside the layer, so `../../etc/passwd` is the layer's own /etc/passwd.
 */
import { LayerEntry, LayerEntryKind } from '../layerfs/layerFileSystem';
import { layerPathName, layerPathParent, normalizeLayerPath } from '../layerfs/layerPath';
import { TarEntry } from './tarIndex';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface IndexedEntry extends LayerEntry {
  /** Offset of the data in the (decompressed) layer tar. */
  dataOffset: number;
}

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export class LayerIndex {
  private root: IndexedEntry = Object.freeze(implicitDirectory('/'));
  /** Each folder's entries by name: one map entry per tar entry (memory is by entries, and it adds up at 100,000). */
  private readonly folders = new Map<string, Map<string, IndexedEntry>>([['/', new Map()]]);
  /** Σ of the tar's file entry sizes: the layer's size as dive and `docker history` count it. */
  private contentBytes = 0;

  get tarContentBytes(): number {
    return this.contentBytes;
  }

  add(tar: TarEntry): void {
    const path = normalizeLayerPath(tar.name);
    if (path === '/') {
      if (tar.type === 'directory') {
        this.root = Object.freeze({ ...implicitDirectory('/'), mode: S_IFDIR | tar.mode, mtimeMs: tar.mtimeMs, kind: this.root.kind });
      }
      return;
    }
    const name = layerPathName(path);
    const parent = layerPathParent(path);
    if (name === OPAQUE_MARKER) {
      const folder = this.ensureDirectory(parent);
      if (folder.kind !== 'opaqueDirectory') {
        const opaque: IndexedEntry = { ...folder, kind: 'opaqueDirectory' };
        if (parent === '/') {
          this.root = Object.freeze(opaque);
        } else {
          this.put(opaque);
        }
      }
      return;
    }
    if (name.startsWith(WHITEOUT_PREFIX) && name.length > WHITEOUT_PREFIX.length) {
      const deleted = `${parent === '/' ? '' : parent}/${name.slice(WHITEOUT_PREFIX.length)}`;
      this.put({ name: layerPathName(deleted), path: deleted, kind: 'whiteout', size: 0, mode: 0, mtimeMs: tar.mtimeMs, dataOffset: 0 });
      return;
    }
    const kind = kindOf(tar);
    if (kind === 'file') {
      this.contentBytes += tar.size;
    }
    const existing = this.lookup(path);
    const entry: IndexedEntry = {
      name,
      path,
      // A folder that an earlier `.wh..wh..opq` made opaque stays opaque when its own header follows.
      kind: kind === 'directory' && existing?.kind === 'opaqueDirectory' ? 'opaqueDirectory' : kind,
      size: kind === 'file' ? tar.size : 0,
      mode: tar.mode | (kind === 'directory' ? S_IFDIR : kind === 'symlink' ? S_IFLNK : kind === 'file' || kind === 'hardlink' ? S_IFREG : 0),
      mtimeMs: tar.mtimeMs,
      linkTarget: kind === 'symlink' ? tar.linkName : kind === 'hardlink' ? normalizeLayerPath(tar.linkName) : undefined,
      dataOffset: tar.dataOffset,
    };
    // Most entries are root's: those carry no owner fields at all (memory is per entry).
    if (tar.uid || tar.gid) {
      entry.uid = tar.uid;
      entry.gid = tar.gid;
    }
    this.put(entry);
  }

  get(path: string): IndexedEntry | undefined {
    return this.lookup(normalizeLayerPath(path));
  }

  /** The entries directly in a folder; undefined when the path is not a folder of this layer. */
  list(path: string): IndexedEntry[] | undefined {
    const children = this.folders.get(normalizeLayerPath(path));
    return children && [...children.values()];
  }

  /** Every entry but the root, in no particular order. */
  *all(): IterableIterator<IndexedEntry> {
    for (const children of this.folders.values()) {
      yield* children.values();
    }
  }

  private lookup(path: string): IndexedEntry | undefined {
    return path === '/' ? this.root : this.folders.get(layerPathParent(path))?.get(layerPathName(path));
  }

  private put(entry: IndexedEntry): void {
    const siblings = this.folders.get(this.ensureDirectory(layerPathParent(entry.path)).path)!;
    const previous = siblings.get(entry.name);
    if (previous && isFolder(previous.kind) && !isFolder(entry.kind)) {
      this.removeBelow(entry.path); // A later entry replaced a folder with something else.
    }
    // Frozen: readers get the index's own entries (a copy each was 10 MB at 100,000 files), and cannot change them.
    siblings.set(entry.name, Object.freeze(entry));
    if (isFolder(entry.kind) && !this.folders.has(entry.path)) {
      this.folders.set(entry.path, new Map());
    }
  }

  private ensureDirectory(path: string): IndexedEntry {
    const existing = this.lookup(path);
    if (existing && isFolder(existing.kind)) {
      return existing;
    }
    this.put({ ...implicitDirectory(path), implied: true }); // Never the root: that always exists.
    return this.lookup(path)!;
  }

  private removeBelow(path: string): void {
    for (const child of this.folders.get(path)?.values() ?? []) {
      if (isFolder(child.kind)) {
        this.removeBelow(child.path);
      }
    }
    this.folders.delete(path);
  }
}

function kindOf(tar: TarEntry): LayerEntryKind {
  switch (tar.type) {
    case 'file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'hardlink':
      return 'hardlink';
    default:
      return 'other';
  }
}

function isFolder(kind: LayerEntryKind): boolean {
  return kind === 'directory' || kind === 'opaqueDirectory';
}

function implicitDirectory(path: string): IndexedEntry {
  return { name: layerPathName(path), path, kind: 'directory', size: 0, mode: S_IFDIR | 0o755, mtimeMs: 0, dataOffset: 0 };
}
