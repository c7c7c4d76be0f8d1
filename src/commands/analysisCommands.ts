/**
 * The change-analysis commands on an image, a layer or a file: Show Image Summary, Show Size Map, Show Wasted
 * Space (each inefficient file, then the layers holding a copy), Find Largest Files, Compare with
 * Previous Layer, and the file views' sort and filter toggles. From the palette they ask for an
 * image first.
 */
import * as vscode from 'vscode';
import { withArchiveProgress } from '../connection/archiveProgress';
import { EngineConnection } from '../connection/engineConnection';
import { OpenedArchives } from '../connection/openedArchives';
import { CommandTarget, ImageRef, imageLayerWhere, layerRefOfImage, mergedFileUri } from '../contracts/commandTargets';
import { LayerFileRef, fromLayerUri, toLayerUri } from '../contracts/layerUri';
import { toSummaryUri } from '../contracts/summaryUri';
import { largestFiles } from '../core/analysis/fileSizes';
import { MergedEntry, MergedFileSystem } from '../core/analysis/mergedFileSystem';
import { shortId } from '../core/digest';
import { formatBytes } from '../core/format';
import { ImageCatalog } from '../core/imageCatalog';
import { LayerFsError } from '../core/layerfs/layerFileSystem';
import { Logger } from '../core/logger';
import { imageDisplayName } from '../core/model/image';
import { layerStepLabel } from '../core/model/imageLayers';
import { pickImage } from './pickTargets';
import { registerCommand } from './registerCommand';

/** Find Largest Files offers this many. */
const LARGEST_FILES = 500;

export interface AnalysisCommandDeps {
  connection: EngineConnection;
  archives: OpenedArchives;
  log: Logger;
  /** Shows a layer in the Images view (Show Wasted Space jumps there). */
  revealLayer(image: ImageRef, index: number): Promise<void>;
  /** Opens the size map of an image, or of one layer's own files. */
  showSizeMap(image: ImageRef, layer?: number): void;
}

export function registerAnalysisCommands(context: vscode.ExtensionContext, deps: AnalysisCommandDeps): void {
  const { connection, archives, log } = deps;
  const catalogOf = (image: ImageRef) => archives.catalogFor(layerRefOfImage(image, 0), connection);
  /** The image a command acts on: the node's, or one the user picks. */
  const imageOf = async (target?: CommandTarget): Promise<ImageRef | undefined> => {
    const ref = target?.imageRef?.() ?? target?.layerTarget?.()?.image;
    if (ref) {
      return ref;
    }
    const picked = await pickImage(connection);
    return picked && { imageId: picked.id, name: picked.tags.length ? imageDisplayName(picked) : shortId(picked.id) };
  };
  const setting = async (key: string, value: unknown) => vscode.workspace.getConfiguration('dockerLayers').update(key, value, vscode.ConfigurationTarget.Global);

  context.subscriptions.push(
    registerCommand(
      'dockerLayers.image.showSummary',
      async (target?: CommandTarget) => {
        const image = await imageOf(target);
        return image && showSummary(image);
      },
      log,
    ),
    registerCommand(
      'dockerLayers.image.showSizeMap',
      async (target?: CommandTarget) => {
        const image = await imageOf(target);
        return image && deps.showSizeMap(image);
      },
      log,
    ),
    registerCommand(
      'dockerLayers.layer.showSizeMap',
      async (target?: CommandTarget) => {
        const layer = target?.layerTarget?.();
        if (layer) {
          return deps.showSizeMap(layer.image, layer.index);
        }
        const image = await imageOf(target);
        return image && deps.showSizeMap(image);
      },
      log,
    ),
    registerCommand(
      'dockerLayers.image.showWastedSpace',
      async (target?: CommandTarget) => {
        const image = await imageOf(target);
        return image && showWastedSpace(image, await catalogOf(image), deps);
      },
      log,
    ),
    registerCommand(
      'dockerLayers.files.findLargest',
      async (target?: CommandTarget) => {
        const layer = target?.layerTarget?.();
        const image = layer?.image ?? (await imageOf(target));
        return image && findLargestFiles(image, layer?.index, await catalogOf(image));
      },
      log,
    ),
    registerCommand(
      'dockerLayers.file.compareWithPrevious',
      async (target?: CommandTarget) => {
        const entry = target?.layerEntry?.();
        if (!entry) {
          void vscode.window.showInformationMessage(vscode.l10n.t('Run this on a file in a layer of the Docker Layers view.'));
          return undefined;
        }
        return compareWithPrevious(fromLayerUri(entry.uri), archives, connection);
      },
      log,
    ),
    registerCommand('dockerLayers.files.sortBySize', () => setting('files.sortBy', 'size'), log),
    registerCommand('dockerLayers.files.sortByName', () => setting('files.sortBy', 'name'), log),
    registerCommand('dockerLayers.files.hideUnchanged', () => setting('files.hideUnchanged', true), log),
    registerCommand('dockerLayers.files.showUnchanged', () => setting('files.hideUnchanged', false), log),
  );
}

/** Opens the image's summary as a Markdown preview (the document itself when there is no preview). */
async function showSummary(image: ImageRef): Promise<vscode.TextDocument> {
  const uri = toSummaryUri(image);
  const document = await vscode.workspace.openTextDocument(uri);
  const markdown = document.languageId === 'markdown' ? document : await vscode.languages.setTextDocumentLanguage(document, 'markdown');
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(markdown, { preview: true });
  }
  return markdown;
}

/** Each inefficient file, most wasted first; then the layers that hold a copy: the chosen one opens, its layer shows. */
async function showWastedSpace(image: ImageRef, catalog: ImageCatalog, deps: AnalysisCommandDeps): Promise<vscode.Uri | undefined> {
  const [figures, history, layers] = await withArchiveProgress(vscode.l10n.t('Reading the image archive from the Docker Engine'), (options) =>
    Promise.all([catalog.imageEfficiency(image.imageId, options), catalog.fileHistory(image.imageId, options), catalog.imageLayers(image.imageId, options.signal)]),
  );
  if (figures.inefficientFiles.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} wastes no space: no path is in two layers.', image.name));
    return undefined;
  }
  const file = await vscode.window.showQuickPick(
    figures.inefficientFiles.map((each) => ({
      label: each.path,
      description: vscode.l10n.t('{0} copies · {1} wasted', each.count, formatBytes(each.wastedBytes)),
      detail: vscode.l10n.t('in layers {0}', each.layers.join(', ')),
      file: each,
    })),
    {
      title: vscode.l10n.t('Wasted space in {0}: {1} in {2} files', image.name, formatBytes(figures.wastedBytes), figures.inefficientFiles.length),
      placeHolder: vscode.l10n.t('Select a file to see the layers that hold a copy'),
      matchOnDescription: true,
    },
  );
  if (!file) {
    return undefined;
  }
  const versions = history.node(file.file.path)?.versions() ?? [];
  const copy = await vscode.window.showQuickPick(
    file.file.layers.map((index) => {
      const entry = versions.find((version) => version.layer === index)?.entry;
      return {
        label: `${index} · ${layerStepLabel(layers.layers[index])}`,
        description: entry === null || entry === undefined ? vscode.l10n.t('deleted here') : entry.kind === 'file' ? formatBytes(entry.size) : entry.kind,
        index,
      };
    }),
    { title: vscode.l10n.t('The layers that hold {0}', file.file.path), placeHolder: vscode.l10n.t('Select a layer to open its copy') },
  );
  if (!copy) {
    return undefined;
  }
  const uri = toLayerUri({ layer: layerRefOfImage(image, copy.index), root: 'files', path: file.file.path, where: imageLayerWhere(layers, layers.layers[copy.index]) });
  await deps.revealLayer(image, copy.index).catch((error: Error) => deps.log.warn(`[commands] cannot reveal layer ${copy.index} of ${image.imageId}: ${error.message}`));
  await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
  return uri;
}

/** The largest files of the merged file system (as of a layer, or of the whole image), largest first; the chosen one opens. */
async function findLargestFiles(image: ImageRef, index: number | undefined, catalog: ImageCatalog): Promise<vscode.Uri | undefined> {
  const layers = await catalog.imageLayers(image.imageId);
  const upTo = index ?? layers.layers.length - 1;
  if (upTo < 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} has no layers, so no files.', image.name));
    return undefined;
  }
  const files = (await withArchiveProgress(vscode.l10n.t('Reading the image archive from the Docker Engine'), async (options) =>
    largestFiles(await catalog.mergedLayer(image.imageId, upTo, options), LARGEST_FILES, options.signal),
  )) as MergedEntry[];
  const picked = await vscode.window.showQuickPick(
    files.map((entry) => ({
      label: entry.name,
      description: `${formatBytes(entry.size)} · ${vscode.l10n.t('layer {0}', entry.layer)}`,
      detail: entry.path,
      entry,
    })),
    {
      title: index === undefined ? vscode.l10n.t('Largest files of {0}', image.name) : vscode.l10n.t('Largest files of {0} as of layer {1}', image.name, index),
      placeHolder: vscode.l10n.t('Select a file to open it'),
      matchOnDetail: true,
    },
  );
  if (!picked) {
    return undefined;
  }
  const uri = mergedFileUri(image, upTo, picked.entry.path);
  await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
  return uri;
}

/**
 * The path's version as of its layer against the one before: in Changes, this layer's copy and what
 * the layers below had; in Merged, the last layer that wrote it and the version before that.
 */
async function compareWithPrevious(ref: LayerFileRef, archives: OpenedArchives, connection: EngineConnection): Promise<void> {
  if (ref.layer.owner !== 'image') {
    void vscode.window.showInformationMessage(vscode.l10n.t("A container's layer has no previous layer in its image to compare with."));
    return;
  }
  const { layer } = ref;
  const catalog = await archives.catalogFor(layer, connection);
  const image = await catalog.imageLayers(layer.imageId);
  const name = ref.path.split('/').pop() ?? ref.path;
  const changedIn = ref.root === 'merged' ? (await (await catalog.mergedLayer(layer.imageId, layer.index)).stat(ref.path)).layer : layer.index;
  const before = changedIn > 0 ? await statIfThere(await catalog.mergedLayer(layer.imageId, changedIn - 1), ref.path) : undefined;
  if (!before) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} is new in layer {1}: no earlier layer has it.', ref.path, changedIn));
    return;
  }
  if (before.kind === 'directory') {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} was a folder in layer {1}: there is no earlier file to compare with.', ref.path, before.layer));
    return;
  }
  const fileIn = (index: number) => toLayerUri({ layer: { ...layer, index }, root: 'files', path: ref.path, where: imageLayerWhere(image, image.layers[index]) });
  const title = vscode.l10n.t('{0} (layer {1} ↔ layer {2})', name, before.layer, changedIn);
  await vscode.commands.executeCommand('vscode.diff', fileIn(before.layer), fileIn(changedIn), title, { preview: true });
}

async function statIfThere(files: MergedFileSystem, path: string): Promise<MergedEntry | undefined> {
  try {
    return await files.stat(path);
  } catch (error) {
    if (error instanceof LayerFsError && error.code === 'notFound') {
      return undefined;
    }
    throw error;
  }
}
