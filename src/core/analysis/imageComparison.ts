/**
 * What changed between two images: their merged file systems (each as of its top layer) walked
 * side by side. A path is added or removed when only one image has it, changed when its type,
 * content, mode, owner or link target differs. Modification times are not compared: every build
 * writes new ones. Content is compared only where it can differ:
 * - a path both images got from the same layer (same diff ID) is the same, unread;
 * - different sizes differ, unread;
 * - equal sizes are read piece by piece and compared, stopping at the first difference.
 * Folders and links are compared by their own fields, never followed.
 */
import { LayerEntry, LayerFileSystem } from '../layerfs/layerFileSystem';
import { mapLimited } from '../mapLimited';
import { compareCodeUnits } from '../model/textOrder';

/** One side of the comparison: its merged files, and its layers' diff IDs (entries say which layer wrote them). */
export interface ComparedImage {
  files: LayerFileSystem;
  diffIds: readonly string[];
}

export interface ComparedPath {
  path: string;
  size: number;
  kind: LayerEntry['kind'];
}

export type ChangeReason = 'type' | 'content' | 'mode' | 'owner' | 'linkTarget';

export interface ChangedPath {
  path: string;
  fromSize: number;
  toSize: number;
  /** What differs, in this order. */
  reasons: ChangeReason[];
}

export interface ImageComparison {
  /** Sorted by path; a folder only one image has is listed as what is in it (and itself, when empty). */
  added: ComparedPath[];
  removed: ComparedPath[];
  changed: ChangedPath[];
}

/** The merged view names the layer that last wrote each entry. */
type WrittenEntry = LayerEntry & { layer?: number };

const CHUNK_BYTES = 1024 * 1024;
/** Files compared at once: each holds two chunks. */
const PARALLEL_READS = 4;

const isFolder = (entry: LayerEntry) => entry.kind === 'directory' || entry.kind === 'opaqueDirectory';
/** A hard link is a file under another name (a folder shows it as one): compare it as that file. */
const typeOf = (entry: LayerEntry) => (entry.kind === 'hardlink' ? 'file' : entry.kind === 'opaqueDirectory' ? 'directory' : entry.kind);
const byPath = (a: { path: string }, b: { path: string }) => compareCodeUnits(a.path, b.path);

export async function compareImages(from: ComparedImage, to: ComparedImage, signal?: AbortSignal): Promise<ImageComparison> {
  const result: ImageComparison = { added: [], removed: [], changed: [] };
  const sameSize: { from: WrittenEntry; to: WrittenEntry; change: ChangedPath }[] = [];

  const listAll = async (side: ComparedImage, entry: LayerEntry, into: ComparedPath[]): Promise<void> => {
    if (!isFolder(entry)) {
      into.push({ path: entry.path, size: await sizeOf(side, entry), kind: typeOf(entry) });
      return;
    }
    const children = await side.files.readDirectory(entry.path);
    if (children.length === 0) {
      into.push({ path: entry.path, size: 0, kind: 'directory' });
    }
    for (const child of children) {
      await listAll(side, child, into);
    }
  };

  const walk = async (folder: string): Promise<void> => {
    signal?.throwIfAborted();
    const [fromEntries, toEntries] = await Promise.all([from.files.readDirectory(folder), to.files.readDirectory(folder)]);
    const toByName = new Map(toEntries.map((entry) => [entry.name, entry]));
    for (const before of fromEntries) {
      const after = toByName.get(before.name);
      toByName.delete(before.name);
      if (!after) {
        await listAll(from, before, result.removed);
        continue;
      }
      if (isFolder(before) && isFolder(after)) {
        const reasons = fieldChanges(before, after);
        if (reasons.length) {
          result.changed.push({ path: before.path, fromSize: 0, toSize: 0, reasons });
        }
        await walk(before.path);
        continue;
      }
      if (isFolder(before) !== isFolder(after)) {
        // A folder became a file or the other way round: the path changed type, what was in the folder went or came.
        result.changed.push({ path: before.path, fromSize: await sizeOf(from, before), toSize: await sizeOf(to, after), reasons: ['type'] });
        if (isFolder(before)) {
          for (const child of await from.files.readDirectory(before.path)) {
            await listAll(from, child, result.removed);
          }
        } else {
          for (const child of await to.files.readDirectory(after.path)) {
            await listAll(to, child, result.added);
          }
        }
        continue;
      }
      const writtenBefore = before as WrittenEntry;
      const writtenAfter = after as WrittenEntry;
      if (sameLayer(writtenBefore, writtenAfter)) {
        continue;
      }
      const [fromSize, toSize] = await Promise.all([sizeOf(from, before), sizeOf(to, after)]);
      const change: ChangedPath = { path: before.path, fromSize, toSize, reasons: fieldChanges(before, after) };
      if (typeOf(before) === 'file' && typeOf(after) === 'file') {
        if (fromSize !== toSize) {
          change.reasons.push('content');
        } else if (fromSize > 0) {
          sameSize.push({ from: writtenBefore, to: writtenAfter, change });
          continue;
        }
      }
      if (change.reasons.length) {
        result.changed.push(change);
      }
    }
    for (const after of toByName.values()) {
      await listAll(to, after, result.added);
    }
  };

  const sameLayer = (a: WrittenEntry, b: WrittenEntry) => a.layer !== undefined && b.layer !== undefined && from.diffIds[a.layer] !== undefined && from.diffIds[a.layer] === to.diffIds[b.layer];

  await walk('/');
  await mapLimited(sameSize, PARALLEL_READS, async ({ from: before, to: after, change }) => {
    if (!(await sameContent(from.files, before, to.files, after, signal))) {
      change.reasons.push('content');
    }
    if (change.reasons.length) {
      result.changed.push(change);
    }
  });
  result.added.sort(byPath);
  result.removed.sort(byPath);
  for (const change of result.changed) {
    change.reasons.sort((a, b) => REASON_ORDER.indexOf(a) - REASON_ORDER.indexOf(b));
  }
  result.changed.sort(byPath);
  return result;
}

const REASON_ORDER: readonly ChangeReason[] = ['type', 'content', 'mode', 'owner', 'linkTarget'];

/** Type, permission bits, owner and link target: what differs besides content. */
function fieldChanges(before: LayerEntry, after: LayerEntry): ChangeReason[] {
  const reasons: ChangeReason[] = [];
  if (typeOf(before) !== typeOf(after)) {
    reasons.push('type');
  }
  if ((before.mode & 0o7777) !== (after.mode & 0o7777)) {
    reasons.push('mode');
  }
  if ((before.uid ?? 0) !== (after.uid ?? 0) || (before.gid ?? 0) !== (after.gid ?? 0)) {
    reasons.push('owner');
  }
  if (before.kind === 'symlink' && after.kind === 'symlink' && before.linkTarget !== after.linkTarget) {
    reasons.push('linkTarget');
  }
  return reasons;
}

/** A file's bytes; a hard link's are its target's (a tar gives it size 0). */
async function sizeOf(side: ComparedImage, entry: LayerEntry): Promise<number> {
  if (entry.kind !== 'hardlink' || !entry.linkTarget) {
    return entry.kind === 'file' ? entry.size : 0;
  }
  return side.files.stat(entry.linkTarget).then(
    (target) => (target.kind === 'file' ? target.size : 0),
    () => 0,
  );
}

async function sameContent(fromFiles: LayerFileSystem, before: LayerEntry, toFiles: LayerFileSystem, after: LayerEntry, signal: AbortSignal | undefined): Promise<boolean> {
  for (let start = 0; ; start += CHUNK_BYTES) {
    signal?.throwIfAborted();
    const range = { start, length: CHUNK_BYTES };
    const [a, b] = await Promise.all([fromFiles.readFile(before.path, { range }), toFiles.readFile(after.path, { range })]);
    if (!a.equals(b)) {
      return false;
    }
    if (a.length < CHUNK_BYTES) {
      return true;
    }
  }
}
