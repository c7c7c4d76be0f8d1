/**
 * Every path of an image through its layers: each layer's files applied in order, as overlayfs
 * stacks them (a whiteout deletes a path and all below it, an opaque folder hides what the layers
 * below put in it, a file replaces a folder and the other way round). From it come each layer's
 * changes (added, modified, deleted) and the merged file system as of any layer, with the layer
 * that last wrote each path. Pure over layer readers: a folder and an archive give the same.
 */
import { LayerEntry, LayerFileSystem } from '../layerfs/layerFileSystem';

export interface ChangedFile {
  path: string;
  size: number;
}

export type DeletedPath = { path: string } | { path: string; opaque: true };

export interface LayerChanges {
  /** Non-folder entries that no layer below had (the layer's own entries: no copies). */
  added: ChangedFile[];
  /** Non-folder entries that replace one from a layer below. */
  modified: ChangedFile[];
  /** Whiteouts (a deleted file or folder, by its own path) and opaque folders. */
  deleted: DeletedPath[];
}

/** What one layer did to a path: git's A, M, D, and R for an opaque folder (replaces what was below). */
export type PathChange = 'added' | 'modified' | 'deleted' | 'replaced';

/** A path's state from one layer on: the entry that layer wrote, or null where it deleted it. */
export interface Version {
  layer: number;
  entry: LayerEntry | null;
}

/**
 * One path of the image. Kept small, as there is one per path of every layer: the first version
 * is held inline (most paths are written once), the path itself is not stored (the entries that
 * layers wrote carry it).
 */
export class PathNode {
  private readonly firstLayer: number;
  private readonly firstEntry: LayerEntry | null;
  private laterVersions: Version[] | undefined;
  children: Map<string, PathNode> | undefined;

  constructor(layer: number, entry: LayerEntry | null) {
    this.firstLayer = layer;
    this.firstEntry = entry;
  }

  addVersion(layer: number, entry: LayerEntry | null): void {
    if (this.laterVersions) {
      this.laterVersions.push({ layer, entry });
    } else {
      this.laterVersions = [{ layer, entry }]; // A literal is sized to fit; a first push would reserve 17 slots.
    }
  }

  /** The entry visible as of `layer` (the last version at or below it), null when deleted or not yet there. */
  at(layer: number): LayerEntry | null {
    const version = this.versionAt(layer);
    return version ? version.entry : null;
  }

  /** The layer that wrote what is visible as of `layer`. */
  writerAt(layer: number): number | undefined {
    const version = this.versionAt(layer);
    return version?.entry ? version.layer : undefined;
  }

  /** Every version, bottom layer first: what each layer that touched the path wrote (null: deleted it). */
  versions(): readonly Version[] {
    return [{ layer: this.firstLayer, entry: this.firstEntry }, ...(this.laterVersions ?? [])];
  }

  /** What `layer` itself did to the path, if anything. */
  changeAt(layer: number): PathChange | undefined {
    const version = this.versionAt(layer);
    if (!version || version.layer !== layer) {
      return undefined;
    }
    const before = layer > 0 ? this.at(layer - 1) : null;
    if (!version.entry) {
      return before ? 'deleted' : undefined;
    }
    if (version.entry.kind === 'opaqueDirectory') {
      return 'replaced';
    }
    return before ? 'modified' : 'added';
  }

  private versionAt(layer: number): Version | undefined {
    const later = this.laterVersions;
    if (later) {
      for (let i = later.length - 1; i >= 0; i--) {
        if (later[i].layer <= layer) {
          return later[i];
        }
      }
    }
    return this.firstLayer <= layer ? { layer: this.firstLayer, entry: this.firstEntry } : undefined;
  }
}

const isFolder = (entry: LayerEntry | null) => entry !== null && (entry.kind === 'directory' || entry.kind === 'opaqueDirectory');

export class FileHistory {
  readonly root = new PathNode(0, null);
  readonly changes: LayerChanges[] = [];

  private constructor(readonly layerCount: number) {}

  /** Applies each layer in order (bottom first). Memory is one node per path, plus one version per layer that touched it. */
  static async build(layers: readonly LayerFileSystem[], signal?: AbortSignal): Promise<FileHistory> {
    const history = new FileHistory(layers.length);
    for (const [index, layer] of layers.entries()) {
      signal?.throwIfAborted();
      const changes: LayerChanges = { added: [], modified: [], deleted: [] };
      await history.applyFolder(history.root, layer, '/', index, changes, signal);
      history.changes.push(changes);
    }
    return history;
  }

  /** The node of a path, if any layer ever had it. */
  node(path: string): PathNode | undefined {
    let node: PathNode | undefined = this.root;
    for (const segment of path.split('/').filter(Boolean)) {
      node = node.children?.get(segment);
      if (!node) {
        return undefined;
      }
    }
    return node;
  }

  private async applyFolder(folder: PathNode, layer: LayerFileSystem, path: string, index: number, changes: LayerChanges, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const entries = await layer.readDirectory(path);
    const children = (folder.children ??= new Map<string, PathNode>());
    for (const entry of entries) {
      const existing = children.get(entry.name);
      const before = existing?.at(index - 1) ?? null;
      const written = entry.kind === 'whiteout' ? null : entry;
      let node: PathNode;
      if (existing) {
        node = existing;
      } else {
        node = new PathNode(index, written);
        children.set(entry.name, node);
      }
      switch (entry.kind) {
        case 'whiteout':
          changes.deleted.push(entry);
          if (existing) {
            deleteBelow(node, index);
            node.addVersion(index, null);
          }
          break;
        case 'directory':
        case 'opaqueDirectory':
          if (entry.kind === 'opaqueDirectory') {
            changes.deleted.push({ path: entry.path, opaque: true });
            deleteBelow(node, index);
          } else if (before && !isFolder(before)) {
            node.children = undefined; // A file became a folder: nothing of old is below it.
          }
          if (existing) {
            node.addVersion(index, entry);
          }
          await this.applyFolder(node, layer, entry.path, index, changes, signal);
          break;
        default:
          if (isFolder(before)) {
            deleteBelow(node, index); // A folder became a file.
          }
          (before ? changes.modified : changes.added).push(entry);
          if (existing) {
            node.addVersion(index, entry);
          }
      }
    }
  }
}

/** Marks everything below a node deleted from `layer` on (what was there stays in older versions). */
function deleteBelow(node: PathNode, layer: number): void {
  for (const child of node.children?.values() ?? []) {
    if (child.at(layer) !== null) {
      deleteBelow(child, layer);
      child.addVersion(layer, null);
    }
  }
}
