/**
 * The Images view's data: images → layers → cache-id folders → files. Also reports whether the
 * Engine could be reached, for the welcome view's context keys and the view's description.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { EngineEndpoint } from '../core/engine/engineEndpoint';
import { EngineErrorKind, EngineUnreachableError, engineErrorKind } from '../core/engine/engineErrors';
import { OpenedArchives } from '../connection/openedArchives';
import { groupImages, isImageGroup } from '../core/model/imageGroups';
import { filterImages, sortImages } from '../core/model/imageListOrder';
import { ArchiveRootNode } from './nodes/archiveRootNode';
import { ImageNode } from './nodes/imageNode';
import { MessageNode, errorNode } from './nodes/messageNode';
import { RepositoryGroupNode } from './nodes/repositoryGroupNode';
import { TreeContext, TreeNode } from './nodes/treeNode';
import { NodeTreeProvider } from './nodeTreeProvider';

export type EngineState = 'loading' | 'ok' | 'empty' | 'unreachable';

export interface EngineStatus {
  state: EngineState;
  /** Set when unreachable. */
  error?: { kind: EngineErrorKind; message: string; endpoint: EngineEndpoint | undefined };
}

export class ImagesTreeProvider extends NodeTreeProvider {
  private readonly statusChanged = new vscode.EventEmitter<EngineStatus>();
  readonly onDidChangeStatus = this.statusChanged.event;
  private loads = 0;
  /** Filter Images…: the words every listed image must match (imageListOrder.ts). */
  filter: string | undefined;

  constructor(connection: EngineConnection, archives: OpenedArchives, context: TreeContext) {
    super(async (): Promise<TreeNode[]> => {
      // Saved archives first: they need no daemon and show even when there is none.
      const archiveRoots: TreeNode[] = archives.paths.map((archivePath) => new ArchiveRootNode(archivePath, archives, context));
      let endpoint: EngineEndpoint | undefined;
      // Only the newest load may report: a slow failure must not overwrite a later success.
      const load = ++this.loads;
      const report = (status: EngineStatus) => {
        if (load === this.loads) {
          this.statusChanged.fire(status);
        }
      };
      try {
        const connected = await connection.get();
        endpoint = connected.endpoint;
        const images = await connected.catalog.listImages();
        report({ state: images.length > 0 || archiveRoots.length > 0 ? 'ok' : 'empty' });
        const shown = sortImages(filterImages(images, this.filter), context.imageSortKey());
        const nodes = context.groupByRepository()
          ? groupImages(shown).map((entry): TreeNode => (isImageGroup(entry) ? new RepositoryGroupNode(entry, connected.catalog, context) : new ImageNode(entry, connected.catalog, context)))
          : shown.map((image): TreeNode => new ImageNode(image, connected.catalog, context));
        if (this.filter && shown.length === 0) {
          nodes.push(new MessageNode(undefined, 'filtered-out', vscode.l10n.t('No image matches "{0}" ({1} hidden). Clear the filter from the view title.', this.filter, images.length)));
        }
        return [...archiveRoots, ...nodes];
      } catch (error) {
        // Without the image list nothing works: the welcome view explains, with Retry and Settings.
        report({
          state: 'unreachable',
          error: {
            kind: engineErrorKind(error),
            message: (error as Error).message,
            endpoint: error instanceof EngineUnreachableError ? error.endpoint : endpoint,
          },
        });
        // With archives open the welcome view cannot show: say it in a row under them.
        return archiveRoots.length > 0 ? [...archiveRoots, errorNode(undefined, vscode.l10n.t('the images of the Docker Engine'), error)] : [];
      }
    });
  }

  override dispose(): void {
    this.statusChanged.dispose();
    super.dispose();
  }
}
