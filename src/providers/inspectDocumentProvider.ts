/**
 * Content of docker-inspect: documents. Follows the Engine's events while any is open, and
 * re-renders the open ones when their image or container changes or is deleted.
 */
import * as vscode from 'vscode';
import { InspectTarget } from '../contracts/commandTargets';
import { INSPECT_SCHEME, fromInspectUri } from '../contracts/inspectUri';
import { limitationMessage } from '../contracts/limitationMessages';
import { EngineConnection } from '../connection/engineConnection';
import { EngineEvents } from '../connection/engineEvents';
import { OpenedArchives } from '../connection/openedArchives';
import { Debouncer } from '../core/debouncer';
import { EngineNotFoundError } from '../core/engine/engineErrors';
import { changesContainers, changesImages } from '../core/engine/relevantEvents';
import { imageSummaryFromInspect } from '../core/model/image';

const DEBOUNCE_MS = 300;

export class InspectDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private subscription: vscode.Disposable | undefined;
  private readonly debouncer = new Debouncer(DEBOUNCE_MS, () => this.refreshOpenDocuments());
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly connection: EngineConnection,
    private readonly archives: OpenedArchives,
    private readonly events: EngineEvents,
  ) {
    this.disposables = [
      this.changed,
      vscode.workspace.onDidOpenTextDocument(() => this.followWhileOpen()),
      vscode.workspace.onDidCloseTextDocument(() => this.followWhileOpen()),
      connection.onDidChange(() => this.refreshOpenDocuments()),
    ];
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = fromInspectUri(uri);
    try {
      return `${JSON.stringify(await this.inspect(target), null, 2)}\n`;
    } catch (error) {
      const deleted = error instanceof EngineNotFoundError;
      return `${JSON.stringify(
        {
          [deleted ? 'deleted' : 'error']: true,
          message: deleted
            ? vscode.l10n.t('{0} no longer exists: it was deleted.', describe(target))
            : vscode.l10n.t('Could not inspect {0}: {1}', describe(target), (error as Error).message),
          target,
          at: new Date().toISOString(),
        },
        null,
        2,
      )}\n`;
    }
  }

  private async inspect(target: InspectTarget): Promise<unknown> {
    const archive = target.kind !== 'container' ? target.archive : undefined;
    const catalog = archive ? await this.archives.catalogOfOpened(archive) : (await this.connection.get()).catalog;
    const { engine } = catalog;
    switch (target.kind) {
      case 'image':
        return engine.inspectImage(target.id);
      case 'container':
        return engine.inspectContainer(target.id);
      case 'layer': {
        // Asked each time: it tells whether the image still exists, and its current tags; the layers
        // themselves are fixed for an image ID and come from the catalog's cache.
        const [current, cached] = await Promise.all([engine.inspectImage(target.imageId), catalog.imageLayers(target.imageId)]);
        const layer = cached.layers[target.index];
        if (!layer || layer.chainId !== target.chainId) {
          throw new EngineNotFoundError(target.chainId, `layer ${target.index} (${target.chainId}) is not in the image any more`);
        }
        const document = await catalog.layerDocument(target.imageId, target.index, limitationMessage);
        return { ...document, image: { id: current.Id, tags: imageSummaryFromInspect(current).tags } };
      }
    }
  }

  /** Events are followed only while an inspect document is open. */
  private followWhileOpen(): void {
    const anyOpen = vscode.workspace.textDocuments.some((document) => document.uri.scheme === INSPECT_SCHEME);
    if (anyOpen && !this.subscription) {
      this.subscription = this.events.subscribe((notice) => {
        if (notice.kind !== 'event' || changesImages(notice.event) || changesContainers(notice.event)) {
          this.debouncer.schedule();
        }
      });
    } else if (!anyOpen && this.subscription) {
      this.subscription.dispose();
      this.subscription = undefined;
    }
  }

  private refreshOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) {
      if (document.uri.scheme === INSPECT_SCHEME) {
        this.changed.fire(document.uri);
      }
    }
  }

  dispose(): void {
    this.debouncer.cancel();
    this.subscription?.dispose();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

function describe(target: InspectTarget): string {
  return target.kind === 'layer' ? target.title : `${target.kind} ${target.title}`;
}
