/**
 * The whole file system as of one layer: layers 0..N with whiteouts and opaque folders applied
 * (fileHistory.ts), each entry read from the layer that last wrote it. Deleted paths are gone.
 */
import { LayerEntry, LayerFileSystem, LayerFsError, ReadFileOptions } from '../layerfs/layerFileSystem';
import { layerPathParent, layerPathSegments, normalizeLayerPath } from '../layerfs/layerPath';
import { FileHistory, PathNode, Version } from './fileHistory';

/** As Linux's own limit (MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

export interface MergedEntry extends LayerEntry {
  /** The layer that last wrote this path (as of the merged layer). */
  layer: number;
}

export class MergedFileSystem implements LayerFileSystem {
  readonly source = 'merged';
  constructor(
    private readonly history: FileHistory,
    private readonly layers: readonly LayerFileSystem[],
    /** The top layer of the view. */
    readonly upTo: number,
  ) {}

  async stat(layerPath: string): Promise<MergedEntry> {
    const { node, path } = this.find(layerPath);
    return this.entryOf(node, path);
  }

  async readDirectory(layerPath: string): Promise<MergedEntry[]> {
    const { node, path } = this.find(layerPath);
    const entry = node.at(this.upTo);
    if (path !== '/' && entry?.kind !== 'directory' && entry?.kind !== 'opaqueDirectory') {
      throw new LayerFsError('notDirectory', path, 'is not a directory');
    }
    const entries: MergedEntry[] = [];
    for (const child of node.children?.values() ?? []) {
      const entry = child.at(this.upTo);
      if (entry) {
        entries.push(this.entryOf(child, entry.path));
      }
    }
    return entries;
  }

  async readFile(layerPath: string, options?: ReadFileOptions): Promise<Buffer> {
    const { node, path } = this.find(layerPath);
    return this.layers[node.writerAt(this.upTo) ?? 0].readFile(path, options);
  }

  /**
   * Where a path leads once its symbolic links are followed inside the image (never on this
   * machine): `/bin/sh` → `/bin/busybox`. Links on the way are followed too; a loop or a link out
   * of the image's root (`../../..` stops at the root, as in a container) ends at what is there.
   */
  async resolve(layerPath: string): Promise<MergedEntry> {
    let path = normalizeLayerPath(layerPath);
    for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
      const { link, rest } = this.firstLink(path);
      if (!link) {
        return this.stat(path);
      }
      const target = link.linkTarget ?? '';
      const base = target.startsWith('/') ? target : `${layerPathParent(link.path)}/${target}`;
      path = normalizeLayerPath(rest ? `${base}/${rest}` : base);
    }
    throw new LayerFsError('notRegularFile', normalizeLayerPath(layerPath), `more than ${MAX_LINK_HOPS} symbolic links: a loop`);
  }

  /** The first symbolic link on a path (a folder on the way, or the path itself), and what follows it. */
  private firstLink(path: string): { link?: LayerEntry; rest?: string } {
    const segments = layerPathSegments(path);
    let node = this.history.root;
    for (const [index, segment] of segments.entries()) {
      const next = node.children?.get(segment);
      const entry = next?.at(this.upTo);
      if (!next || !entry) {
        throw new LayerFsError('notFound', path, `does not exist as of layer ${this.upTo}`);
      }
      if (entry.kind === 'symlink') {
        return { link: entry, rest: segments.slice(index + 1).join('/') };
      }
      node = next;
    }
    return {};
  }

  /** Every version of a path up to this layer, bottom first: what each layer that touched it wrote (null: deleted it). */
  versionsOf(layerPath: string): readonly Version[] {
    return (this.history.node(normalizeLayerPath(layerPath))?.versions() ?? []).filter((version) => version.layer <= this.upTo);
  }

  hostPath(layerPath: string): string | undefined {
    const path = normalizeLayerPath(layerPath);
    const writer = this.history.node(path)?.writerAt(this.upTo);
    return writer === undefined ? undefined : this.layers[writer].hostPath(path);
  }

  private find(layerPath: string): { node: PathNode; path: string } {
    const path = normalizeLayerPath(layerPath);
    let node = this.history.root;
    for (const segment of layerPathSegments(path)) {
      const next = node.children?.get(segment);
      if (!next || !next.at(this.upTo)) {
        throw new LayerFsError('notFound', path, `does not exist as of layer ${this.upTo}`);
      }
      node = next;
    }
    return { node, path };
  }

  private entryOf(node: PathNode, path: string): MergedEntry {
    const entry = node.at(this.upTo);
    if (path === '/' || !entry) {
      return { name: '', path: '/', kind: 'directory', size: 0, mode: 0o040755, mtimeMs: 0, layer: 0 };
    }
    return { ...entry, kind: entry.kind === 'opaqueDirectory' ? 'directory' : entry.kind, layer: node.writerAt(this.upTo) ?? 0 };
  }
}
