/**
 * A layer's files from a folder on this machine (overlay2's diff/, Podman's overlay diff, a
 * snapshot). Read only, and contained: names are normalised inside the layer (layerPath.ts), no
 * symbolic link is followed, neither on the way (refused) nor at the end (reported as a link), and
 * files are opened with O_NOFOLLOW, so nothing outside the folder is ever read.
 */
import { Stats, constants, promises as fs } from 'fs';
import * as path from 'path';
import { mapLimited } from '../mapLimited';
import { LayerEntry, LayerEntryKind, LayerFileSystem, LayerFsError, ReadFileOptions, readSpan } from './layerFileSystem';
import { joinLayerPath, layerPathSegments, normalizeLayerPath } from './layerPath';

/** lstat calls in flight while listing one folder. */
const PARALLEL_STATS = 32;

export class DirectoryFileSystem implements LayerFileSystem {
  readonly source = 'folder';
  private realRoot: Promise<string> | undefined;

  /**
   * `root` is trusted (it comes from the storage backend); everything below it is not.
   * `opaqueDirectories`: in-layer paths of folders overlay marks opaque with an xattr Node cannot
   * read, as the backend found them (overlay2's tar-split).
   */
  constructor(
    readonly root: string,
    private readonly opaqueDirectories: ReadonlySet<string> = new Set(),
  ) {}

  hostPath(layerPath: string): string {
    return path.join(this.root, ...layerPathSegments(layerPath));
  }

  async stat(layerPath: string): Promise<LayerEntry> {
    const normalized = normalizeLayerPath(layerPath);
    const host = await this.hostPathInside(normalized, 'parent');
    const stats = await this.call(normalized, () => fs.lstat(host));
    return this.entryOf(normalized, host, stats);
  }

  async readDirectory(layerPath: string): Promise<LayerEntry[]> {
    const normalized = normalizeLayerPath(layerPath);
    const host = await this.hostPathInside(normalized, 'self');
    const names = await this.call(normalized, () => fs.readdir(host));
    const entries = await mapLimited(names, PARALLEL_STATS, async (name) => {
      const childPath = joinLayerPath(normalized, name);
      const childHost = path.join(host, name);
      try {
        return await this.entryOf(childPath, childHost, await fs.lstat(childHost));
      } catch {
        return undefined; // Gone between readdir and lstat (a container's layer can change).
      }
    });
    return entries.filter((entry): entry is LayerEntry => entry !== undefined);
  }

  async readFile(layerPath: string, options: ReadFileOptions = {}): Promise<Buffer> {
    const normalized = normalizeLayerPath(layerPath);
    const host = await this.hostPathInside(normalized, 'parent');
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    const handle = await this.call(normalized, () => fs.open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK));
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) {
        throw new LayerFsError('isDirectory', normalized, 'is a directory');
      }
      if (!stats.isFile()) {
        throw new LayerFsError('notRegularFile', normalized, 'is not a regular file');
      }
      if (options.maxBytes !== undefined && stats.size > options.maxBytes) {
        throw new LayerFsError('tooLarge', normalized, `is ${stats.size} bytes, more than the ${options.maxBytes} allowed`);
      }
      if (!options.range) {
        return await handle.readFile();
      }
      const { start, length } = readSpan(stats.size, options.range);
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
        if (bytesRead === 0) {
          break; // The file shrank while being read: what was there.
        }
        read += bytesRead;
      }
      return buffer.subarray(0, read);
    } finally {
      await handle.close();
    }
  }

  /**
   * The host path of an in-layer path, after checking that no folder on the way is a symbolic
   * link: the real path of the folder ('parent': the one holding the entry; 'self': the entry
   * itself, for listing it) must be where it would be without links.
   */
  private async hostPathInside(layerPath: string, check: 'parent' | 'self'): Promise<string> {
    const segments = layerPathSegments(layerPath);
    const host = path.join(this.root, ...segments);
    const folderSegments = check === 'parent' ? segments.slice(0, -1) : segments;
    const realRoot = await this.call('/', () => (this.realRoot ??= fs.realpath(this.root)));
    if (folderSegments.length > 0) {
      const expected = path.join(realRoot, ...folderSegments);
      const real = await this.call(layerPath, () => fs.realpath(path.join(this.root, ...folderSegments)));
      if (real !== expected) {
        throw new LayerFsError('symlinkOnPath', layerPath, 'a folder on the way is a symbolic link, which is not followed out of the layer');
      }
    }
    return host;
  }

  private async entryOf(layerPath: string, host: string, stats: Stats): Promise<LayerEntry> {
    const found = entryKindOf(stats);
    const kind = found === 'directory' && this.opaqueDirectories.has(layerPath) ? 'opaqueDirectory' : found;
    return {
      name: path.posix.basename(layerPath),
      path: layerPath,
      kind,
      size: kind === 'file' ? stats.size : 0,
      mode: stats.mode,
      mtimeMs: stats.mtimeMs,
      linkTarget: kind === 'symlink' ? await fs.readlink(host).catch(() => undefined) : undefined,
      ...(kind === 'file' && stats.nlink > 1 ? { hardLinkKey: `${stats.dev}:${stats.ino}` } : {}),
      ...(stats.uid || stats.gid ? { uid: stats.uid, gid: stats.gid } : {}),
    };
  }

  private async call<T>(layerPath: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw error instanceof LayerFsError ? error : layerFsErrorOf(error as NodeJS.ErrnoException, layerPath);
    }
  }
}

/** overlayfs marks a deleted path with a 0/0 character device. */
export function entryKindOf(stats: Stats): LayerEntryKind {
  if (stats.isDirectory()) {
    return 'directory';
  }
  if (stats.isSymbolicLink()) {
    return 'symlink';
  }
  if (stats.isFile()) {
    return 'file';
  }
  if (stats.isCharacterDevice() && stats.rdev === 0) {
    return 'whiteout';
  }
  return 'other';
}

function layerFsErrorOf(error: NodeJS.ErrnoException, layerPath: string): LayerFsError {
  switch (error.code) {
    case 'ENOENT':
      return new LayerFsError('notFound', layerPath, 'does not exist');
    case 'ENOTDIR':
      return new LayerFsError('notDirectory', layerPath, 'a part of the path is not a directory');
    case 'EACCES':
    case 'EPERM':
      return new LayerFsError('permission', layerPath, `not readable by this user (${error.code})`);
    case 'ELOOP':
      return new LayerFsError('notRegularFile', layerPath, 'is a symbolic link, which is not followed');
    case 'EISDIR':
      return new LayerFsError('isDirectory', layerPath, 'is a directory');
    default:
      return new LayerFsError('io', layerPath, error.message);
  }
}
