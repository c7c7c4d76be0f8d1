/**
 * Dockerfile ↔ layers in a real editor: dle-app's Dockerfile, built outside VS Code by the test
 * setup, gets each layer's size on the line that made it; Go to Dockerfile Step lands on that
 * line; Build Image and Explore builds a new file, links it and shows the image.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import { formatBytes, formatShare } from '../../src/core/format';
import { docker, findImageNode, inspectImage, isRoot, openView, waitFor } from './support';

/** Lens titles by 0-based line, as VS Code resolves them. */
async function lensesByLine(uri: vscode.Uri): Promise<Map<number, string[]>> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
  const byLine = new Map<number, string[]>();
  for (const lens of lenses) {
    byLine.set(lens.range.start.line, [...(byLine.get(lens.range.start.line) ?? []), lens.command?.title ?? '']);
  }
  return byLine;
}

describe('Dockerfile lenses', function () {
  this.timeout(180_000);
  let api: DockerLayersApi;
  let workspace: string;
  let appId: string;

  before(async () => {
    api = await openView();
    appId = (await inspectImage('dle-app:1.0')).Id;
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows each layer\'s size on the instruction that made it, for an image built outside VS Code', async () => {
    const file = path.join(workspace, 'dle-app', 'Dockerfile');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.copyFile(path.join(__dirname, '..', '..', '..', 'test', 'setup', 'images', 'dle-app', 'Dockerfile'), file);
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);
    const lenses = await waitFor('the lenses of dle-app\'s Dockerfile', async () => {
      const found = await lensesByLine(uri);
      return found.get(6)?.some((title) => title.includes('layer 1 of')) ? found : undefined;
    }, 60_000);
    const { catalog } = await api.connection.get();
    const layers = (await catalog.imageLayers(appId)).layers;
    const total = layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0);
    const expectLayer = (line: number, index: number, dockerSize: string) => {
      const title = lenses.get(line)?.[0] ?? '';
      const expected = `${formatBytes(layers[index].size)} (${formatShare(layers[index].size!, total)}) · layer ${index} of dle-app:`;
      assert.ok(title === `${expected}1.0` || title === `${expected}latest`, `line ${line + 1}: ${title}, not ${expected}…`);
      assert.ok(title.startsWith(dockerSize), `line ${line + 1} shows docker history's size ${dockerSize}: ${title}`);
    };
    // The sizes docker history prints for dle-app:1.0.
    expectLayer(6, 1, '22 B');
    expectLayer(12, 2, '76 B');
    expectLayer(13, 3, '76 B');
    expectLayer(15, 4, '4 B');
    expectLayer(18, 5, '0 B');
    for (const line of [3, 4, 19, 20]) {
      assert.deepEqual(lenses.get(line), ['no layer'], `line ${line + 1} (LABEL, ENV, WORKDIR over an existing folder, CMD)`);
    }
    assert.match(lenses.get(1)?.[0] ?? '', /^\$\(package\) dle-app:(1\.0|latest) · 6 layers · 1\.98 MB$/, 'the FROM line names the image');
    assert.ok(!lenses.get(1)?.some((title) => title.includes('differ')), 'a complete match');

    // The hover adds the layer's IDs.
    const hoverText = async (line: number) => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, 2));
      return hovers.flatMap((hover) => hover.contents.map((content) => (content as vscode.MarkdownString).value)).join('\n');
    };
    const text = await hoverText(12);
    assert.ok(text.includes(layers[2].diffId) && text.includes(layers[2].chainId), text);

    // And the largest files the layer added: the RUN on line 7 writes four (hello\n, doomed\n, keep\n, old\n: 22 B).
    const largestAdded = ['**Largest files added**', '', '- `/data/doomed.txt` 7 B', '- `/app/hello.txt` 6 B', '- `/data/keep.txt` 5 B', '- `/app/old/old.txt` 4 B'].join('\n');
    let runHover = await hoverText(6);
    if (!runHover.includes('Largest files added')) {
      // Read only when at hand: as root from the layer folders; else from the image's archive, once it is in the cache.
      assert.ok(!isRoot, `as root the layer folders are readable, so the hover lists the files: ${runHover}`);
      assert.ok(runHover.includes("The layer's files are not read yet: expand it in the Images view, or run Show Image Summary, to see the largest files it added."), runHover);
      assert.equal(await catalog.filesAtHand(appId), false, 'the hover says "not read yet" only while they are not at hand');
      await catalog.fileHistory(appId); // What Show Image Summary does: the archive is downloaded into the cache.
      runHover = await hoverText(6);
    }
    assert.ok(runHover.includes(largestAdded), `the five largest added files, largest first:\n${runHover}`);
    assert.ok((await hoverText(12)).includes('- `/payload.txt` '), 'the COPY adds the payload');

    // An edit the image was not built from is called out, with its lines.
    const editor = await vscode.window.showTextDocument(uri);
    await editor.edit((edit) => edit.replace(new vscode.Range(18, 0, 18, editor.document.lineAt(18).text.length), 'RUN touch /empty /other'));
    const edited = await waitFor('the lenses of the edited file', async () => {
      const found = await lensesByLine(uri);
      return found.get(1)?.some((title) => title.includes('differ')) ? found : undefined;
    });
    assert.ok(edited.get(1)!.some((title) => title.endsWith('image built from another version of this file: line 19 differs')), edited.get(1)!.join(' | '));
    assert.match(edited.get(18)?.[0] ?? '', /^not in dle-app/);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('Go to Dockerfile Step opens the line that made a layer', async () => {
    await vscode.commands.executeCommand('dockerLayers.layer.goToDockerfileStep', { layerTarget: () => ({ image: { imageId: appId, name: 'dle-app:1.0' }, index: 4 }) });
    const editor = await waitFor('the Dockerfile to open', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.fsPath.endsWith(path.join('dle-app', 'Dockerfile')) ? active : undefined;
    });
    assert.equal(editor.selection.start.line, 15, 'RUN rm /data/doomed.txt …');
    assert.equal(editor.selection.end.line, 16, 'the instruction\'s continuation line too');

    // The base image's layer: the FROM line.
    await vscode.commands.executeCommand('dockerLayers.layer.goToDockerfileStep', { layerTarget: () => ({ image: { imageId: appId, name: 'dle-app:1.0' }, index: 0 }) });
    await waitFor('the FROM line to be selected', () => vscode.window.activeTextEditor?.selection.start.line === 1);
  });

  it("a layer's lens reveals that layer in the Images view", async () => {
    const uri = vscode.Uri.file(path.join(workspace, 'dle-app', 'Dockerfile'));
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
    const copy = lenses.find((lens) => lens.range.start.line === 12 && lens.command?.command === 'dockerLayers.dockerfile.revealLayer');
    assert.ok(copy?.command, 'the COPY line has a lens that reveals its layer');
    await vscode.commands.executeCommand(copy.command.command, ...((copy.command.arguments ?? []) as unknown[]));
    await waitFor('layer 2 of dle-app:1.0 to be selected in the Images view', () => api.views.images.view.selection[0]?.id.startsWith(`image/${appId}/layer/2/`));
  });

  it('Build Image and Explore builds the file, links it to the image and shows it', async () => {
    const folder = path.join(workspace, 'built-here');
    await fs.mkdir(folder, { recursive: true });
    const file = path.join(folder, 'Dockerfile');
    await fs.writeFile(file, `FROM dle-base:latest\nRUN echo built at ${Date.now()} > /built.txt\nCMD ["cat", "/built.txt"]\n`);
    const tag = `dle-built-here:${process.pid}`;
    const settings = vscode.workspace.getConfiguration('dockerLayers');
    await settings.update('dockerfile.buildArguments', ['--network', 'none'], vscode.ConfigurationTarget.Global);
    const window = vscode.window as { showInputBox: (...args: unknown[]) => Thenable<string | undefined> };
    const original = window.showInputBox;
    window.showInputBox = async () => tag;
    try {
      await vscode.commands.executeCommand('dockerLayers.dockerfile.buildAndExplore', vscode.Uri.file(file));
      const built = await inspectImage(tag);
      assert.equal(api.dockerfiles.link(vscode.Uri.file(file))?.imageId, built.Id, 'the file is linked to the image it built');
      await waitFor('the image in the Images view', () => findImageNode(api, built.Id));
      const lenses = await waitFor('the lenses of the built file', async () => {
        const found = await lensesByLine(vscode.Uri.file(file));
        return found.get(1)?.[0]?.includes(`layer 1 of ${tag}`) ? found : undefined;
      });
      assert.match(lenses.get(0)?.[0] ?? '', / · linked$/);
      assert.deepEqual(lenses.get(2), ['no layer']);
    } finally {
      window.showInputBox = original;
      await settings.update('dockerfile.buildArguments', undefined, vscode.ConfigurationTarget.Global);
      await docker('rmi', '-f', tag).catch(() => undefined);
    }
  });
});
