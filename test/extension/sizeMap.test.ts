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
import { SIZE_MAP_VIEW_TYPE } from '../../src/contracts/sizeMapMessages';
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

    // A click on its folder zooms in: the webview draws that folder.
    const folder = path.posix.dirname(largest.path);
    assert.notEqual(folder, '/', 'the largest file is in a folder, to zoom into');
    await panel.press(folder);
    await waitFor(`the map to zoom into ${folder}`, () => panel.rendered?.zoom === folder);
    assert.equal(panel.rendered!.largest[0]?.path, largest.path);

    // Hidden, the page is dropped; shown again, it comes back zoomed where it was.
    const zoomed = panel.rendered;
    const other = await vscode.workspace.openTextDocument({ content: 'another tab' });
    await vscode.window.showTextDocument(other, { viewColumn: panel.webviewPanel.viewColumn, preview: false });
    await waitFor('the map to be hidden', () => !panel.webviewPanel.visible);
    panel.webviewPanel.reveal();
    await waitFor('the map to be drawn again', () => panel.rendered !== zoomed);
    assert.equal(panel.rendered!.zoom, folder);

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

    // Its legend entry reveals the layer in the Images view.
    await panel.press({ legendLayer: layer });
    // Selected now, of this image: a selection left by an earlier test would be another layer or image.
    await waitFor(`layer ${layer} of dle-app:1.0 to be selected in the Images view`, () => api.views.images.view.selection[0]?.id.startsWith(`image/${appId}/layer/${layer}/`));
  });

  it('comes back after a window reload (its serializer), zoomed where it was', async () => {
    const webviewPanel = vscode.window.createWebviewPanel(SIZE_MAP_VIEW_TYPE, 'restored', vscode.ViewColumn.Active);
    await api.sizeMaps.deserializeWebviewPanel(webviewPanel, { imageId: appId, name: 'dle-app:1.0', zoom: '/bin' });
    const panel = await openedMap(api, appId);
    assert.equal(panel.rendered!.zoom, '/bin');
    assert.equal(panel.webviewPanel.title, 'Size Map: dle-app:1.0');
    const junk = vscode.window.createWebviewPanel(SIZE_MAP_VIEW_TYPE, 'junk', vscode.ViewColumn.Active);
    let disposed = false;
    junk.onDidDispose(() => (disposed = true));
    await api.sizeMaps.deserializeWebviewPanel(junk, { imageId: '../../etc/passwd', name: 1 });
    assert.ok(disposed, 'a panel whose saved state names no image is closed, not left empty');
  });

  it('reads no archive a restored state names unless the user has it open, and says so', async () => {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-sizemap-archive-'));
    const archive = path.join(scratch, 'never-opened.tar');
    await docker('save', '-o', archive, 'dle-app:1.0');
    try {
      const webviewPanel = vscode.window.createWebviewPanel(SIZE_MAP_VIEW_TYPE, 'restored', vscode.ViewColumn.Active);
      await api.sizeMaps.deserializeWebviewPanel(webviewPanel, { imageId: appId, name: 'dle-app:1.0', archive });
      const panel = await waitFor('the restored panel to say its archive is not open', () =>
        api.sizeMaps.panels().find((candidate) => candidate.state.archive === archive && candidate.statusShown === 'error'),
      );
      assert.match(panel.statusMessage ?? '', /is not open in the Docker Layers view/);
      assert.ok(panel.statusMessage?.includes(archive), 'it names the archive');
      assert.equal(panel.rendered, undefined, 'nothing was drawn from it');
      assert.equal(api.archives.paths.includes(archive), false, 'the archive was not opened (opening remembers it)');

      // Opened by the user (Open Image Archive…), the same panel shows its map.
      await api.archives.open(archive);
      await waitFor('the map of the archive, once it is open', () => panel.rendered?.largest.length, 60_000);
    } finally {
      await api.archives.close(archive).catch(() => undefined);
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });

  it('shows the new image when its tag is rebuilt, and says so when its image is deleted', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-sizemap-'));
    const name = `dle-sizemap-doomed:${process.pid}`;
    const imported = async (file: string) => {
      await fs.writeFile(path.join(folder, file), Buffer.alloc(4096, 7));
      await run('tar', ['-C', folder, '-cf', path.join(folder, `${file}.tar`), file]);
      await docker('import', path.join(folder, `${file}.tar`), name);
      return (await inspectImage(name)).Id;
    };
    const ids: string[] = [];
    try {
      ids.push(await imported('first.bin'));
      await vscode.commands.executeCommand('dockerLayers.image.showSizeMap', { imageRef: () => ({ imageId: ids[0], name }) });
      const panel = await openedMap(api, ids[0]);
      assert.deepEqual(panel.rendered!.largest.map((file) => file.path), ['/first.bin']);

      ids.push(await imported('second.bin'));
      await waitFor('the map to follow the tag to the new image', () => panel.state.imageId === ids[1] && panel.rendered?.largest[0]?.path === '/second.bin', 30_000);

      await docker('rmi', name);
      await waitFor('the map to say the image was deleted', () => panel.statusShown === 'deleted', 30_000);

      // Hidden and shown again, the page is made anew: it still says so.
      const before = panel.rendered;
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: 'another tab' }), { viewColumn: panel.webviewPanel.viewColumn, preview: false });
      await waitFor('the map to be hidden', () => !panel.webviewPanel.visible);
      panel.webviewPanel.reveal();
      await waitFor('the map to be drawn again, still saying the image was deleted', () => panel.rendered !== before && panel.statusShown === 'deleted');
    } finally {
      await docker('rmi', '-f', name, ...ids).catch(() => undefined);
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});

async function catalogLayers(api: DockerLayersApi, imageId: string): Promise<string[]> {
  const { catalog } = await api.connection.get();
  return (await catalog.imageLayers(imageId)).layers.map((layer) => layer.step?.step ?? '');
}
