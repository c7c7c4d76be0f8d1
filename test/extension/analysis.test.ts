/**
 * Change analysis in the editor, on dle-app:1.0 (legacy builder) and dle-buildkit (BuildKit):
 * change marks, counts and figures, which layer wrote a file, Find Largest Files, Show Wasted
 * Space, Compare with Previous Layer, Compare Images, the image summary and the view options.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { child, docker, entries, filesNode, inspectImage, isRoot, labelText, layerNodesOf, openView, rootNodes, waitFor } from './support';

type QuickPickItem = vscode.QuickPickItem & Record<string, unknown>;

/** Replaces showQuickPick for one command: records each list offered and answers with `choose(items, call)`. */
async function withQuickPicks<T>(choose: (items: QuickPickItem[], call: number) => QuickPickItem | undefined, run: () => Thenable<T>): Promise<{ result: T; offered: QuickPickItem[][] }> {
  const window = vscode.window as { showQuickPick: (...args: unknown[]) => Thenable<unknown> };
  const original = window.showQuickPick;
  const offered: QuickPickItem[][] = [];
  window.showQuickPick = async (items: unknown) => {
    const list = (await Promise.resolve(items)) as QuickPickItem[];
    offered.push(list);
    return choose(list, offered.length - 1);
  };
  try {
    return { result: await run(), offered };
  } finally {
    window.showQuickPick = original;
  }
}

describe('Change analysis in the editor', function () {
  this.timeout(120_000);
  let api: DockerLayersApi;
  let appId: string;
  let layers: TreeNode[];

  before(async () => {
    api = await openView();
    appId = (await inspectImage('dle-app:1.0')).Id;
    layers = await layerNodesOf(api, appId);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('dockerLayers').update('files', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('marks what a layer added, modified, deleted and replaced, as git does', async () => {
    const changes = await filesNode(layers[4], 'Changes');
    const mark = async (node: TreeNode) => {
      const decoration = await api.changeDecorations.provideFileDecoration(node.getTreeItem().resourceUri!);
      return decoration ? [decoration.badge, (decoration.color as vscode.ThemeColor).id] : undefined;
    };
    assert.deepEqual(await mark(await child(changes, 'data', 'doomed.txt')), ['D', 'gitDecoration.deletedResourceForeground']);
    assert.deepEqual(await mark(await child(changes, 'app', 'old')), ['R', 'gitDecoration.modifiedResourceForeground']);
    assert.deepEqual(await mark(await child(changes, 'app', 'old', 'new.txt')), ['A', 'gitDecoration.addedResourceForeground']);
    assert.equal(await mark(await child(changes, 'app')), undefined, 'a folder the layer only passes through is not marked');
    // The second `COPY payload.txt /payload.txt` writes the same file again: modified.
    assert.deepEqual(await mark(await child(await filesNode(layers[3], 'Changes'), 'payload.txt')), ['M', 'gitDecoration.modifiedResourceForeground']);
    const merged = await filesNode(layers[4], 'Merged');
    assert.equal(await mark(await child(merged, 'app', 'hello.txt')), undefined, 'in Merged, only what this layer wrote is marked');
    assert.deepEqual(await mark(await child(merged, 'app', 'old', 'new.txt')), ['A', 'gitDecoration.addedResourceForeground']);
  });

  it("gives each layer's counts in its description and figures in its tooltip", async () => {
    const imageNode = (await rootNodes(api)).find((node) => node.id === `image/${appId}`)!;
    const fresh = await waitFor('the change counts in the layer descriptions', async () => {
      const nodes = await imageNode.getChildren();
      return String(nodes[4].getTreeItem().description).includes('+') ? nodes : undefined;
    });
    // Layer 4: adds /app/old/new.txt, deletes /data/doomed.txt and replaces /app/old.
    assert.match(String(fresh[4].getTreeItem().description), / · \+1 ~0 −2$/);
    const tooltip = (await api.views.images.provider.resolveTreeItem(fresh[4].getTreeItem(), fresh[4])).tooltip as vscode.MarkdownString;
    assert.match(tooltip.value, /\| Added \| 1 · 4 B \|/);
    assert.match(tooltip.value, /\| Deleted \(bytes hidden\) \| 2 · 11 B \|/, 'doomed.txt (7 B) and old/old.txt (4 B)');
  });

  it("shows dive's figures on the image's tooltip and in its summary", async () => {
    const imageNode = (await rootNodes(api)).find((node) => node.id === `image/${appId}`)!;
    const tooltip = (await api.views.images.provider.resolveTreeItem(imageNode.getTreeItem(), imageNode)).tooltip as vscode.MarkdownString;
    if (isRoot) {
      assert.match(tooltip.value, /\| Wasted \| 159 B \(159 bytes, 2 files\) \|/);
      assert.match(tooltip.value, /\| User wasted percent \| 89\.33 % \|/);
    } else {
      assert.match(tooltip.value, /Wasted \| 159 B|run Show Image Summary/, 'figures once the archive is here, else how to get them');
    }
    const document = await vscode.commands.executeCommand<vscode.TextDocument>('dockerLayers.image.showSummary', imageNode);
    const text = document.getText();
    assert.ok(text.startsWith('# dle\\-app:1\\.0\n'), text.slice(0, 80));
    assert.match(text, /\| Wasted \| 159 B \(159 bytes, 2 files\) \|/);
    assert.match(text, /FAIL `highestUserWastedPercent` 0\.1/);
    assert.match(text, /\| 2 \| 152 B \| `\/payload\.txt` \| 2, 3 \|/);
    assert.match(text, /\| 4 \| RUN rm .*\| 1 \(4 B\) \| 0 \(0 B\) \| 2 \(11 B\) \|/);
    // The layer bar chart: both payload copies are all wasted, the base layer has the longest bar.
    const chart = /```text\n([\s\S]*?)```/.exec(text)?.[1].split('\n').filter(Boolean) ?? [];
    assert.equal(chart.length, 6, chart.join('\n'));
    assert.match(chart[0], /^0 · .*█{20}\s+1\.98 MB$/);
    assert.match(chart[2], /^2 · COPY .*  ▒ +76 B  \(76 B wasted\)$/);
    assert.match(chart[3], /^3 · COPY .*  ▒ +76 B  \(76 B wasted\)$/);
  });

  it('names, in Merged, the layer that last wrote each file, and every version in its tooltip', async () => {
    const merged = await filesNode(layers[5], 'Merged');
    const payload = await child(merged, 'payload.txt');
    assert.match(String(payload.getTreeItem().description), /^76 B · layer 3$/);
    const tooltip = (await payload.resolveTooltip!()) as vscode.MarkdownString;
    assert.match(tooltip.value, /\| 2 \| 76 B \| COPY/);
    assert.match(tooltip.value, /\| 3 \| 76 B \| COPY/);
    const doomed = await child(await filesNode(layers[1], 'Merged'), 'data', 'doomed.txt');
    assert.match(String(doomed.getTreeItem().description), /layer 1$/);
  });

  it('Find Largest Files offers the biggest file first, and opens the one chosen', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const imageNode = (await rootNodes(api)).find((node) => node.id === `image/${appId}`)!;
    const { result, offered } = await withQuickPicks((items) => items[0], () => vscode.commands.executeCommand<vscode.Uri>('dockerLayers.files.findLargest', imageNode));
    const sizes = offered[0].map((item) => (item.entry as { size: number }).size);
    assert.equal(offered[0][0].detail, '/bin/busybox', 'busybox is the largest file of the image');
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'largest first');
    assert.match(String(offered[0][0].description), / · layer 0$/);
    assert.equal(result.path, '/bin/busybox');
    await waitFor('the largest file to open', () => vscode.window.tabGroups.activeTabGroup.activeTab?.label.startsWith('busybox'));
  });

  it('Show Wasted Space lists the inefficient files, most wasted first, and jumps to a layer holding a copy', async () => {
    const imageNode = (await rootNodes(api)).find((node) => node.id === `image/${appId}`)!;
    const { result, offered } = await withQuickPicks(
      (items, call) => (call === 0 ? items.find((item) => item.label === '/payload.txt') : items[1]),
      () => vscode.commands.executeCommand<vscode.Uri>('dockerLayers.image.showWastedSpace', imageNode),
    );
    assert.deepEqual(
      offered[0].map((item) => [item.label, item.description]),
      [
        ['/payload.txt', '2 copies · 152 B wasted'],
        ['/data/doomed.txt', '2 copies · 7 B wasted'],
      ],
    );
    assert.deepEqual(
      offered[1].map((item) => item.index),
      [2, 3],
      'the layers that hold a copy',
    );
    assert.equal(result.path, '/payload.txt');
    assert.match(result.authority, /-3$/, 'the copy of layer 3 opened');
    const selected = await waitFor('the layer selected in the Images view', () => api.views.images.view.selection[0]);
    assert.match(selected.id, new RegExp(`^image/${appId}/layer/3/`));
  });

  it('Compare with Previous Layer opens a diff editor of the two versions', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const payload = await child(await filesNode(layers[3], 'Changes'), 'payload.txt');
    await vscode.commands.executeCommand('dockerLayers.file.compareWithPrevious', payload);
    const input = await waitFor('a diff editor', () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      return tab?.input instanceof vscode.TabInputTextDiff ? { input: tab.input, label: tab.label } : undefined;
    });
    assert.equal(input.label, 'payload.txt (layer 2 ↔ layer 3)');
    assert.deepEqual([input.input.original.path, input.input.modified.path], ['/payload.txt', '/payload.txt']);
    assert.match(input.input.original.authority, /-2$/);
    assert.match(input.input.modified.authority, /-3$/);
    const [left, right] = await Promise.all([vscode.workspace.openTextDocument(input.input.original), vscode.workspace.openTextDocument(input.input.modified)]);
    assert.equal(left.getText(), right.getText(), 'the same file, copied twice');
    assert.ok(left.getText().length > 0);
  });

  it('Compare Images lists the known changes between the two builds, and a changed file opens a diff', async function () {
    const buildkit = await inspectImage('dle-buildkit:latest').catch(() => undefined);
    if (!buildkit) {
      this.skip();
    }
    await vscode.commands.executeCommand('dockerLayers.images.compare', { imageId: appId, name: 'dle-app:1.0' }, { imageId: buildkit.Id, name: 'dle-buildkit:latest' });
    const groups = await api.comparison.provider.getChildren();
    const paths = async (group: string) => {
      const node = groups.find((each) => labelText(each.getTreeItem()) === group)!;
      return new Map((await node.getChildren()).map((row) => [labelText(row.getTreeItem()), row]));
    };
    const added = await paths('Added');
    const removed = await paths('Removed');
    const changed = await paths('Changed');
    assert.ok(added.has('/work'), `WORKDIR /work: ${[...added.keys()].join(', ')}`);
    assert.ok(removed.has('/data/keep.txt') && removed.has('/empty'), [...removed.keys()].join(', '));
    assert.deepEqual([...changed.keys()], ['/payload.txt']);
    assert.match(api.comparison.view.description ?? '', /^dle-app:1\.0 → dle-buildkit:latest · −\d+ B$/);
    const row = changed.get('/payload.txt')!.getTreeItem();
    assert.match(String(row.description), /^76 B → 59 B · content$/);
    assert.equal(row.command?.command, 'vscode.diff');
    await vscode.commands.executeCommand(row.command.command, ...((row.command.arguments ?? []) as unknown[]));
    const diff = await waitFor('the diff of /payload.txt', () => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    });
    const [left, right] = await Promise.all([vscode.workspace.openTextDocument(diff.original), vscode.workspace.openTextDocument(diff.modified)]);
    assert.equal([left.getText().length, right.getText().length].join(), '76,59');
  });

  it('Compare Images takes an image and a saved archive: an image and its own `docker save` differ in nothing', async () => {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-compare-archive-'));
    const archive = path.join(folder, 'dle-app.tar');
    try {
      await docker('save', 'dle-app:1.0', '-o', archive);
      await vscode.commands.executeCommand('dockerLayers.archive.open', vscode.Uri.file(archive));
      await vscode.commands.executeCommand('dockerLayers.images.compare', { imageId: appId, name: 'dle-app:1.0' }, { imageId: appId, name: 'dle-app.tar', archive });
      const groups = await api.comparison.provider.getChildren();
      assert.deepEqual(
        groups.map((group) => [labelText(group.getTreeItem()), group.getTreeItem().description]),
        [
          ['Added', '0 paths'],
          ['Removed', '0 paths'],
          ['Changed', '0 paths'],
        ],
      );
      assert.equal(api.comparison.view.message, 'No differences: the two images hold the same files.');
      assert.match(api.comparison.view.description ?? '', /^dle-app:1\.0 → dle-app\.tar · \+0 B$/);
    } finally {
      await vscode.commands.executeCommand('dockerLayers.archive.close', { archiveTarget: () => archive });
      await fs.rm(folder, { recursive: true, force: true });
    }
  });

  it('sorts the file views by size and hides what a layer did not change, as the settings say', async () => {
    const settings = vscode.workspace.getConfiguration('dockerLayers');
    await settings.update('files.hideUnchanged', true, vscode.ConfigurationTarget.Global);
    const merged = await filesNode(layers[4], 'Merged');
    assert.deepEqual([...(await entries(merged)).keys()].sort(), ['app', 'data'], 'only the folders where layer 4 changed something');
    assert.deepEqual([...(await entries(await child(merged, 'app'))).keys()], ['old']);
    await settings.update('files.hideUnchanged', false, vscode.ConfigurationTarget.Global);
    await settings.update('files.sortBy', 'size', vscode.ConfigurationTarget.Global);
    const all = [...(await entries(await filesNode(layers[5], 'Merged'))).entries()];
    assert.equal(all[0][0], 'bin', 'the largest folder first (busybox)');
    assert.match(String(all[0][1].getTreeItem().description), /MB/);
    await settings.update('files.sortBy', undefined, vscode.ConfigurationTarget.Global);
  });
});
