/**
 * Reveal, Copy and Inspect on layers and images, from the tree and from the palette, inside a real
 * extension host against the real dockerd. Nothing under the data root may change.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { CommandTarget, LayerFolder } from '../../src/contracts/commandTargets';
import type { RevealOutcome } from '../../src/commands/revealLayerFolder';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { DockerImageInspect, assertUnreadableMessage, diffDirsOf, docker, findImageNode, inspectImage, isRoot, layerNodesOf, openView, runWithQuickPicks, skipUnless, waitFor } from './support';

const LAYER_SCHEME = 'docker-layer';

/** The parts of a layer's Inspect document these tests read. */
interface LayerDocumentJson {
  layer: { index: number; diffId: string; chainId: string; parentChainId: string; cacheId: string };
  history: { createdBy: string }[];
  folder: { diffDir: string; link: string; lower: { layerIndex: number }[] };
  sources: { cacheId: string };
}

/** Names and mtimes under overlay2/, to prove the commands wrote nothing there. */
async function snapshotDataRoot(dirs: string[]): Promise<string> {
  const overlay = path.dirname(path.dirname(dirs[0]));
  const names = (await fs.readdir(overlay)).sort();
  const times = await Promise.all(dirs.map(async (dir) => `${dir}:${(await fs.stat(dir)).mtimeMs}`));
  return JSON.stringify({ names, times });
}

function layerFoldersInWorkspace(): readonly vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === LAYER_SCHEME);
}

describe('Layer actions', function () {
  let api: DockerLayersApi;
  let app: DockerImageInspect;
  let diffDirs: string[];
  let layers: TreeNode[];

  before(async function () {
    api = await openView();
    app = await inspectImage('dle-app:1.0');
    diffDirs = diffDirsOf(app);
    layers = await layerNodesOf(api, app.Id);
  });

  afterEach(async function () {
    await vscode.commands.executeCommand('dockerLayers.layer.removeWorkspaceFolders');
  });

  it('in a single-folder window, Reveal in Explorer first says the window would become a workspace, offering a new window', async function () {
    if (vscode.workspace.workspaceFile) {
      // run-all.sh runs this test alone in a single-folder window (run-in-server.mjs --single-folder) and checks that it passed.
      this.skip();
    }
    if (!isRoot) {
      this.skip(); // The folder cannot be read: Reveal explains that instead of asking.
    }
    const window = vscode.window as { showWarningMessage: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showWarningMessage;
    const asked: unknown[][] = [];
    window.showWarningMessage = (...args: unknown[]) => {
      asked.push(args);
      return Promise.resolve(undefined); // The user closes the dialog.
    };
    let outcome: RevealOutcome;
    try {
      outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.revealInExplorer', layers[1]);
    } finally {
      window.showWarningMessage = original;
    }
    assert.equal(asked.length, 1, 'asked once');
    const [message, options, ...choices] = asked[0];
    assert.match(String(message), /untitled workspace.*reloads it: open editors close/);
    assert.deepEqual(options, { modal: true });
    assert.deepEqual(choices, ['Add to Workspace', 'Open in New Window']);
    assert.ok(outcome.folder, 'the layer has a folder');
    assert.equal(vscode.workspace.workspaceFile, undefined, 'still a single-folder window');
    assert.equal(layerFoldersInWorkspace().length, 0, 'nothing was added');
  });

  it('Reveal in Explorer adds the layer diff folder once, read-only, named after the layer (or says why it cannot)', async function () {
    const before = isRoot ? await snapshotDataRoot(diffDirs) : '';
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.revealInExplorer', layers[1]);
    if (!isRoot) {
      // The usual case: the promised explanation, and nothing added.
      assert.equal(outcome.done, false);
      assertUnreadableMessage(outcome.message, diffDirs[1]);
      assert.equal(layerFoldersInWorkspace().length, 0);
      return;
    }
    assert.equal(outcome.done, true, JSON.stringify(outcome));
    let added = layerFoldersInWorkspace();
    assert.equal(added.length, 1);
    assert.equal(await api.layerFiles.hostPathOf(added[0].uri), diffDirs[1], 'the folder is the diff folder docker inspect reports');
    assert.match(added[0].name, /^layer 1 · RUN mkdir -p \/app\/old \/data &&… · [0-9a-f]{12}$/);
    await vscode.commands.executeCommand('dockerLayers.layer.revealInExplorer', layers[1]);
    added = layerFoldersInWorkspace();
    assert.equal(added.length, 1, 'a second reveal does not add it twice');
    if (isRoot) {
      const names = (await vscode.workspace.fs.readDirectory(added[0].uri)).map(([name]) => name).sort();
      assert.deepEqual(names, ['app', 'data']);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(vscode.Uri.joinPath(added[0].uri, 'new.txt'), Buffer.from('x'))));
      await assert.rejects(fs.access(path.join(diffDirs[1], 'new.txt')), 'nothing was written into the layer');
      assert.equal(await snapshotDataRoot(diffDirs), before, 'the data root is unchanged');
    }
    const removed = await vscode.commands.executeCommand<number>('dockerLayers.layer.removeWorkspaceFolders');
    assert.equal(removed, 1);
    assert.equal(layerFoldersInWorkspace().length, 0);
  });

  it('reveals from the cache-id folder node too, and adds a second layer beside the first', async function () {
    const [directory] = await layers[4].getChildren();
    await vscode.commands.executeCommand('dockerLayers.layer.revealInExplorer', layers[2]);
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.revealInExplorer', directory);
    if (!isRoot) {
      assertUnreadableMessage(outcome.message, diffDirs[4]);
      assert.equal(layerFoldersInWorkspace().length, 0);
      return;
    }
    assert.equal(outcome.done, true);
    assert.deepEqual(
      await Promise.all(layerFoldersInWorkspace().map((folder) => api.layerFiles.hostPathOf(folder.uri))),
      [diffDirs[2], diffDirs[4]],
    );
  });

  it('Open in Integrated Terminal starts a terminal in the diff folder (or says why it cannot)', async function () {
    const terminalsBefore = vscode.window.terminals.length;
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.openInTerminal', layers[5]);
    if (!isRoot) {
      assertUnreadableMessage(outcome.message, diffDirs[5]);
      assert.equal(vscode.window.terminals.length, terminalsBefore, 'no terminal in a folder it cannot enter');
      return;
    }
    assert.equal(outcome.done, true);
    const terminal = await waitFor('the layer terminal', () =>
      vscode.window.terminals.find((candidate) => candidate.name === outcome.folder?.title),
    );
    assert.equal((terminal.creationOptions as vscode.TerminalOptions).cwd, diffDirs[5]);
    terminal.dispose();
  });

  it('Reveal in OS File Manager copies the path where the file manager is on another machine (browser, remote)', async function () {
    skipUnless(this, vscode.env.uiKind === vscode.UIKind.Web || Boolean(vscode.env.remoteName), 'a desktop window opens the real file manager');
    skipUnless(this, isRoot, 'the folder must be readable for the command to get that far');
    await vscode.env.clipboard.writeText('');
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.revealInOS', layers[2]);
    assert.equal(outcome.done, true);
    assert.equal(await vscode.env.clipboard.readText(), diffDirs[2]);
  });

  it('Copy commands put the right IDs and path on the clipboard', async function () {
    const layer = layers[3];
    await vscode.commands.executeCommand('dockerLayers.layer.copyPath', layer);
    assert.equal(await vscode.env.clipboard.readText(), diffDirs[3]);
    await vscode.commands.executeCommand('dockerLayers.copy.diffId', layer);
    assert.equal(await vscode.env.clipboard.readText(), app.RootFS.Layers[3]);
    await vscode.commands.executeCommand('dockerLayers.copy.cacheId', layer);
    assert.equal(await vscode.env.clipboard.readText(), path.basename(path.dirname(diffDirs[3])));
    await vscode.commands.executeCommand('dockerLayers.copy.chainId', layer);
    const chainId = await vscode.env.clipboard.readText();
    assert.ok(layer.id.endsWith(`/${chainId}`), 'the chain ID is the one the node is keyed by');
    if (isRoot) {
      const cacheId = (await fs.readFile(`/var/lib/docker/image/overlay2/layerdb/sha256/${chainId.slice(7)}/cache-id`, 'utf8')).trim();
      assert.equal(cacheId, path.basename(path.dirname(diffDirs[3])), 'layerdb agrees');
    }
    const image = (await findImageNode(api, app.Id))!;
    await vscode.commands.executeCommand('dockerLayers.copy.imageId', image);
    assert.equal(await vscode.env.clipboard.readText(), app.Id);
    await vscode.commands.executeCommand('dockerLayers.copy.tags', image);
    assert.deepEqual((await vscode.env.clipboard.readText()).split('\n').sort(), [...app.RepoTags].sort());
  });

  it('Inspect Image opens the Engine inspect as a JSON document titled by the tag', async function () {
    const image = (await findImageNode(api, app.Id))!;
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('dockerLayers.image.inspect', image);
    assert.equal(document.languageId, 'json');
    assert.match(path.posix.basename(document.uri.path), /^dle-app:(1\.0|latest)\.json$/);
    const inspect = JSON.parse(document.getText()) as DockerImageInspect;
    assert.equal(inspect.Id, app.Id);
    assert.deepEqual(inspect.RootFS.Layers, app.RootFS.Layers);
  });

  it('Inspect Layer composes a document whose IDs match docker inspect and the layerdb', async function () {
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('dockerLayers.layer.inspect', layers[3]);
    assert.equal(document.languageId, 'json');
    assert.match(path.posix.basename(document.uri.path), /^layer 3 of dle-app:(1\.0|latest)\.json$/);
    const doc = JSON.parse(document.getText()) as LayerDocumentJson;
    assert.equal(doc.layer.index, 3);
    assert.equal(doc.layer.diffId, app.RootFS.Layers[3]);
    // Layers 2 and 3 share a diff ID; the document is still layer 3's own (its chain ID).
    assert.equal(app.RootFS.Layers[2], app.RootFS.Layers[3]);
    assert.ok(layers[3].id.endsWith(`/${doc.layer.chainId}`));
    assert.ok(layers[2].id.endsWith(`/${doc.layer.parentChainId}`));
    assert.equal(doc.layer.cacheId, path.basename(path.dirname(diffDirs[3])));
    assert.equal(doc.folder.diffDir, diffDirs[3]);
    assert.match(doc.history.at(-1)?.createdBy ?? '', /COPY file:[0-9a-f]+ in \/payload.txt/);
    if (isRoot) {
      const cacheId = (await fs.readFile(`/var/lib/docker/image/overlay2/layerdb/sha256/${doc.layer.chainId.slice(7)}/cache-id`, 'utf8')).trim();
      assert.equal(doc.layer.cacheId, cacheId);
      assert.equal(doc.sources.cacheId, `layerdb/sha256/${doc.layer.chainId.slice(7)}/cache-id`);
      assert.deepEqual(
        doc.folder.lower.map((lower: { layerIndex: number }) => lower.layerIndex),
        [2, 1, 0],
        'lower links resolve to the layers below, top to bottom',
      );
      assert.equal(doc.folder.link, (await fs.readFile(path.join(path.dirname(diffDirs[3]), 'link'), 'utf8')).trim());
    }
  });

  it('open inspect documents (image and layer) say when their image was deleted', async function () {
    this.timeout(60_000);
    const context = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-inspect-'));
    const tag = `dle-inspect-test:${Date.now()}`;
    await fs.writeFile(path.join(context, 'Dockerfile'), `FROM dle-base:latest\nRUN echo ${Date.now()} > /inspect.txt\n`);
    try {
      await docker('build', '-q', '-t', tag, context);
      const id = (await inspectImage(tag)).Id;
      await api.views.images.provider.getChildren();
      const image = await waitFor('the new image node', async () => {
        api.views.images.provider.refresh();
        return findImageNode(api, id);
      });
      const document = await vscode.commands.executeCommand<vscode.TextDocument>('dockerLayers.image.inspect', image);
      assert.equal((JSON.parse(document.getText()) as { Id: string }).Id, id);
      const [, topLayer] = await image.getChildren();
      const layerDocument = await vscode.commands.executeCommand<vscode.TextDocument>('dockerLayers.layer.inspect', topLayer);
      assert.equal((JSON.parse(layerDocument.getText()) as LayerDocumentJson).layer.index, 1);
      await docker('rmi', tag);
      await waitFor('the document to say the image was deleted', () => /"deleted": true/.test(document.getText()), 15_000);
      assert.match(document.getText(), /no longer exists/);
      await waitFor('the layer document to say so too', () => /"deleted": true/.test(layerDocument.getText()), 15_000);
    } finally {
      await docker('rmi', '-f', tag).catch(() => undefined);
      await fs.rm(context, { recursive: true, force: true });
    }
  });

  it('from the palette, Inspect Image asks for the image with a quick pick', async function () {
    const { catalog } = await api.connection.get();
    const images = await catalog.listImages();
    const base = await inspectImage('dle-base:latest');
    const index = images.findIndex((image) => image.id === base.Id);
    assert.ok(index >= 0);
    const document = await runWithQuickPicks<vscode.TextDocument>('dockerLayers.image.inspect', [index]);
    assert.equal((JSON.parse(document.getText()) as { Id: string }).Id, base.Id);
  });

  it('from the palette, Copy Cache ID asks for an image, then a layer', async function () {
    const { catalog } = await api.connection.get();
    const index = (await catalog.listImages()).findIndex((image) => image.id === app.Id);
    const copied = await runWithQuickPicks<string>('dockerLayers.copy.cacheId', [index, 4]);
    assert.equal(copied, path.basename(path.dirname(diffDirs[4])));
    assert.equal(await vscode.env.clipboard.readText(), copied);
  });

  it('a missing folder gets the promised message, and nothing is added or created', async function () {
    const [directory] = await layers[0].getChildren();
    const real = directory.layerFolder!()!;
    // Outside the data root, so that the folder is missing (not unreadable) for any user.
    const gone = path.join(os.tmpdir(), `dle-gone-${process.pid}`);
    const missing: LayerFolder = { ...real, layerDir: gone, diffDir: path.join(gone, 'diff'), cacheId: 'gone' };
    const target: CommandTarget = { layerFolder: () => missing };
    for (const command of ['revealInExplorer', 'openInTerminal', 'openInNewWindow', 'revealInOS']) {
      const outcome = await vscode.commands.executeCommand<RevealOutcome>(`dockerLayers.layer.${command}`, target);
      assert.equal(outcome.done, false, command);
      assert.match(outcome.message ?? '', /does not exist/, command);
      assert.ok(outcome.message?.includes(missing.diffDir), `${command} names the path`);
    }
    assert.equal(layerFoldersInWorkspace().length, 0);
    await assert.rejects(fs.access(missing.layerDir), 'the folder was not created');
  });

  it('a daemon whose folders are elsewhere (remote, VM, containerd) gets that reason, not an attempt', async function () {
    const [directory] = await layers[0].getChildren();
    const real = directory.layerFolder!()!;
    const limitation = 'The daemon at ssh://builder is on another machine: these paths are on that machine, not this one.';
    const remote: LayerFolder = { ...real, storage: { ...real.storage, location: 'remote', limitation: { code: 'remoteHost', host: 'ssh://builder' } } };
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('dockerLayers.layer.revealInExplorer', { layerFolder: () => remote });
    assert.equal(outcome.done, false);
    assert.ok(outcome.message?.startsWith(limitation));
    assert.equal(layerFoldersInWorkspace().length, 0);
  });
});
