/**
 * The Images view inside a real VS Code extension host, against the real dockerd of the
 * integration tests (test images from test/setup/build-test-images.sh).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { EngineStatus } from '../../src/tree/imagesTreeProvider';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { assertUnreadableMessage, diffDirsOf, docker, findImageNode, inspectImage, isRoot, labelOf, labelText, openView, rootNodes, skipUnless, waitFor } from './support';

describe('Images view', function () {
  let api: DockerLayersApi;

  before(async function () {
    api = await openView();
  });

  it('activates when its view is opened and shows the view', async function () {
    assert.ok(vscode.extensions.getExtension('docker-layer-explorer.docker-layer-explorer')?.isActive);
    await waitFor('the Images view to become visible', () => api.views.images.view.visible);
  });

  it('names the engine, its version, the storage and the data root in the status bar', async function () {
    const [version, dataRoot, driver] = (await docker('info', '--format', '{{.ServerVersion}}|{{.DockerRootDir}}|{{.Driver}}')).trim().split('|');
    const item = api.engineStatus.item;
    await waitFor('the engine in the status bar', () => item.text.startsWith('$(layers) Docker'));
    assert.equal(item.text, `$(layers) Docker ${version} · ${driver}`);
    const tooltip = (item.tooltip as vscode.MarkdownString).value;
    assert.ok(tooltip.includes(dataRoot.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&')), tooltip);
  });

  it('Switch Engine… lists this machine\'s sockets, and the choice is followed by the connection and the status bar', async function () {
    const settings = vscode.workspace.getConfiguration('dockerLayers');
    const window = vscode.window as { showQuickPick: (...args: unknown[]) => Thenable<unknown> };
    const original = window.showQuickPick;
    let offered: (vscode.QuickPickItem & { host?: string })[] = [];
    window.showQuickPick = async (items: unknown) => {
      offered = (await Promise.resolve(items)) as typeof offered;
      return offered.find((item) => item.host === 'unix:///var/run/docker.sock');
    };
    try {
      await vscode.commands.executeCommand('dockerLayers.switchEngine');
      assert.ok(offered.some((item) => item.label.includes('As the docker CLI does')), offered.map((item) => item.label).join(', '));
      assert.equal(vscode.workspace.getConfiguration('dockerLayers').get('host'), 'unix:///var/run/docker.sock', 'the socket chosen is the setting now');
      const { endpoint } = await waitFor('the connection to follow the setting', async () => {
        const connected = await api.connection.get();
        return connected.endpoint.source === 'setting' ? connected : undefined;
      });
      assert.equal(endpoint.host, 'unix:///var/run/docker.sock');
      await waitFor('the status bar to name the endpoint of the setting', () => (api.engineStatus.item.tooltip as vscode.MarkdownString | undefined)?.value.replace(/\\/g, '').includes('from setting dockerLayers.host'));
      assert.match(api.engineStatus.item.text, /^\$\(layers\) Docker /);
    } finally {
      window.showQuickPick = original;
      await settings.update('host', undefined, vscode.ConfigurationTarget.Global);
      await settings.update('context', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('filters images by repository, tag or ID (said in the view description), and sorts them by name', async function () {
    const imageLabels = async () => (await rootNodes(api)).filter((node) => node.id.includes('image/')).map((node) => labelText(node.getTreeItem()));
    try {
      await vscode.commands.executeCommand('dockerLayers.images.filter', 'dle-app');
      const filtered = await waitFor('the filtered list', async () => {
        const labels = await imageLabels();
        return labels.length > 0 && labels.every((label) => label.startsWith('dle-app')) ? labels : undefined;
      });
      assert.equal(filtered.length, 1, `one image, dle-app:1.0 and :latest: ${filtered.join(', ')}`);
      assert.equal(api.views.images.view.description, 'filter: dle-app');
      await vscode.commands.executeCommand('dockerLayers.images.filter', 'no-image-is-called-this');
      const message = await waitFor('the no-match row', async () => (await rootNodes(api)).find((node) => node.id.includes('filtered-out')));
      assert.match(labelText(message.getTreeItem()), /No image matches "no-image-is-called-this"/);
      await vscode.commands.executeCommand('dockerLayers.images.clearFilter');
      assert.equal(api.views.images.view.description, undefined);

      await vscode.commands.executeCommand('dockerLayers.images.sortByName');
      const byName = await waitFor('the list by name', async () => {
        const labels = await imageLabels();
        return labels.length > 2 && labels.join('\n') === [...labels].sort((a, b) => a.localeCompare(b)).join('\n') ? labels : undefined;
      });
      assert.ok(byName.length > 2);
    } finally {
      await vscode.commands.executeCommand('dockerLayers.images.clearFilter');
      await vscode.workspace.getConfiguration('dockerLayers').update('images.sortBy', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('registers every command the manifest contributes', async function () {
    const extension = vscode.extensions.getExtension('docker-layer-explorer.docker-layer-explorer')!;
    const contributed = ((extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands).map((command) => command.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((command) => !registered.has(command)), []);
  });

  it('lists the test images, one node per image with all its tags', async function () {
    const app = await inspectImage('dle-app:1.0');
    const base = await inspectImage('dle-base:latest');
    const roots = await rootNodes(api);
    const appNode = roots.find((node) => node.id === `image/${app.Id}`);
    assert.ok(appNode, 'dle-app is listed');
    assert.equal(roots.filter((node) => node.id === `image/${app.Id}`).length, 1, 'two tags, one node');
    const item = appNode.getTreeItem();
    assert.match(labelText(item), /^dle-app:(1\.0|latest)$/);
    assert.match(String(item.description), new RegExp(app.Id.slice(7, 19)));
    assert.ok(roots.some((node) => node.id === `image/${base.Id}`), 'dle-base is listed');
    const tooltip = await api.views.images.provider.resolveTreeItem(appNode.getTreeItem(), appNode);
    const text = (tooltip.tooltip as vscode.MarkdownString).value;
    assert.ok(text.includes('dle-app:1.0') && text.includes('dle-app:latest'), 'tooltip names both tags');
    assert.ok(text.includes(`| Layers | ${app.RootFS.Layers.length} |`), 'tooltip gives the layer count');
  });

  it('shows an untagged image as <none> with its short ID', async function () {
    const danglingId = await docker('images', '--filter', 'dangling=true', '--filter', 'label=dockerLayers.role=dangling', '--no-trunc', '--format', '{{.ID}}');
    assert.ok(danglingId, 'the test setup made a dangling image');
    const roots = await rootNodes(api);
    const node = roots.find((candidate) => candidate.id === `image/${danglingId.split('\n')[0]}`);
    assert.ok(node, 'the dangling image is listed');
    assert.equal(await labelOf(node), `<none> ${danglingId.slice(7, 19)}`);
  });

  it("lists an image's layers bottom first, labelled with their Dockerfile steps", async function () {
    const app = await inspectImage('dle-app:1.0');
    const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
    const layers = await appNode.getChildren();
    const labels = await Promise.all(layers.map(labelOf));
    assert.equal(layers.length, app.RootFS.Layers.length);
    assert.deepEqual(
      labels.map((label) => label.replace(/ .*$/, '')),
      app.RootFS.Layers.map((_, index) => String(index)),
    );
    assert.match(labels[0], /^0 · dle-base: busybox rootfs/);
    assert.match(labels[1], /^1 · RUN mkdir -p \/app\/old \/data && echo hello > \/app\/hello.txt/);
    assert.match(labels[2], /^2 · COPY file:[0-9a-f]+ in \/payload.txt/);
    assert.match(labels[3], /^3 · COPY file:[0-9a-f]+ in \/payload.txt/);
    assert.match(labels[4], /^4 · RUN rm \/data\/doomed.txt/);
    assert.equal(labels[5], '5 · RUN touch /empty');
    // Two layers with one diff ID stay two nodes with distinct ids.
    assert.equal(app.RootFS.Layers[2], app.RootFS.Layers[3]);
    assert.notEqual(layers[2].id, layers[3].id);
  });

  it('shows metadata-only steps as dimmed leaves in their place when dockerLayers.showEmptyLayers is on', async function () {
    const app = await inspectImage('dle-app:1.0');
    const configuration = vscode.workspace.getConfiguration('dockerLayers');
    await configuration.update('showEmptyLayers', true, vscode.ConfigurationTarget.Global);
    try {
      const labels = await waitFor('the steps with the empty ones', async () => {
        const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
        const children = await appNode.getChildren();
        return children.length > app.RootFS.Layers.length ? children : undefined;
      });
      const items = labels.map((node) => node.getTreeItem());
      // Layers as their index, empty steps as their instruction, in history order.
      const shape = items.map((item) => (item.description === 'no layer' ? labelText(item).split(' ')[0] : `#${labelText(item).split(' · ')[0]}`));
      assert.deepEqual(shape, ['#0', 'LABEL', 'ENV', '#1', '#2', '#3', '#4', '#5', 'WORKDIR', 'CMD']);
      const env = items[2];
      assert.equal(env.description, 'no layer');
      assert.equal(env.resourceUri?.scheme, 'docker-layers-dimmed', 'dimmed through a file decoration');
      assert.equal(env.collapsibleState, vscode.TreeItemCollapsibleState.None);
    } finally {
      await configuration.update('showEmptyLayers', undefined, vscode.ConfigurationTarget.Global);
    }
    const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
    assert.equal((await appNode.getChildren()).length, app.RootFS.Layers.length, 'hidden again by default');
  });

  it("gives each layer a cache-id folder node with the layer's real path", async function () {
    const app = await inspectImage('dle-app:1.0');
    const expectedDirs = diffDirsOf(app);
    const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
    const layers = await appNode.getChildren();
    for (const [index, layer] of layers.entries()) {
      const [directory] = await layer.getChildren();
      const item = directory.getTreeItem();
      const layerDir = path.dirname(expectedDirs[index]);
      assert.equal(item.label, path.basename(layerDir), `layer ${index} folder is labelled with its cache ID`);
      assert.equal(item.description, layerDir, `layer ${index} folder shows its path`);
      if (isRoot) {
        const cacheId = (await fs.readFile(`/var/lib/docker/image/overlay2/layerdb/sha256/${layer.id.split('sha256:').pop()}/cache-id`, 'utf8')).trim();
        assert.equal(item.label, cacheId, `layer ${index} cache ID matches the layerdb`);
      }
    }
  });

  it('tells a user who cannot read the data root why a layer folder does not expand', async function () {
    skipUnless(this, !isRoot, 'root can read the data root');
    const app = await inspectImage('dle-app:1.0');
    const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
    const [directory] = await (await appNode.getChildren())[1].getChildren();
    const [message] = await directory.getChildren();
    const item = message.getTreeItem();
    const layerDir = path.dirname(diffDirsOf(app)[1]);
    assert.equal(item.label, `Not readable by this user: ${layerDir}`);
    assertUnreadableMessage(typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value, layerDir);
  });

  it('expands a layer folder to its real entries and diff/ to the files the layer added', async function () {
    skipUnless(this, isRoot, 'the data root is root-only; the previous test covers other users');
    const app = await inspectImage('dle-app:1.0');
    const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
    const layers = await appNode.getChildren();
    const [directory] = await layers[5].getChildren();
    const entries = await directory.getChildren();
    const names = await Promise.all(entries.map(labelOf));
    assert.ok(names.includes('diff') && names.includes('link'), `folder entries: ${names.join(', ')}`);
    const diff = entries[names.indexOf('diff')];
    const files = await Promise.all((await diff.getChildren()).map(labelOf));
    assert.deepEqual(files, ['empty']);
    // The whiteout of layer 4 is marked as a deletion.
    const [layer4Dir] = await layers[4].getChildren();
    const layer4Diff = (await layer4Dir.getChildren()).find((node) => node.getTreeItem().label === 'diff')!;
    const dataFolder = (await layer4Diff.getChildren()).find((node) => node.getTreeItem().label === 'data')!;
    const doomed = (await dataFolder.getChildren()).find((node) => node.getTreeItem().label === 'doomed.txt')!;
    assert.match(String(doomed.getTreeItem().description), /whiteout/);
  });

  it('opens a layer file read-only, so nothing can be written into Docker storage', async function () {
    skipUnless(this, isRoot, 'only root can open files under the data root');
    const app = await inspectImage('dle-app:1.0');
    const appNode = (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!;
    const layers = await appNode.getChildren();
    const [directory] = await layers[1].getChildren();
    const diff = (await directory.getChildren()).find((node) => node.getTreeItem().label === 'diff')!;
    const appFolder = (await diff.getChildren()).find((node) => node.getTreeItem().label === 'app')!;
    const hello = (await appFolder.getChildren()).find((node) => node.getTreeItem().label === 'hello.txt')!;
    const item = hello.getTreeItem();
    assert.ok(item.command, 'a file opens on click');
    const uri = item.command.arguments![0] as vscode.Uri;
    const document = await vscode.workspace.openTextDocument(uri);
    assert.equal(document.getText(), 'hello\n');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, Buffer.from('changed'))), /permission|NoPermissions|readonly/i);
    const hostPath = await api.layerFiles.hostPathOf(uri);
    assert.equal(hostPath, path.join(path.dirname(diffDirsOf(app)[1]), 'diff', 'app', 'hello.txt'), 'the file is in the layer folder docker inspect reports');
    const onDisk = await fs.readFile(hostPath, 'utf8');
    assert.equal(onDisk, 'hello\n', 'the file on disk is unchanged');
  });

  it('reads nothing outside a layer through a hand-made URI', async function () {
    const app = await inspectImage('dle-app:1.0');
    const hex = app.Id.replace(/^sha256:/, '');
    // The old host-path scheme is gone: it served any absolute path.
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.parse('docker-layer-file:/etc/passwd'))));
    // `..` stays inside the layer: this is layer 1's /etc/passwd, which the layer does not have.
    const escape = vscode.Uri.from({ scheme: 'docker-layer', authority: `image-${hex}-1`, path: '/../../../../../../etc/passwd' });
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(escape)), /not found|EntryNotFound|FileNotFound|permission|NoPermissions/i);
    // An authority that names no layer names nothing.
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.parse('docker-layer://etc/passwd'))), /names no layer|EntryNotFound|FileNotFound/i);
    if (isRoot) {
      // A symbolic link in a layer is shown as a link, never followed on this host.
      const sh = vscode.Uri.from({ scheme: 'docker-layer', authority: `image-${hex}-0`, path: '/bin/sh' });
      assert.equal((await vscode.workspace.fs.stat(sh)).type & vscode.FileType.SymbolicLink, vscode.FileType.SymbolicLink);
      assert.match(Buffer.from(await vscode.workspace.fs.readFile(sh)).toString(), /^symbolic link → /);
    }
  });

  it('picks up a newly built image and drops a deleted one through the event stream', async function () {
    this.timeout(90_000);
    await waitFor('the Images view to become visible', () => api.views.images.view.visible);
    const context = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-event-'));
    const tag = `dle-event-test:${Date.now()}`;
    await fs.writeFile(path.join(context, 'Dockerfile'), `FROM dle-base:latest\nRUN echo ${Date.now()} > /event.txt\n`);
    const changes: (TreeNode | undefined)[] = [];
    const listener = api.views.images.provider.onDidChangeTreeData((node) => changes.push(node));
    try {
      await docker('build', '-q', '-t', tag, context);
      const id = (await inspectImage(tag)).Id;
      // No manual refresh: only the event stream can make the view reload.
      await waitFor('a refresh after the build', () => changes.includes(undefined), 10_000);
      await waitFor('the new image in the view', async () => (await rootNodes(api)).some((node) => node.id === `image/${id}`), 10_000);
      changes.length = 0;
      await docker('rmi', tag);
      await waitFor('a refresh after the delete', () => changes.includes(undefined), 10_000);
      await waitFor('the image gone from the view', async () => !(await rootNodes(api)).some((node) => node.id === `image/${id}`), 10_000);
    } finally {
      listener.dispose();
      await docker('rmi', '-f', tag).catch(() => undefined);
      await fs.rm(context, { recursive: true, force: true });
    }
  });

  it('keeps the layers of an expanded image across event refreshes, and reloads them on a manual refresh', async function () {
    this.timeout(60_000);
    const app = await inspectImage('dle-app:1.0');
    const { engine, catalog } = await api.connection.get();
    const asked: string[] = [];
    const loads: Promise<unknown>[] = [];
    const inspect = engine.inspectImage.bind(engine);
    const imageLayers = catalog.imageLayers.bind(catalog);
    // Spies on the real client and catalog: they count the Engine requests and keep the load each
    // expansion gets (the catalog caches loads by image ID), and pass every call on.
    engine.inspectImage = (reference: string, signal?: AbortSignal) => {
      asked.push(reference);
      return inspect(reference, signal);
    };
    catalog.imageLayers = (reference: string, signal?: AbortSignal) => {
      const load = imageLayers(reference, signal);
      if (reference === app.Id) {
        loads.push(load);
      }
      return load;
    };
    const tag = `dle-cache-probe:${Date.now()}`;
    const changes: (TreeNode | undefined)[] = [];
    const listener = api.views.images.provider.onDidChangeTreeData((node) => changes.push(node));
    try {
      const expandApp = async () => (await rootNodes(api)).find((node) => node.id === `image/${app.Id}`)!.getChildren();
      // From a clean start: earlier tests left the image's layers cached in its node and the catalog.
      await vscode.commands.executeCommand('dockerLayers.images.refresh');
      await expandApp();
      const first = loads.at(-1);
      assert.ok(first, 'expanding the image loads its layers');
      asked.length = 0;
      await docker('tag', 'dle-base:latest', tag);
      await waitFor('the refresh the tag event causes', () => changes.includes(undefined), 10_000);
      assert.equal((await expandApp()).length, app.RootFS.Layers.length);
      assert.equal(loads.at(-1), first, 'an event refresh reloads the list, not the layers of an unchanged image');
      assert.deepEqual(asked, [], 'no Engine request for the layers of an unchanged image');
      await vscode.commands.executeCommand('dockerLayers.images.refresh');
      assert.equal((await expandApp()).length, app.RootFS.Layers.length);
      assert.notEqual(loads.at(-1), first, 'a manual refresh loads the layers again');
      // Root reads a listed image's config and layerdb from disk (no request); others ask the Engine.
      assert.deepEqual(asked, isRoot ? [] : [app.Id], isRoot ? 'root loads them from disk' : 'a manual refresh asks the Engine again');
    } finally {
      listener.dispose();
      engine.inspectImage = inspect;
      catalog.imageLayers = imageLayers;
      await docker('rmi', tag).catch(() => undefined);
    }
  });

  it('looks at the endpoint again on Refresh, as the docker CLI does on every run', async function () {
    const deadHost = `unix://${path.join(os.tmpdir(), `dle-moved-${process.pid}.sock`)}`;
    const previous = process.env.DOCKER_HOST;
    try {
      // What `export DOCKER_HOST=…` or `docker context use …` changes between two refreshes.
      process.env.DOCKER_HOST = deadHost;
      await vscode.commands.executeCommand('dockerLayers.images.refresh');
      await waitFor('the view to follow the new endpoint', async () => {
        await rootNodes(api);
        return api.views.images.view.description === deadHost;
      });
    } finally {
      if (previous === undefined) {
        delete process.env.DOCKER_HOST;
      } else {
        process.env.DOCKER_HOST = previous;
      }
    }
    await vscode.commands.executeCommand('dockerLayers.images.refresh');
    await waitFor('the images back on the usual endpoint', async () => (await rootNodes(api)).length > 0 && !api.views.images.view.description);
  });

  it('shows the welcome view with the endpoint and the error when the daemon is unreachable', async function () {
    const deadSocket = path.join(os.tmpdir(), `dle-dead-${process.pid}.sock`);
    const configuration = vscode.workspace.getConfiguration('dockerLayers');
    const statuses: EngineStatus[] = [];
    const listener = api.views.images.provider.onDidChangeStatus((status) => statuses.push(status));
    try {
      await configuration.update('host', `unix://${deadSocket}`, vscode.ConfigurationTarget.Global);
      const status = await waitFor('the unreachable state', async () => {
        await rootNodes(api);
        return statuses.find((candidate) => candidate.state === 'unreachable');
      });
      assert.deepEqual(await rootNodes(api), [], 'no nodes, so the welcome view shows');
      // The welcome content only shows while the view has no message.
      assert.ok(!api.views.images.view.message, `no view message: ${api.views.images.view.message}`);
      assert.equal(api.views.images.view.description, `unix://${deadSocket}`, 'the view names the endpoint tried');
      assert.equal(status.error?.kind, 'missingSocket', 'the welcome text for a missing socket is chosen');
      assert.match(status.error?.message ?? '', new RegExp(`${deadSocket.replace(/[.]/g, '\\.')}.*ENOENT`));
    } finally {
      listener.dispose();
      await configuration.update('host', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the images back after restoring the setting', async () => (await rootNodes(api)).length > 0);
    await waitFor('the endpoint note cleared', () => !api.views.images.view.description);
  });

  it('shows an Engine that never answers as an error row with Retry, and Retry loads the level once it does', async function () {
    this.timeout(60_000);
    // A container's layers always come from its inspect (root reads a listed image's layers from
    // disk, with no request to hold), so the level that hangs is a container's.
    const exited = JSON.parse(await docker('container', 'inspect', 'dle-exited')) as { Id: string }[];
    const containerId = exited[0].Id;
    // A proxy in front of the real daemon that holds the inspect of one container: headers, then nothing.
    let stalling = true;
    let listed = 0;
    const held = new Set<http.ServerResponse>();
    const proxySocket = path.join(os.tmpdir(), `dle-stalling-${process.pid}.sock`);
    const proxy = http.createServer((request, response) => {
      listed += request.url?.includes('/containers/json') ? 1 : 0;
      if (stalling && request.url?.includes(`/containers/${containerId}/json`)) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.flushHeaders();
        held.add(response);
        return;
      }
      const upstream = http.request({ socketPath: '/var/run/docker.sock', path: request.url, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.destroy());
      // A request the extension drops (its event stream, when the endpoint changes back) ends at the
      // daemon too: an /events reader left open and unread would slow every event dockerd publishes.
      response.on('close', () => upstream.destroy());
      request.pipe(upstream);
    });
    await fs.rm(proxySocket, { force: true });
    await new Promise<void>((resolve) => proxy.listen(proxySocket, resolve));
    const configuration = vscode.workspace.getConfiguration('dockerLayers');
    try {
      await configuration.update('requestTimeout', 2, vscode.ConfigurationTarget.Global);
      await configuration.update('host', `unix://${proxySocket}`, vscode.ConfigurationTarget.Global);
      const findContainer = async () => (await api.views.containers.provider.getChildren()).find((node) => node.id === `container/${containerId}`);
      const container = await waitFor('the containers through the proxy', async () => (listed > 0 ? findContainer() : undefined));
      const started = Date.now();
      const [row] = await container.getChildren();
      const item = row.getTreeItem();
      assert.equal(item.contextValue, 'message:error', 'an error row, which carries the Retry action');
      assert.match(labelText(item), new RegExp(`No answer from the Docker Engine at unix://${proxySocket.replace(/[.]/g, '\\.')} to GET /containers/${containerId}/json: no whole answer within 2 s`));
      assert.ok(Date.now() - started < 15_000, 'at the deadline, not a node loading forever');
      stalling = false;
      await vscode.commands.executeCommand('dockerLayers.retry', row);
      const children = await waitFor('the layers after Retry', async () => {
        const loaded = await container.getChildren();
        return loaded[0]?.getTreeItem().contextValue?.startsWith('message:') ? undefined : loaded;
      });
      assert.deepEqual(await Promise.all(children.map(labelOf)), ['read-write layer', 'init layer', 'dle-app:1.0']);
    } finally {
      for (const response of held) {
        response.destroy();
      }
      await configuration.update('host', undefined, vscode.ConfigurationTarget.Global);
      await configuration.update('requestTimeout', undefined, vscode.ConfigurationTarget.Global);
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await fs.rm(proxySocket, { force: true });
    }
    await waitFor('the images back after restoring the setting', async () => (await rootNodes(api)).length > 0 && !api.views.images.view.description);
  });

  it('a storm of 100 new tags (what a build loop makes) refreshes the view a bounded number of times, the last with them all', async function () {
    this.timeout(180_000);
    const base = await inspectImage('dle-base:latest');
    const tags = Array.from({ length: 100 }, (_, index) => `dle-storm:${index}`);
    const loads: number[] = [];
    const listener = api.views.images.provider.onDidChangeStatus(() => loads.push(Date.now()));
    const started = Date.now();
    try {
      // Paced to last a few seconds, as a build loop's tags do: longer than the view's 2 s refresh bound.
      for (const tag of tags) {
        await docker('tag', base.Id, tag);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const stormMs = Date.now() - started;
      await waitFor('every new tag in the view', async () => {
        const node = (await findImageNode(api, base.Id)) as { image?: { tags: string[] } } | undefined;
        return tags.every((tag) => node?.image?.tags.includes(`${tag}`)) ? true : undefined;
      });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const bound = Math.ceil(stormMs / 2000) + 2;
      process.stdout.write(`      storm: 100 tags in ${stormMs} ms, ${loads.length} refreshes of the view (bound ${bound})\n`);
      assert.ok(stormMs > 3000, `the storm lasted ${stormMs} ms`);
      assert.ok(loads.some((at) => at < started + stormMs), 'the view refreshed during the storm, not only after it');
      assert.ok(loads.length <= bound, `${loads.length} refreshes for 100 events in ${stormMs} ms`);
    } finally {
      listener.dispose();
      await docker('rmi', ...tags);
    }
  });

  it('groups the images of a namespace under one row with their count and total size, when asked', async function () {
    this.timeout(120_000);
    const context = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-group-'));
    const names = ['dle-group/a:1', 'dle-group/b:1'];
    const configuration = vscode.workspace.getConfiguration('dockerLayers');
    try {
      for (const [index, name] of names.entries()) {
        await fs.writeFile(path.join(context, 'Dockerfile'), `FROM dle-base:latest\nLABEL dle.group.member=${index}\n`);
        await docker('build', '--network', 'none', '-q', '-t', name, context);
      }
      const members = await Promise.all(names.map((name) => inspectImage(name)));
      await vscode.commands.executeCommand('dockerLayers.images.groupByRepository');
      const group = await waitFor('the dle-group/* row', async () => (await rootNodes(api)).find((node) => node.id === 'repository/dle-group/*'));
      const item = group.getTreeItem();
      assert.equal(labelText(item), 'dle-group/*');
      assert.match(String(item.description), /^2 images · \S+ \S+$/);
      const children = await group.getChildren();
      assert.deepEqual(children.map((child) => child.id.split('/image/')[1]).sort(), members.map((member) => member.Id).sort());
      const roots = await rootNodes(api);
      const app = await inspectImage('dle-app:1.0');
      assert.ok(roots.some((node) => node.id === `image/${app.Id}`), 'an image alone in its repository stays a row of its own');
      assert.ok(!roots.some((node) => members.some((member) => node.id === `image/${member.Id}`)), 'the members are in the group only');
      // The layers of a grouped image open as anywhere else.
      assert.equal((await children[0].getChildren()).length, 1);
      await vscode.commands.executeCommand('dockerLayers.images.ungroup');
      await waitFor('the rows back, ungrouped', async () => ((await rootNodes(api)).some((node) => node.id === `image/${members[0].Id}`) ? true : undefined));
    } finally {
      await configuration.update('images.groupByRepository', undefined, vscode.ConfigurationTarget.Global);
      await docker('rmi', ...names).catch(() => undefined);
      await fs.rm(context, { recursive: true, force: true });
    }
  });
});
