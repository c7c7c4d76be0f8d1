/**
 * The whole file system as of one layer: layers 0..N with whiteouts and opaque folders applied
 * (fileHistory.ts), each entry read from the layer that last wrote it. Deleted paths are gone.
 */
import { LayerEntry, LayerFileSystem, LayerFsError, ReadFileOptions } from '../layerfs/layerFileSystem';
import { layerPathSegments, normalizeLayerPath } from '../layerfs/layerPath';
import { FileHistory, PathNode } from './fileHistory';

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
      if (child.at(this.upTo)) {
        entries.push(this.entryOf(child, child.path));
      }
    }
    return entries;
  }

  async readFile(layerPath: string, options?: ReadFileOptions): Promise<Buffer> {
    const { node, path } = this.find(layerPath);
    return this.layers[node.writerAt(this.upTo) ?? 0].readFile(path, options);
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
