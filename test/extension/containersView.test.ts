/** The Containers view: each container's read-write and init layers, then its image. */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RevealOutcome } from '../../src/commands/revealLayerFolder';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { assertUnreadableMessage, docker, isRoot, labelOf, openView, runWithQuickPicks } from './support';

interface DockerContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  GraphDriver: { Data: { UpperDir: string; LowerDir: string } };
}

async function inspectContainer(name: string): Promise<DockerContainerInspect> {
  return (JSON.parse(await docker('container', 'inspect', name)) as DockerContainerInspect[])[0];
}

describe('Containers view', function () {
  let api: DockerLayersApi;
  let exited: DockerContainerInspect;
  let node: TreeNode;

  before(async function () {
    api = await openView();
    exited = await inspectContainer('dle-exited');
    const roots = await api.views.containers.provider.getChildren();
    node = roots.find((candidate) => candidate.id === `container/${exited.Id}`)!;
  });

  it('lists stopped containers with name, image and state', async function () {
    assert.ok(node, 'dle-exited is listed');
    const item = node.getTreeItem();
    assert.equal(item.label, 'dle-exited');
    assert.match(String(item.description), /^dle-app:1\.0 · exited · /);
    const created = await inspectContainer('dle-container');
    const roots = await api.views.containers.provider.getChildren();
    const createdNode = roots.find((candidate) => candidate.id === `container/${created.Id}`);
    assert.match(String(createdNode?.getTreeItem().description), / · created · /);
  });

  it("shows the read-write layer at docker inspect's UpperDir, the init layer, then the image", async function () {
    const children = await node.getChildren();
    assert.deepEqual(await Promise.all(children.map(labelOf)), ['read-write layer', 'init layer', 'dle-app:1.0']);
    const readWrite = children[0].layerFolder!()!;
    assert.equal(readWrite.diffDir, exited.GraphDriver.Data.UpperDir);
    const init = children[1].layerFolder!()!;
    assert.equal(init.diffDir, exited.GraphDriver.Data.LowerDir.split(':')[0]);
    assert.equal(init.cacheId, `${readWrite.cacheId}-init`);
    if (isRoot) {
      const mountId = (await fs.readFile(`/var/lib/docker/image/overlay2/layerdb/mounts/${exited.Id}/mount-id`, 'utf8')).trim();
      assert.equal(readWrite.cacheId, mountId, 'the layerdb mount-id agrees');
      const [directory] = await children[0].getChildren();
      const diff = (await directory.getChildren()).find((entry) => entry.getTreeItem().label === 'diff')!;
      const files = await Promise.all((await diff.getChildren()).map(labelOf));
      assert.ok(files.includes('rw.txt'), `the container's own file is in its read-write layer: ${files.join(', ')}`);
    }
    const imageLayers = await children[2].getChildren();
    assert.equal(imageLayers.length, 6, "the image's layers follow");
  });

  it('Reveal and Inspect work on a container layer', async function () {
    const [readWrite] = await node.getChildren();
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.revealInExplorer', readWrite);
    if (isRoot) {
      try {
        assert.equal(outcome.done, true);
        const folders = vscode.workspace.workspaceFolders ?? [];
        const hostPaths = await Promise.all(folders.map((folder) => api.layerFiles.hostPathOf(folder.uri)));
        const added = folders.find((_, index) => hostPaths[index] === exited.GraphDriver.Data.UpperDir);
        assert.ok(added, 'the read-write diff folder is in the workspace');
        assert.match(added.name, /^dle-exited · read-write layer · [0-9a-f]{12}$/);
      } finally {
        await vscode.commands.executeCommand('dockerLayers.layer.removeWorkspaceFolders');
      }
    } else {
      assertUnreadableMessage(outcome.message, exited.GraphDriver.Data.UpperDir);
    }
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('dockerLayers.container.inspect', readWrite);
    assert.equal(path.posix.basename(document.uri.path), 'dle-exited.json');
    assert.equal((JSON.parse(document.getText()) as { Id: string }).Id, exited.Id);
  });

  it('from the palette, Inspect Container asks with a quick pick', async function () {
    const { catalog } = await api.connection.get();
    const index = (await catalog.listContainers()).findIndex((container) => container.id === exited.Id);
    const document = await runWithQuickPicks<vscode.TextDocument>('dockerLayers.container.inspect', [index]);
    assert.equal((JSON.parse(document.getText()) as { Name: string }).Name, '/dle-exited');
  });
});
