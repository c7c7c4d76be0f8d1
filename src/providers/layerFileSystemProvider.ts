/**
 * docker-layer: URIs as a read-only file system: a thin adapter over the core's layer file system
 * (core/layerfs), which does the reading and the containment. Every write is refused; a URI that
 * toLayerUri did not make names nothing.
 */
import * as vscode from 'vscode';
import { withArchiveProgress } from '../connection/archiveProgress';
import { EngineConnection } from '../connection/engineConnection';
import { OpenedArchives } from '../connection/openedArchives';
import { LAYER_SCHEME, LayerFileRef, fromLayerUri } from '../contracts/layerUri';
import { MergedFileSystem } from '../core/analysis/mergedFileSystem';
import { EngineNotFoundError } from '../core/engine/engineErrors';
import { LayerEntry, LayerEntryKind, LayerFileSystem, LayerFsError } from '../core/layerfs/layerFileSystem';
import { LayerUnavailableError } from '../core/storage/openLocation';
import { limitationMessage } from '../contracts/limitationMessages';

/** Files are read whole into memory to open them: past this, the read is refused with a clear message. */
const MAX_OPEN_BYTES = 512 * 1024 * 1024;

export class LayerFileSystemProvider implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  constructor(
    private readonly connection: EngineConnection,
    private readonly archives: OpenedArchives,
  ) {}

  watch(): vscode.Disposable {
    // An image's layers never change; a container's are shown as they were when read.
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    return this.call(uri, async (files, ref) => fileStatOf(await files.stat(ref.path)));
  }

  readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    return this.call(uri, async (files, ref) => (await files.readDirectory(ref.path)).map((entry): [string, vscode.FileType] => [entry.name, fileTypeOf(entry.kind)]));
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.call(uri, async (files, ref) => {
      const entry = await files.stat(ref.path);
      // A link's target is inside the image's root file system, not this host's: show the link itself.
      switch (entry.kind) {
        case 'symlink':
          // In the merged view a link leads where it leads inside the image; one layer alone may not hold its target.
          if (files instanceof MergedFileSystem) {
            const target = await files.resolve(ref.path).catch(() => undefined);
            if (target && (target.kind === 'file' || target.kind === 'hardlink')) {
              return files.readFile(target.path);
            }
          }
          return Buffer.from(`symbolic link → ${entry.linkTarget ?? '?'}\n`);
        case 'whiteout':
          return Buffer.from('whiteout: this layer deletes this path\n');
        case 'file':
        case 'hardlink':
          return files.readFile(ref.path, { maxBytes: MAX_OPEN_BYTES });
        case 'directory':
        case 'opaqueDirectory':
          throw vscode.FileSystemError.FileIsADirectory(uri);
        case 'other':
          return Buffer.from('not a regular file\n');
      }
    });
  }

  /**
   * An image now shows another platform (Pick Platform…): its layers' URIs name other files, so
   * the open documents of them are told to read again.
   */
  imageChanged(imageId: string): void {
    const changes = vscode.workspace.textDocuments
      .filter(({ uri }) => uri.scheme === LAYER_SCHEME && isLayerOfImage(uri, imageId))
      .map(({ uri }): vscode.FileChangeEvent => ({ type: vscode.FileChangeType.Changed, uri }));
    if (changes.length > 0) {
      this.changed.fire(changes);
    }
  }

  /** Where a docker-layer: URI's file is on this machine, when it is on this machine at all. */
  hostPathOf(uri: vscode.Uri): Promise<string | undefined> {
    if (uri.scheme !== LAYER_SCHEME) {
      return Promise.resolve(undefined);
    }
    return this.call(uri, async (files, ref) => files.hostPath(ref.path));
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

  private async call<T>(uri: vscode.Uri, operation: (files: LayerFileSystem, ref: LayerFileRef) => Promise<T>): Promise<T> {
    let ref: LayerFileRef;
    try {
      ref = fromLayerUri(uri);
    } catch (error) {
      throw vscode.FileSystemError.FileNotFound(`${uri.toString()}: ${(error as Error).message}`);
    }
    try {
      const catalog = await this.archives.catalogFor(ref.layer, this.connection);
      const files = await withArchiveProgress(vscode.l10n.t('Reading the image archive from the Docker Engine'), (options) => catalog.openLayer(ref.layer, ref.root, options));
      return await operation(files, ref);
    } catch (error) {
      throw toFileSystemError(error, uri);
    }
  }
}

function fileTypeOf(kind: LayerEntryKind): vscode.FileType {
  switch (kind) {
    case 'directory':
    case 'opaqueDirectory':
      return vscode.FileType.Directory;
    case 'symlink':
      return vscode.FileType.SymbolicLink | vscode.FileType.File;
    case 'file':
    case 'hardlink':
    case 'whiteout':
      return vscode.FileType.File;
    case 'other':
      return vscode.FileType.Unknown;
  }
}

function fileStatOf(entry: LayerEntry): vscode.FileStat {
  return { type: fileTypeOf(entry.kind), ctime: entry.mtimeMs, mtime: entry.mtimeMs, size: entry.size, permissions: vscode.FilePermission.Readonly };
}

function toFileSystemError(error: unknown, uri: vscode.Uri): Error {
  if (error instanceof vscode.FileSystemError) {
    return error;
  }
  if (error instanceof EngineNotFoundError) {
    return vscode.FileSystemError.FileNotFound(`${uri.path}: ${error.message}`);
  }
  if (error instanceof LayerUnavailableError) {
    return vscode.FileSystemError.Unavailable(limitationMessage(error.limitation));
  }
  if (!(error instanceof LayerFsError)) {
    return vscode.FileSystemError.Unavailable(`${uri.path}: ${(error as Error).message}`);
  }
  switch (error.code) {
    case 'notFound':
      return vscode.FileSystemError.FileNotFound(uri);
    case 'permission':
    case 'symlinkOnPath':
      return vscode.FileSystemError.NoPermissions(error.message);
    case 'notDirectory':
      return vscode.FileSystemError.FileNotADirectory(uri);
    case 'isDirectory':
      return vscode.FileSystemError.FileIsADirectory(uri);
    case 'tooLarge':
      return vscode.FileSystemError.Unavailable(vscode.l10n.t('{0} is too large to open in the editor ({1}).', uri.path, error.message));
    default:
      return vscode.FileSystemError.Unavailable(error.message);
  }
}

function isLayerOfImage(uri: vscode.Uri, imageId: string): boolean {
  try {
    const { layer } = fromLayerUri(uri);
    return layer.owner === 'image' && layer.imageId === imageId;
  } catch {
    return false;
  }
}
