/**
 * Where the bytes are in a layer's tree: its largest files, and each folder's total (the bytes of
 * every file under it), for Find Largest Files and for sorting the file views by size.
 */
import { LayerEntry, LayerFileSystem } from '../layerfs/layerFileSystem';
import { compareCodeUnits } from '../model/textOrder';

const isFolder = (entry: LayerEntry) => entry.kind === 'directory' || entry.kind === 'opaqueDirectory';

/** The `limit` largest regular files, largest first (then by path). */
export async function largestFiles(files: LayerFileSystem, limit: number, signal?: AbortSignal): Promise<LayerEntry[]> {
  limit = Math.max(1, limit);
  const found: LayerEntry[] = [];
  let smallestKept = -1;
  const pending = ['/'];
  while (pending.length) {
    signal?.throwIfAborted();
    for (const entry of await files.readDirectory(pending.pop()!)) {
      if (isFolder(entry)) {
        pending.push(entry.path);
      } else if (entry.kind === 'file' && entry.size > smallestKept) {
        found.push(entry);
        // Trim now and then, not per file: memory stays near `limit`, sorting stays rare.
        if (found.length >= limit * 2) {
          sortLargestFirst(found);
          found.length = limit;
          smallestKept = found[limit - 1].size;
        }
      }
    }
  }
  sortLargestFirst(found);
  return found.slice(0, limit);
}

function sortLargestFirst(entries: LayerEntry[]): void {
  entries.sort((a, b) => b.size - a.size || compareCodeUnits(a.path, b.path));
}

/** Folder totals of one layer tree, each computed once (a folder's from its children's). */
export class FolderSizes {
  private readonly totals = new Map<string, Promise<number>>();

  constructor(private readonly files: LayerFileSystem) {}

  /** Bytes of the files at and under a path. */
  sizeOf(entry: LayerEntry): Promise<number> {
    if (!isFolder(entry)) {
      return Promise.resolve(entry.kind === 'file' ? entry.size : 0);
    }
    let total = this.totals.get(entry.path);
    if (!total) {
      total = this.files.readDirectory(entry.path).then(async (children) => {
        let sum = 0;
        for (const child of children) {
          sum += await this.sizeOf(child);
        }
        return sum;
      });
      total.catch(() => this.totals.delete(entry.path));
      this.totals.set(entry.path, total);
    }
    return total;
  }
}
