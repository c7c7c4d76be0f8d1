/**
 * A layer's changes in figures, for its description and tooltip: how many paths it added,
 * modified and deleted, and the bytes of each. Deleted bytes are what the deletion hid: the files
 * that were at the path (under it, for a folder or an opaque folder) in the layers below.
 */
import { FileHistory, PathNode } from './fileHistory';

export interface LayerChangeSummary {
  added: { count: number; bytes: number };
  modified: { count: number; bytes: number };
  deleted: { count: number; bytes: number };
}

export function layerChangeSummary(history: FileHistory, layer: number): LayerChangeSummary {
  const changes = history.changes[layer] ?? { added: [], modified: [], deleted: [] };
  const sum = (files: readonly { size: number }[]) => files.reduce((total, file) => total + file.size, 0);
  let deletedBytes = 0;
  if (layer > 0) {
    for (const deleted of changes.deleted) {
      const node = history.node(deleted.path);
      if (node) {
        deletedBytes += bytesAt(node, layer - 1);
      }
    }
  }
  return {
    added: { count: changes.added.length, bytes: sum(changes.added) },
    modified: { count: changes.modified.length, bytes: sum(changes.modified) },
    deleted: { count: changes.deleted.length, bytes: deletedBytes },
  };
}

/** The file bytes at and under a node as of a layer. */
function bytesAt(root: PathNode, layer: number): number {
  let total = 0;
  const pending: PathNode[] = [root];
  while (pending.length) {
    const node = pending.pop()!;
    const entry = node.at(layer);
    if (!entry) {
      continue;
    }
    if (entry.kind === 'file') {
      total += entry.size;
    }
    for (const child of node.children?.values() ?? []) {
      pending.push(child);
    }
  }
  return total;
}

/** The paths a layer changed (added, modified, deleted) and every folder above them: what "hide unchanged" keeps. */
export function pathsTouchedBy(history: FileHistory, layer: number): Set<string> {
  const changes = history.changes[layer] ?? { added: [], modified: [], deleted: [] };
  const touched = new Set<string>(['/']);
  for (const { path } of [...changes.added, ...changes.modified, ...changes.deleted]) {
    for (let at = path.length; at > 0; at = path.lastIndexOf('/', at - 1)) {
      const prefix = path.slice(0, at);
      if (touched.has(prefix)) {
        break;
      }
      touched.add(prefix);
    }
  }
  return touched;
}
