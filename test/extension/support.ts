/** Shared by the extension-host tests: the extension's API, waiting, and the docker CLI. */
import * as assert from 'node:assert/strict';
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
  // The legacy builder: with buildx present the docker CLI would build with BuildKit, which on
  // dockerd 20.10 sends no image event for a new image (only untag/delete later).
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  return stdout.trim();
}

export async function labelOf(node: TreeNode): Promise<string> {
  return labelText(node.getTreeItem());
}

export function labelText(item: vscode.TreeItem): string {
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

export interface DockerImageInspect {
  Id: string;
  RepoTags: string[];
  RootFS: { Layers: string[] };
  GraphDriver: { Data: { UpperDir: string; LowerDir?: string } };
}

export async function inspectImage(reference: string): Promise<DockerImageInspect> {
  return (JSON.parse(await docker('image', 'inspect', reference)) as DockerImageInspect[])[0];
}

/** Layer diff folders bottom first, from `docker image inspect` (what the user would check by hand). */
export function diffDirsOf(inspect: DockerImageInspect): string[] {
  const lower = inspect.GraphDriver.Data.LowerDir ? inspect.GraphDriver.Data.LowerDir.split(':') : [];
  return [inspect.GraphDriver.Data.UpperDir, ...lower].reverse();
}

/** The layer nodes of an image in the Images view. */
export async function layerNodesOf(api: DockerLayersApi, imageId: string): Promise<TreeNode[]> {
  const image = await findImageNode(api, imageId);
  if (!image) {
    throw new Error(`image ${imageId} is not in the Images view`);
  }
  return image.getChildren();
}

/** Runs a command that opens quick picks, answering each with the item at the given index. */
export async function runWithQuickPicks<T>(command: string, indexes: number[]): Promise<T> {
  const result = vscode.commands.executeCommand<T>(command);
  for (const index of indexes) {
    // Let the quick pick open and fill before moving in it (there is no API to read its state).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (let i = 0; i < index; i++) {
      await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    }
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return result;
}

/** The extension host runs as root in one CI pass and as an unprivileged docker-group user in another. */
export const isRoot = process.getuid?.() === 0;

/** Skips with the reason printed, so a skipped test is never a silent pass. */
export function skipUnless(context: Mocha.Context, condition: boolean, reason: string): void {
  if (!condition) {
    console.log(`      (skipped: ${reason})`);
    context.skip();
  }
}

/** What an unprivileged user must be told about a folder under the root-only data root. */
export function assertUnreadableMessage(message: string | undefined, folder: string): void {
  assert.ok(message?.includes(folder), `the message names the folder: ${message}`);
  assert.match(message ?? '', /is not readable by user \S+: Docker's data root \S+ belongs to root/);
  assert.match(message ?? '', /sudo ls -la /, 'it offers what works instead');
}

/** The children of a node that stand for files (message rows left out), by label. */
export async function entries(node: TreeNode): Promise<Map<string, TreeNode>> {
  const children = await node.getChildren();
  return new Map(children.filter((child) => child.getTreeItem().contextValue?.startsWith('layerEntry:')).map((child) => [labelText(child.getTreeItem()), child]));
}

export async function child(node: TreeNode, ...names: string[]): Promise<TreeNode> {
  let current = node;
  for (const name of names) {
    const next = (await entries(current)).get(name);
    assert.ok(next, `${name} under ${labelText(current.getTreeItem())}: ${[...(await entries(current)).keys()].join(', ')}`);
    current = next;
  }
  return current;
}

export async function filesNode(layer: TreeNode, mode: 'Changes' | 'Merged'): Promise<TreeNode> {
  const found = (await layer.getChildren()).find((node) => labelText(node.getTreeItem()) === mode);
  assert.ok(found, `the layer has a ${mode} node`);
  return found;
}
