/**
 * The Images view's data: images → layers → cache-id folders → files. Also reports whether the
 * Engine could be reached, for the welcome view's context keys and the view's description.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { EngineEndpoint } from '../core/engine/engineEndpoint';
import { EngineErrorKind, EngineUnreachableError, engineErrorKind } from '../core/engine/engineErrors';
import { ImageNode } from './nodes/imageNode';
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

  constructor(connection: EngineConnection, context: TreeContext) {
    super(async (): Promise<TreeNode[]> => {
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
        report({ state: images.length > 0 ? 'ok' : 'empty' });
        return images.map((image) => new ImageNode(image, connected.catalog, context));
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
        return [];
      }
    });
  }

  override dispose(): void {
    this.statusChanged.dispose();
    super.dispose();
  }
}
