/** Shared by the extension-host tests: the extension's API, waiting, and the docker CLI. */
import { execFile } from 'child_process';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';

const run = promisify(execFile);

export const EXTENSION_ID = 'docker-layer-explorer.docker-layer-explorer';

/** Opens the Docker Layers view (which activates the extension) and returns its API. */
export async function openView(): Promise<DockerLayersApi> {
  await vscode.commands.executeCommand('workbench.view.extension.dockerLayers');
  const extension = vscode.extensions.getExtension<DockerLayersApi>(EXTENSION_ID);
  if (!extension) {
    throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  }
  return waitFor('the extension to activate', async () => (extension.isActive ? extension.exports : undefined));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

export async function labelOf(node: TreeNode): Promise<string> {
  const item = node.getTreeItem();
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** The root nodes as the view would load them now. */
export async function rootNodes(api: DockerLayersApi): Promise<TreeNode[]> {
  return api.views.images.provider.getChildren();
}

export async function findImageNode(api: DockerLayersApi, id: string): Promise<TreeNode | undefined> {
  const roots = await rootNodes(api);
  return roots.find((node) => node.id === `image/${id}`);
}
