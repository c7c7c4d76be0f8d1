/**
 * Saved image archives the user opened (Open Image Archive…): each is read through its own
 * catalog, with no daemon, and shows as a root of the Images view. Remembered across reloads.
 * Decompressed copies live in the archive cache, under its size limit; closing an archive
 * deletes them.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { ArchiveCache } from '../core/archive/archiveCache';
import { ArchiveEngine } from '../core/archive/archiveEngine';
import { ImageArchive } from '../core/archive/imageArchive';
import { ImageCatalog } from '../core/imageCatalog';
import { LayerRef } from '../core/layerfs/layerRef';
import { Logger, taggedLogger } from '../core/logger';
import { ArchiveStore } from '../core/storage/archive/archiveStore';
import { EngineConnection } from './engineConnection';

export interface OpenedArchive {
  /** The archive as the user picked it. */
  path: string;
  archive: ImageArchive;
  catalog: ImageCatalog;
}

const REMEMBERED = 'dockerLayers.openedArchives';

export class OpenedArchives implements vscode.Disposable {
  private readonly opened = new Map<string, Promise<OpenedArchive>>();
  /** Archives being closed: nothing opens them again meanwhile (a tree refresh would, and that copy would stay open). */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly memento: vscode.Memento,
    /** Decompressed copies of compressed archives and blobs go to its filesDir. */
    private readonly cache: ArchiveCache,
    private readonly log: Logger,
  ) {}

  /** The archives opened in earlier sessions, in the order they were opened. */
  get paths(): string[] {
    return this.memento.get<string[]>(REMEMBERED, []);
  }

  /** Opens (or returns the opened) archive; it is remembered once it opened. Refused while it closes. */
  open(archivePath: string, signal?: AbortSignal): Promise<OpenedArchive> {
    const key = path.resolve(archivePath);
    if (this.closing.has(key)) {
      return Promise.reject(new Error(vscode.l10n.t('{0} is being closed.', key)));
    }
    const existing = this.opened.get(key);
    if (existing) {
      return existing;
    }
    const opening = (async () => {
      const archive = await this.cache.openSavedArchive(key, { signal });
      const catalog = new ImageCatalog(new ArchiveEngine(archive), taggedLogger(this.log, 'archive'), { store: new ArchiveStore(archive) });
      // A close that began meanwhile closes this archive (it awaits this open): it is not remembered again.
      if (!this.closing.has(key) && !this.paths.includes(key)) {
        await this.memento.update(REMEMBERED, [...this.paths, key]);
        this.changed.fire();
      }
      return { path: key, archive, catalog };
    })();
    this.opened.set(key, opening);
    opening.catch(() => {
      if (this.opened.get(key) === opening) {
        this.opened.delete(key);
      }
    });
    return opening;
  }

  /** Forgets the archive and deletes its decompressed copies (those no other open archive reads). */
  close(archivePath: string): Promise<void> {
    const key = path.resolve(archivePath);
    const existing = this.closing.get(key);
    if (existing) {
      return existing;
    }
    // Marked closing before any of it runs (a listener of onDidChange may ask for the archive at once).
    const closing = Promise.resolve()
      .then(() => this.closeNow(key))
      .finally(() => this.closing.delete(key));
    this.closing.set(key, closing);
    return closing;
  }

  private async closeNow(key: string): Promise<void> {
    const opening = this.opened.get(key);
    // Forgotten before anything is awaited: a refresh meanwhile finds the archive neither remembered nor open.
    const forgetting = Promise.resolve(
      this.memento.update(
        REMEMBERED,
        this.paths.filter((candidate) => candidate !== key),
      ),
    );
    forgetting.catch(() => undefined); // Reported below, once the open settled.
    this.changed.fire();
    const opened = await opening?.catch(() => undefined);
    if (this.opened.get(key) === opening) {
      this.opened.delete(key);
    }
    await forgetting;
    await (opened ? opened.archive.close() : this.cache.deleteSavedArchiveCopies(key)).catch((error: Error) => this.log.warn(`[archive] cannot delete the decompressed copies of ${key}: ${error.message}`));
  }

  /** The catalog a layer reference is read through: its archive's, or the daemon's. */
  async catalogFor(ref: LayerRef, connection: EngineConnection): Promise<ImageCatalog> {
    if (ref.owner === 'image' && ref.archive) {
      return this.catalogOfOpened(ref.archive);
    }
    return (await connection.get()).catalog;
  }

  /** The catalog of an archive the user opened; a path named by a URI made elsewhere opens nothing. */
  async catalogOfOpened(archivePath: string): Promise<ImageCatalog> {
    const key = path.resolve(archivePath);
    if (this.closing.has(key) || !this.paths.includes(key)) {
      throw new Error(vscode.l10n.t('{0} is not an image archive opened in the Docker Layers view.', archivePath));
    }
    return (await this.open(archivePath)).catalog;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
