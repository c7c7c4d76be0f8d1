import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { fromHostFileUri } from './hostFileUri';

/**
 * Read-only view of local files (layer folders under the data root). Every write is refused, and
 * no symlink is followed, neither the last part (shown as a link) nor one on the way (refused), so
 * a link in a layer cannot lead the view out of it.
 */
export class ReadonlyHostFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  watch(): vscode.Disposable {
    // Layer folders do not change while a layer exists; nothing to watch.
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const stat = await call(uri, (file) => fs.lstat(file));
    const type = stat.isSymbolicLink()
      ? vscode.FileType.SymbolicLink | vscode.FileType.File
      : stat.isDirectory()
        ? vscode.FileType.Directory
        : stat.isFile()
          ? vscode.FileType.File
          : vscode.FileType.Unknown;
    return { type, ctime: stat.ctimeMs, mtime: stat.mtimeMs, size: stat.size, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const entries = await call(uri, (dir) => fs.readdir(dir, { withFileTypes: true }));
    return entries.map((entry) => [
      entry.name,
      entry.isDirectory() ? vscode.FileType.Directory : entry.isSymbolicLink() ? vscode.FileType.SymbolicLink : entry.isFile() ? vscode.FileType.File : vscode.FileType.Unknown,
    ]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return call(uri, async (file) => {
      const stat = await fs.lstat(file);
      if (stat.isSymbolicLink()) {
        // The link's target is inside the image's root file system, not this host's: show the link itself.
        return Buffer.from(`symbolic link → ${await fs.readlink(file)}\n`);
      }
      if (!stat.isFile()) {
        return Buffer.from(stat.isCharacterDevice() && stat.rdev === 0 ? 'whiteout: this layer deletes this path\n' : 'not a regular file\n');
      }
      return fs.readFile(file);
    });
  }

  dispose(): void {
    this.changed.dispose();
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(oldUri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(oldUri);
  }
}

async function call<T>(uri: vscode.Uri, operation: (file: string) => Promise<T>): Promise<T> {
  const file = path.posix.normalize(fromHostFileUri(uri));
  try {
    const parent = path.posix.dirname(file);
    if ((await fs.realpath(parent)) !== parent) {
      throw vscode.FileSystemError.NoPermissions(`${uri.path}: the path goes through a symbolic link`);
    }
    return await operation(file);
  } catch (error) {
    throw error instanceof vscode.FileSystemError ? error : toFileSystemError(error as NodeJS.ErrnoException, uri);
  }
}

function toFileSystemError(error: NodeJS.ErrnoException, uri: vscode.Uri): Error {
  switch (error.code) {
    case 'ENOENT':
      return vscode.FileSystemError.FileNotFound(uri);
    case 'EACCES':
    case 'EPERM':
      return vscode.FileSystemError.NoPermissions(uri);
    case 'ENOTDIR':
      return vscode.FileSystemError.FileNotADirectory(uri);
    case 'EISDIR':
      return vscode.FileSystemError.FileIsADirectory(uri);
    default:
      return vscode.FileSystemError.Unavailable(`${uri.path}: ${error.message}`);
  }
}
