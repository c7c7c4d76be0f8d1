/**
 * Every layer's files in the Images view, Changes and Merged, for root (from the layer folders)
 * and for the docker-group user (from the image archive the Engine exports), and saved archives
 * with no daemon at all.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { child, entries, filesNode, inspectImage, isRoot, labelText, layerNodesOf, openView, rootNodes, waitFor } from './support';

describe('Layer files (Changes and Merged)', function () {
  this.timeout(120_000);
  let api: DockerLayersApi;
  let layers: TreeNode[];

  before(async () => {
    api = await openView();
    const app = await inspectImage('dle-app:1.0');
    layers = await layerNodesOf(api, app.Id);
  });

  it(`shows what each layer changed, deletions marked, ${isRoot ? 'from the layer folders' : 'from the image archive (the folders are root-only)'}`, async () => {
    const changes = await filesNode(layers[4], 'Changes');
    const children = await changes.getChildren();
    const said = children.find((node) => node.getTreeItem().contextValue === 'message:info');
    if (isRoot) {
      assert.ok(!said, 'root reads the folder: no word about the archive');
    } else {
      assert.match(said ? labelText(said.getTreeItem()) : '', /Read from the image archive/);
    }
    const doomed = (await child(changes, 'data', 'doomed.txt')).getTreeItem();
    assert.match(String(doomed.description), /deleted \(whiteout\)/);
    assert.match(String(doomed.contextValue), /^layerEntry:whiteout/);
    const old = (await child(changes, 'app', 'old')).getTreeItem();
    assert.equal(old.contextValue?.replace(/:host$/, ''), 'layerEntry:opaqueDirectory');
    assert.match(String(old.description), /replaced/);
    assert.deepEqual([...(await entries(await child(changes, 'app', 'old'))).keys()], ['new.txt']);
  });

  it('shows the merged file system as of a layer: deletions applied, lower layers included', async () => {
    const merged = await filesNode(layers[4], 'Merged');
    assert.deepEqual([...(await entries(await child(merged, 'data'))).keys()], ['keep.txt'], '/data/doomed.txt is gone as of layer 4, keep.txt stays');
    assert.deepEqual([...(await entries(await child(merged, 'app', 'old'))).keys()], ['new.txt']);
    assert.ok((await entries(await child(merged, 'app'))).has('hello.txt'), 'layer 1 wrote /app/hello.txt');
    assert.ok((await entries(await child(merged, 'bin'))).has('busybox'), 'the base layer is in it');
    const before = await filesNode(layers[1], 'Merged');
    assert.deepEqual([...(await entries(await child(before, 'data'))).keys()].sort(), ['doomed.txt', 'keep.txt'], 'as of layer 1 it is still there');
    assert.deepEqual([...(await entries(await child(before, 'app', 'old'))).keys()], ['old.txt']);
  });

  it(`opens a layer file read-only ${isRoot ? 'as root' : 'as the docker-group user, from the archive'}, titled by the path in the image`, async () => {
    const hello = await child(await filesNode(layers[1], 'Changes'), 'app', 'hello.txt');
    const item = hello.getTreeItem();
    const uri = item.command?.arguments?.[0] as vscode.Uri;
    assert.equal(uri.scheme, 'docker-layer');
    assert.equal(uri.path, '/app/hello.txt');
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.getText(), 'hello\n');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('changed'))), /permission|NoPermissions|readonly/i);
    const host = await api.layerFiles.hostPathOf(uri);
    assert.equal(host === undefined, !isRoot, isRoot ? 'a folder file has a host path' : 'an archive file has none');
  });

  it('titles editor tabs by the image and layer (the label formatter), never by a host path', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const opened = async (node: TreeNode) => {
      const name = labelText(node.getTreeItem());
      await vscode.commands.executeCommand('vscode.open', node.getTreeItem().command?.arguments?.[0]);
      return waitFor(`the tab of ${name}`, () => {
        const label = vscode.window.tabGroups.activeTabGroup.activeTab?.label;
        return label?.startsWith(name) ? label : undefined;
      });
    };
    const hello = await child(await filesNode(layers[1], 'Changes'), 'app', 'hello.txt');
    assert.equal(await opened(hello), 'hello.txt — dle-app:1.0 · layer 1');
    const keep = await child(await filesNode(layers[4], 'Merged'), 'data', 'keep.txt');
    assert.equal(await opened(keep), 'keep.txt — dle-app:1.0 · layer 4 · merged');
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    assert.ok(input instanceof vscode.TabInputText && input.uri.scheme === 'docker-layer' && input.uri.path === '/data/keep.txt', 'the URI is the path in the image');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('saves a copy of a file and of a folder where the user says, and never under the data root', async () => {
    const target = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-save-'));
    try {
      const changes = await filesNode(layers[1], 'Changes');
      const hello = await child(changes, 'app', 'hello.txt');
      const saved = await vscode.commands.executeCommand<vscode.Uri>('dockerLayers.file.saveCopyAs', hello, vscode.Uri.file(path.join(target, 'hello-copy.txt')));
      assert.equal(saved?.fsPath, path.join(target, 'hello-copy.txt'));
      assert.equal(await fs.readFile(path.join(target, 'hello-copy.txt'), 'utf8'), 'hello\n');
      await vscode.commands.executeCommand('dockerLayers.file.saveCopyAs', await child(changes, 'app'), vscode.Uri.file(path.join(target, 'app-copy')));
      assert.equal(await fs.readFile(path.join(target, 'app-copy', 'hello.txt'), 'utf8'), 'hello\n');
      const refused = await vscode.commands.executeCommand('dockerLayers.file.saveCopyAs', hello, vscode.Uri.file('/var/lib/docker/hello.txt'));
      assert.equal(refused, undefined, 'a destination under the data root is refused');
      await assert.rejects(fs.access('/var/lib/docker/hello.txt'));
    } finally {
      await fs.rm(target, { recursive: true, force: true });
    }
  });

  it('opens a saved image archive with no daemon, beside the error, and closes it', async () => {
    const configuration = vscode.workspace.getConfiguration('dockerLayers');
    await configuration.update('host', `unix://${path.join(os.tmpdir(), `dle-no-daemon-${process.pid}.sock`)}`, vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand('dockerLayers.archive.openSample');
      const roots = await waitFor('the archive as a root of the view', async () => {
        const nodes = await rootNodes(api);
        return nodes.some((node) => node.getTreeItem().contextValue === 'archive') ? nodes : undefined;
      });
      assert.ok(roots.some((node) => node.getTreeItem().contextValue === 'message:error'), 'the unreachable Engine is said in a row');
      const archive = roots.find((node) => node.getTreeItem().contextValue === 'archive')!;
      assert.equal(labelText(archive.getTreeItem()), 'sample-image.tar');
      const [image] = await archive.getChildren();
      assert.equal(labelText(image.getTreeItem()), 'sample/app:1.0');
      const imageLayers = await image.getChildren();
      assert.equal(imageLayers.length, 4);
      assert.match(labelText(imageLayers[3].getTreeItem()), /^3 · RUN rm -rf \/app\/logs/);
      const changes = await filesNode(imageLayers[3], 'Changes');
      assert.match(String((await child(changes, 'app', 'logs')).getTreeItem().description), /deleted/);
      const env = await child(await filesNode(imageLayers[3], 'Merged'), 'app', '.env');
      const document = await vscode.workspace.openTextDocument(env.getTreeItem().command?.arguments?.[0] as vscode.Uri);
      assert.match(document.getText(), /^API_TOKEN=/);
      await vscode.commands.executeCommand('dockerLayers.archive.close', archive);
      await waitFor('the archive gone from the view', async () => !(await rootNodes(api)).some((node) => node.getTreeItem().contextValue === 'archive'));
    } finally {
      await configuration.update('host', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('dockerLayers.archive.close', { archiveTarget: () => path.join(path.dirname(api.archives.paths[0] ?? ''), 'sample-image.tar') });
    }
    await waitFor('the images back after restoring the setting', async () => (await rootNodes(api)).length > 0);
  });
});
