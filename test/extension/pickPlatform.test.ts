/**
 * Pick Platform… on a saved archive of a two-platform image (no daemon needed): the quick pick
 * offers both platforms, and the row, the layers and their files follow the one picked.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { toLayerUri } from '../../src/contracts/layerUri';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { layerTar, multiPlatformArchive, multiPlatformImage } from '../unit/helpers/multiPlatformBuilder';
import { openView, rootNodes, waitFor } from './support';

describe('Pick Platform…', function () {
  this.timeout(60_000);
  let api: DockerLayersApi;
  let scratch: string;
  let archive: string;
  const image = multiPlatformImage([
    { os: 'linux', architecture: 'amd64', layers: [layerTar({ 'only-amd64.txt': 'amd64' })] },
    { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [layerTar({ 'only-arm64.txt': 'arm64' })] },
  ]);

  before(async () => {
    api = await openView();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-pick-platform-'));
    archive = path.join(scratch, 'two-platforms.tar');
    await fs.writeFile(archive, multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: 'linux/amd64' }));
    await api.archives.open(archive);
  });
  after(async () => {
    await api.archives.close(archive).catch(() => undefined);
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('offers both platforms, and the row and the layer files follow the one picked', async () => {
    const node = await waitFor('the archive image in the view', async () => {
      for (const root of await rootNodes(api)) {
        if (root.archiveTarget?.() === archive) {
          // The extension runs from its bundle: its classes are not these, so the node is found by what it offers.
          return (await root.getChildren()).find((child: TreeNode) => child.imageRef !== undefined);
        }
      }
      return undefined;
    });
    const window = vscode.window as { showQuickPick: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showQuickPick;
    let offered: vscode.QuickPickItem[] = [];
    window.showQuickPick = async (items: unknown) => {
      offered = (await Promise.resolve(items)) as vscode.QuickPickItem[];
      return offered.find((item) => item.label === 'linux/arm64/v8');
    };
    try {
      assert.equal(await vscode.commands.executeCommand('dockerLayers.image.pickPlatform', node), 'linux/arm64/v8');
    } finally {
      window.showQuickPick = original;
    }
    assert.deepEqual(offered.map((item) => item.label), ['linux/amd64', 'linux/arm64/v8']);
    assert.match(String(node.getTreeItem().description), /linux\/arm64\/v8/);
    assert.equal((await node.getChildren()).length, 1, 'its one layer');
    const imageId = node.imageRef?.()?.imageId ?? '';
    const files = await api.layerFiles.readDirectory(toLayerUri({ layer: { owner: 'image', imageId, index: 0, archive }, root: 'files', path: '/' }));
    assert.deepEqual(files.map(([name]) => name), ['only-arm64.txt']);
  });
});
