/**
 * The size map in a real webview: it draws dle-app:1.0's largest file first, a click on it opens
 * that file, a layer's map holds only that layer's files, and a map follows its image's deletion.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { SizeMapPanel } from '../../src/panels/sizeMapPanels';
import { largestFiles } from '../../src/core/analysis/fileSizes';
import { docker, inspectImage, openView, waitFor } from './support';

const run = promisify(execFile);

async function openedMap(api: DockerLayersApi, imageId: string, layer?: number): Promise<SizeMapPanel> {
  return waitFor(`the size map of ${imageId}${layer === undefined ? '' : ` layer ${layer}`} to be drawn`, () =>
    api.sizeMaps.panels().find((panel) => panel.state.imageId === imageId && panel.state.layer === layer && panel.rendered),
  30_000);
}

describe('Size map', function () {
  this.timeout(120_000);
  let api: DockerLayersApi;
  let appId: string;

  before(async () => {
    api = await openView();
    appId = (await inspectImage('dle-app:1.0')).Id;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("draws the image's largest file first, and a click on it opens that file read-only", async () => {
    await vscode.commands.executeCommand('dockerLayers.image.showSizeMap', { imageRef: () => ({ imageId: appId, name: 'dle-app:1.0' }) });
    const panel = await openedMap(api, appId);
    const { catalog } = await api.connection.get();
    const [largest] = await largestFiles(await catalog.mergedImage(appId), 1);
    const drawn = panel.rendered!;
    assert.equal(drawn.largest[0]?.path, largest.path, `largest drawn: ${drawn.largest.map((file) => file.path).join(', ')}`);
    assert.equal(drawn.largest[0].bytes, largest.size);
    assert.match(drawn.largest[0].label, new RegExp(`^${largest.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, `), 'the accessible name starts with the path');
    assert.equal(panel.webviewPanel.title, 'Size Map: dle-app:1.0');

    await panel.press(largest.path);
    const editor = await waitFor(`${largest.path} to open`, () =>
      vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.path === largest.path),
    );
    const uri = (editor.input as vscode.TabInputText).uri;
    assert.equal(uri.scheme, 'docker-layer');
    const bytes = await vscode.workspace.fs.readFile(uri);
    assert.equal(bytes.length, largest.size, 'the file opened is the one drawn');
  });

  it("maps one layer's own files: the payload COPY holds the payload only, hatched as wasted", async () => {
    const copies = (await catalogLayers(api, appId)).filter((step) => step.includes('COPY'));
    assert.ok(copies.length >= 2, 'dle-app:1.0 copies the payload twice');
    const layer = (await catalogLayers(api, appId)).indexOf(copies[1]);
    await vscode.commands.executeCommand('dockerLayers.layer.showSizeMap', { layerTarget: () => ({ image: { imageId: appId, name: 'dle-app:1.0' }, index: layer }) });
    const panel = await openedMap(api, appId, layer);
    assert.deepEqual(
      panel.rendered!.largest.map((file) => file.path),
      ['/payload.txt'],
    );
    assert.match(panel.rendered!.largest[0].label, /wasted/);
    assert.equal(panel.webviewPanel.title, `Size Map: dle-app:1.0 · layer ${layer}`);
  });

  it('says so when its image is deleted', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-sizemap-'));
    const name = `dle-sizemap-doomed:${process.pid}`;
    try {
      await fs.writeFile(path.join(folder, 'only.bin'), Buffer.alloc(4096, 7));
      await run('tar', ['-C', folder, '-cf', path.join(folder, 'rootfs.tar'), 'only.bin']);
      await docker('import', path.join(folder, 'rootfs.tar'), name);
      const id = (await inspectImage(name)).Id;
      await vscode.commands.executeCommand('dockerLayers.image.showSizeMap', { imageRef: () => ({ imageId: id, name }) });
      const panel = await openedMap(api, id);
      assert.deepEqual(panel.rendered!.largest.map((file) => file.path), ['/only.bin']);
      await docker('rmi', name);
      await waitFor('the map to say the image was deleted', () => panel.statusShown === 'deleted', 30_000);
    } finally {
      await docker('rmi', '-f', name).catch(() => undefined);
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});

async function catalogLayers(api: DockerLayersApi, imageId: string): Promise<string[]> {
  const { catalog } = await api.connection.get();
  return (await catalog.imageLayers(imageId)).layers.map((layer) => layer.step?.step ?? '');
}
