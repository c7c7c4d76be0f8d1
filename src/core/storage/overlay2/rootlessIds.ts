/**
 * Owners in a rootless daemon's folders. Rootless Docker runs in a user namespace whose root is the
 * user who started it and whose IDs 1… are that user's subordinate IDs (/etc/subuid, /etc/subgid),
 * as rootlesskit maps them with newuidmap/newgidmap. So a file root owns in the layer is owned by
 * the user in the diff folder, and the layer's tar (docker save, every other reader) says 0. This
 * maps a folder's host IDs back to the layer's own, so a folder and its archive agree.
 */
import { promises as fs } from 'fs';

export interface IdRange {
  /** The first ID inside the daemon's user namespace (in the layer). */
  inside: number;
  /** The host ID it is on disk. */
  host: number;
  count: number;
}

export interface RootlessIdMap {
  uids: IdRange[];
  gids: IdRange[];
}

/**
 * The daemon's ID map, from the data root's owner (the namespace's root: the daemon made the data
 * root) and that user's first subordinate range in /etc/subuid and /etc/subgid (rootlesskit maps
 * the first one at 1). A range that cannot be read is left out: those IDs stay as on disk.
 */
export async function rootlessIdMap(dataRoot: string): Promise<RootlessIdMap> {
  const owner = await fs.stat(dataRoot);
  const [passwd, subuid, subgid] = await Promise.all(['/etc/passwd', '/etc/subuid', '/etc/subgid'].map(readOptional));
  return idMapOf({ uid: owner.uid, gid: owner.gid }, userNameOf(passwd, owner.uid), subuid, subgid);
}

export function idMapOf(owner: { uid: number; gid: number }, userName: string | undefined, subuid: string | undefined, subgid: string | undefined): RootlessIdMap {
  const keys = [String(owner.uid), ...(userName ? [userName] : [])];
  const withSubordinate = (root: number, text: string | undefined): IdRange[] => {
    const range = firstRangeOf(text, keys);
    return [{ inside: 0, host: root, count: 1 }, ...(range ? [{ inside: 1, host: range.start, count: range.count }] : [])];
  };
  return { uids: withSubordinate(owner.uid, subuid), gids: withSubordinate(owner.gid, subgid) };
}

/** The ID inside for a host ID; unmapped ones are kept as they are. */
export function insideId(ranges: readonly IdRange[], hostId: number): number {
  const range = ranges.find(({ host, count }) => hostId >= host && hostId < host + count);
  return range ? range.inside + (hostId - range.host) : hostId;
}

/** `name:start:count` lines (the name may be a numeric user ID); the first that matches. */
function firstRangeOf(text: string | undefined, keys: readonly string[]): { start: number; count: number } | undefined {
  for (const line of (text ?? '').split('\n')) {
    const [key, start, count, ...rest] = line.trim().split(':');
    if (rest.length === 0 && keys.includes(key) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '') && Number(count) > 0) {
      return { start: Number(start), count: Number(count) };
    }
  }
  return undefined;
}

function userNameOf(passwd: string | undefined, uid: number): string | undefined {
  for (const line of (passwd ?? '').split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && fields[2] === String(uid)) {
      return fields[0];
    }
  }
  return undefined;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
