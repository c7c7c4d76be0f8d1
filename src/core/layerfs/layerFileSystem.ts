/**
 * The one reader of a layer's contents. Backends (a folder today; an image archive next) implement
 * it, and everything that shows or reads layer files (the tree, the file system provider, the CLI,
 * the analysis) goes through it. Paths are in-layer paths (layerPath.ts); containment is the
 * implementation's job: nothing outside the layer's root is ever read.
 */

export type LayerEntryKind =
  | 'file'
  | 'directory'
  | 'symlink'
  /** A second name of a file already in the layer (tar type 1); a folder shows it as a file. */
  | 'hardlink'
  /** This layer deletes the path: a 0/0 character device in a folder, `.wh.<name>` in a tar. */
  | 'whiteout'
  /** A folder that hides everything below it in lower layers (overlay's opaque xattr, `.wh..wh..opq`). */
  | 'opaqueDirectory'
  /** Devices, FIFOs, sockets. */
  | 'other';

export interface LayerEntry {
  name: string;
  /** In-layer path, `/app/hello.txt`. */
  path: string;
  kind: LayerEntryKind;
  /** Bytes of a file's content; 0 for everything else. */
  size: number;
  /** Permission bits and type, as stat gives them. */
  mode: number;
  mtimeMs: number;
  /** The owner's user and group IDs; left out when 0 (root), which most entries are. */
  uid?: number;
  gid?: number;
  /** Where a symlink points (as written, never resolved on this host) or what a hard link names. */
  linkTarget?: string;
  /**
   * A file of a folder with more than one name: the same key for every name of it (device and
   * inode). Its tar has the data once, the other names as hard links of size 0; dive counts so.
   */
  hardLinkKey?: string;
  /**
   * A folder the layer holds no entry for, implied by an entry under it (a tar with `d/x` but no
   * `d/`). Only an archive's layers have them: a folder layer's folders are all real. dive stacks
   * such a folder as an empty node, not a folder, so a later whiteout of it counts 0 there.
   */
  implied?: true;
}

export type LayerFsErrorCode =
  | 'notFound'
  | 'notDirectory'
  | 'isDirectory'
  /** A folder on the way is a symbolic link: following it could leave the layer. */
  | 'symlinkOnPath'
  /** The entry is not a regular file (a symlink, a whiteout, a device): it has no content to read. */
  | 'notRegularFile'
  | 'permission'
  | 'tooLarge'
  | 'io';

export class LayerFsError extends Error {
  constructor(
    readonly code: LayerFsErrorCode,
    readonly layerPath: string,
    detail: string,
  ) {
    super(`${layerPath}: ${detail}`);
    this.name = 'LayerFsError';
  }
}

export interface ReadFileOptions {
  /** Refuse files larger than this many bytes (code tooLarge) instead of reading them whole. */
  maxBytes?: number;
  /** Read only these bytes of the file (a piece of a large file, for a digest): up to `length` from `start`. */
  range?: { start: number; length: number };
}

/** The piece of a file of `size` bytes a read covers. */
export function readSpan(size: number, range: ReadFileOptions['range']): { start: number; length: number } {
  if (!range) {
    return { start: 0, length: size };
  }
  const start = Math.min(Math.max(0, range.start), size);
  return { start, length: Math.max(0, Math.min(range.length, size - start)) };
}

/** Where a reader's files come from, for the UI to name. */
export type LayerSource = 'folder' | 'archive' | 'merged';

export interface LayerFileSystem {
  readonly source: LayerSource;
  /** What is at a path. The root is a directory. */
  stat(layerPath: string): Promise<LayerEntry>;
  /** The entries of a directory, in no particular order. */
  readDirectory(layerPath: string): Promise<LayerEntry[]>;
  /** A regular file's content. */
  readFile(layerPath: string, options?: ReadFileOptions): Promise<Buffer>;
  /** The path of an entry on this machine, where there is one (a folder backend; not an archive). */
  hostPath(layerPath: string): string | undefined;
}
