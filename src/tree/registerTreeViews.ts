import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { EngineEvents } from '../connection/engineEvents';
import { OpenedArchives } from '../connection/openedArchives';
import { eventAction } from '../core/engine/engineEventStream';
import { EngineEvent } from '../core/engine/engineTypes';
import { changesContainers, changesImages } from '../core/engine/relevantEvents';
import { Logger } from '../core/logger';
import { ImagesTreeProvider } from './imagesTreeProvider';
import { ContainerNode } from './nodes/containerNode';
import { MessageNode } from './nodes/messageNode';
import { TreeContext, TreeNode } from './nodes/treeNode';
import { NodeTreeProvider } from './nodeTreeProvider';
import { refreshOnEngineEvents } from './refreshOnEngineEvents';

export const IMAGES_VIEW_ID = 'dockerLayers.images';
export const CONTAINERS_VIEW_ID = 'dockerLayers.containers';
/** Context key the welcome views read: loading | ok | empty | unreachable. */
export const ENGINE_STATE_KEY = 'dockerLayers.engineState';
/** Context key of the Images view's title: a filter is set (Clear Filter shows). */
const IMAGES_FILTERED_KEY = 'dockerLayers.imagesFiltered';
/** Why it is unreachable (missingSocket, permission, refused, host, config, other): picks the welcome text. */
export const ENGINE_ERROR_KIND_KEY = 'dockerLayers.engineErrorKind';

export interface TreeViews {
  images: { provider: ImagesTreeProvider; view: vscode.TreeView<TreeNode> };
  containers: { provider: NodeTreeProvider; view: vscode.TreeView<TreeNode> };
}

export function registerTreeViews(context: vscode.ExtensionContext, connection: EngineConnection, archives: OpenedArchives, events: EngineEvents, log: Logger): TreeViews {
  const settings = () => vscode.workspace.getConfiguration('dockerLayers');
  const treeContext: TreeContext = {
    connection,
    log,
    showEmptyLayers: () => settings().get<boolean>('showEmptyLayers', false),
    fileViewOptions: () => ({ sortBy: settings().get<string>('files.sortBy') === 'size' ? 'size' : 'name', hideUnchanged: settings().get<boolean>('files.hideUnchanged', false) }),
    imageSortKey: () => {
      const key = settings().get<string>('images.sortBy', 'created');
      return key === 'name' || key === 'size' ? key : 'created';
    },
    groupByRepository: () => settings().get<boolean>('images.groupByRepository', false),
    // A node shows in one of the two views; the other ignores a node it does not hold.
    refresh: (node) => {
      images.refresh(node);
      containers.refresh(node);
    },
  };
  const images = new ImagesTreeProvider(connection, archives, treeContext);
  const containers = new NodeTreeProvider(() => loadContainers(connection, treeContext));
  const imagesView = vscode.window.createTreeView(IMAGES_VIEW_ID, { treeDataProvider: images, showCollapseAll: true });
  const containersView = vscode.window.createTreeView(CONTAINERS_VIEW_ID, { treeDataProvider: containers, showCollapseAll: true });
  const refreshAll = () => {
    images.refresh();
    containers.refresh();
  };
  // Layers are cached per image ID, and an ID names fixed content: an event only changes the lists.
  // A manual refresh, or a daemon that went away and came back, forgets the cache too.
  const forgetCaches = async () => (await connection.get().catch(() => undefined))?.catalog.invalidate();
  const reload = (view: NodeTreeProvider) => async (daemonRestarted: boolean) => {
    if (daemonRestarted) {
      await forgetCaches();
    }
    view.refresh();
  };
  const filterDescription = () => (images.filter ? vscode.l10n.t('filter: {0}', images.filter) : undefined);
  /** Filter Images…, or clears the filter: the view's description shows it, a title action clears it. */
  const setFilter = async (filter: string | undefined) => {
    images.filter = filter?.trim() || undefined;
    imagesView.description = filterDescription();
    await vscode.commands.executeCommand('setContext', IMAGES_FILTERED_KEY, images.filter !== undefined);
    images.refresh();
  };
  void vscode.commands.executeCommand('setContext', ENGINE_STATE_KEY, 'loading');
  context.subscriptions.push(
    images,
    containers,
    imagesView,
    containersView,
    images.onDidChangeStatus(({ state, error }) => {
      void vscode.commands.executeCommand('setContext', ENGINE_STATE_KEY, state);
      void vscode.commands.executeCommand('setContext', ENGINE_ERROR_KIND_KEY, error?.kind);
      // Welcome content is static and VS Code hides it while the view has a message, so the
      // endpoint goes into the view's description, the exact error into the log.
      imagesView.description = error ? (error.endpoint?.host ?? vscode.l10n.t('no endpoint')) : filterDescription();
      if (error) {
        log.error(`[tree] cannot list images: ${error.message}`);
      }
    }),
    // A manual refresh also looks at the endpoint again; when it changed, onDidChange reloads all.
    vscode.commands.registerCommand('dockerLayers.images.refresh', async () => (await connection.recheckEndpoint()) || reload(images)(true)),
    vscode.commands.registerCommand('dockerLayers.images.filter', async (filter?: unknown) => {
      const value =
        typeof filter === 'string'
          ? filter
          : await vscode.window.showInputBox({ title: vscode.l10n.t('Filter Images'), prompt: vscode.l10n.t('Words a repository, tag or ID must contain (perf/ app:1 3f2a)'), value: images.filter ?? '' });
      if (value !== undefined) {
        await setFilter(value);
      }
    }),
    vscode.commands.registerCommand('dockerLayers.images.clearFilter', () => setFilter(undefined)),
    ...(['created', 'name', 'size'] as const).map((key) =>
      vscode.commands.registerCommand(`dockerLayers.images.sortBy${key[0].toUpperCase()}${key.slice(1)}`, () => settings().update('images.sortBy', key, vscode.ConfigurationTarget.Global)),
    ),
    // An error row's Retry loads its level again: the catalog keeps no failure, so this asks the Engine anew.
    vscode.commands.registerCommand('dockerLayers.retry', (node?: TreeNode) => (node?.parent ? treeContext.refresh(node.parent) : refreshAll())),
    ...[true, false].map((grouped) =>
      vscode.commands.registerCommand(grouped ? 'dockerLayers.images.groupByRepository' : 'dockerLayers.images.ungroup', () => settings().update('images.groupByRepository', grouped, vscode.ConfigurationTarget.Global)),
    ),
    vscode.commands.registerCommand('dockerLayers.containers.refresh', async () => (await connection.recheckEndpoint()) || reload(containers)(true)),
    connection.onDidChange(refreshAll),
    archives.onDidChange(() => images.refresh()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('dockerLayers.showEmptyLayers') || event.affectsConfiguration('dockerLayers.files') || event.affectsConfiguration('dockerLayers.images')) {
        refreshAll();
      }
    }),
    refreshOnEngineEvents(imagesView, events, (event) => dropArchiveOfDeletedImage(event, connection) || changesImages(event), (restarted) => void reload(images)(restarted)),
    refreshOnEngineEvents(containersView, events, (event) => changesContainers(event) || changesImages(event), (restarted) => void reload(containers)(restarted)),
  );
  return { images: { provider: images, view: imagesView }, containers: { provider: containers, view: containersView } };
}

/** A deleted image's cached archive goes with it (an ID names fixed content: it cannot come back changed). */
function dropArchiveOfDeletedImage(event: EngineEvent, connection: EngineConnection): false {
  const id = event.Actor?.ID ?? event.id;
  if (event.Type === 'image' && eventAction(event) === 'delete' && id) {
    void connection.archives.drop(id);
  }
  return false;
}

async function loadContainers(connection: EngineConnection, context: TreeContext): Promise<TreeNode[]> {
  try {
    const { catalog } = await connection.get();
    const containers = await catalog.listContainers();
    if (containers.length === 0) {
      return [new MessageNode(undefined, 'no-containers', vscode.l10n.t('No containers. `docker create` or `docker run` one and it appears here.'))];
    }
    return containers.map((container) => new ContainerNode(container, catalog, context));
  } catch (error) {
    // The Images view's welcome explains an unreachable Engine; here one line is enough.
    return [new MessageNode(undefined, 'unreachable', (error as Error).message, 'error')];
  }
}
