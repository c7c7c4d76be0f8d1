/**
 * The Images view's data: images → layers → cache-id folders → files. Also reports whether the
 * Engine could be reached, for the welcome view's context key and the view message.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { ImageNode } from './nodes/imageNode';
import { TreeContext, TreeNode } from './nodes/treeNode';
import { NodeTreeProvider } from './nodeTreeProvider';

export type EngineState = 'loading' | 'ok' | 'empty' | 'unreachable';

export class ImagesTreeProvider extends NodeTreeProvider {
  private readonly stateChanged = new vscode.EventEmitter<{ state: EngineState; message: string | undefined }>();
  readonly onDidChangeState = this.stateChanged.event;

  constructor(connection: EngineConnection, context: TreeContext) {
    super(async (): Promise<TreeNode[]> => {
      try {
        const { catalog } = await connection.get();
        // A refresh must not be answered from the previous load's cache.
        catalog.invalidate();
        const images = await catalog.listImages();
        this.stateChanged.fire({ state: images.length > 0 ? 'ok' : 'empty', message: undefined });
        return images.map((image) => new ImageNode(image, catalog, context));
      } catch (error) {
        // Without the image list nothing works: the welcome view explains, with Retry and Settings.
        this.stateChanged.fire({ state: 'unreachable', message: (error as Error).message });
        return [];
      }
    });
  }

  override dispose(): void {
    this.stateChanged.dispose();
    super.dispose();
  }
}
