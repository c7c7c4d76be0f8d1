/**
 * A layer tar's entries as a tree of in-layer paths, built from the tar index: whiteouts
 * (`.wh.<name>`) become deleted entries, `.wh..wh..opq` marks its folder opaque, missing parent
 * folders are implied, and every name is normalised inside the layer, so `../../etc/passwd` is
 * the layer's own /etc/passwd.
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
  private readonly entries = new Map<string, IndexedEntry>();
  private readonly children = new Map<string, Set<string>>();
  /** Σ of the tar's file entry sizes: the layer's size as dive and `docker history` count it. */
  private contentBytes = 0;

  constructor() {
    this.entries.set('/', implicitDirectory('/'));
    this.children.set('/', new Set());
  }

  get tarContentBytes(): number {
    return this.contentBytes;
  }

  add(tar: TarEntry): void {
    const path = normalizeLayerPath(tar.name);
    if (path === '/') {
      if (tar.type === 'directory') {
        this.entries.set('/', { ...implicitDirectory('/'), mode: S_IFDIR | tar.mode, mtimeMs: tar.mtimeMs });
      }
      return;
    }
    const name = layerPathName(path);
    const parent = layerPathParent(path);
    if (name === OPAQUE_MARKER) {
      const folder = this.ensureDirectory(parent);
      folder.kind = 'opaqueDirectory';
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
    const existing = this.entries.get(path);
    this.put({
      name,
      path,
      // A folder that an earlier `.wh..wh..opq` made opaque stays opaque when its own header follows.
      kind: kind === 'directory' && existing?.kind === 'opaqueDirectory' ? 'opaqueDirectory' : kind,
      size: kind === 'file' ? tar.size : 0,
      mode: tar.mode | (kind === 'directory' ? S_IFDIR : kind === 'symlink' ? S_IFLNK : kind === 'file' || kind === 'hardlink' ? S_IFREG : 0),
      mtimeMs: tar.mtimeMs,
      linkTarget: kind === 'symlink' ? tar.linkName : kind === 'hardlink' ? normalizeLayerPath(tar.linkName) : undefined,
      dataOffset: tar.dataOffset,
    });
  }

  get(path: string): IndexedEntry | undefined {
    return this.entries.get(normalizeLayerPath(path));
  }

  /** The entries directly in a folder; undefined when the path is not a folder of this layer. */
  list(path: string): IndexedEntry[] | undefined {
    const normalized = normalizeLayerPath(path);
    const names = this.children.get(normalized);
    if (!names) {
      return undefined;
    }
    const prefix = normalized === '/' ? '/' : `${normalized}/`;
    return [...names].map((name) => this.entries.get(`${prefix}${name}`)!);
  }

  /** Every entry but the root, in no particular order. */
  *all(): IterableIterator<IndexedEntry> {
    for (const entry of this.entries.values()) {
      if (entry.path !== '/') {
        yield entry;
      }
    }
  }

  private put(entry: IndexedEntry): void {
    const parent = this.ensureDirectory(layerPathParent(entry.path));
    const previous = this.entries.get(entry.path);
    if (previous && isFolder(previous.kind) && !isFolder(entry.kind)) {
      this.removeBelow(entry.path); // A later entry replaced a folder with something else.
    }
    this.entries.set(entry.path, entry);
    this.children.get(parent.path)!.add(entry.name);
    if (isFolder(entry.kind) && !this.children.has(entry.path)) {
      this.children.set(entry.path, new Set());
    }
  }

  private ensureDirectory(path: string): IndexedEntry {
    const existing = this.entries.get(path);
    if (existing && isFolder(existing.kind)) {
      return existing;
    }
    const folder = implicitDirectory(path);
    if (path !== '/') {
      this.put(folder);
    } else {
      this.entries.set('/', folder);
    }
    return this.entries.get(path)!;
  }

  private removeBelow(path: string): void {
    for (const name of this.children.get(path) ?? []) {
      const child = `${path}/${name}`;
      this.removeBelow(child);
      this.entries.delete(child);
    }
    this.children.delete(path);
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
