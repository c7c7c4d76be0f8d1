/**
 * Compare Images…: two images (the daemon's, or in saved archives the user opened), their merged
 * file systems side by side (core/analysis/imageComparison.ts). The result goes to the Image
 * Comparison view, where each changed file opens VS Code's diff.
 */
import * as vscode from 'vscode';
import { withArchiveProgress } from '../connection/archiveProgress';
import { EngineConnection } from '../connection/engineConnection';
import { OpenedArchive, OpenedArchives } from '../connection/openedArchives';
import { CommandTarget, ImageRef, layerRefOfImage } from '../contracts/commandTargets';
import { ComparedSide, ImagesCompared } from '../contracts/imagesCompared';
import { compareImages } from '../core/analysis/imageComparison';
import { shortId } from '../core/digest';
import { formatAge, formatBytes } from '../core/format';
import { imageDisplayName } from '../core/model/image';
import { Logger } from '../core/logger';
import { registerCommand } from './registerCommand';

export interface CompareImagesDeps {
  connection: EngineConnection;
  archives: OpenedArchives;
  log: Logger;
  /** Shows the result (the Image Comparison view). */
  show(result: ImagesCompared): Promise<void>;
}

/** A command argument that names an image: a tree node, or an ImageRef (other extensions, tests). */
type ImageArgument = CommandTarget | ImageRef | undefined;

export function registerCompareImagesCommand(context: vscode.ExtensionContext, deps: CompareImagesDeps): void {
  const compare = async (first?: ImageArgument, second?: ImageArgument): Promise<ImagesCompared | undefined> => {
    const from = refOf(first) ?? (await pickAnyImage(deps, vscode.l10n.t('Compare Images: select the first image (from)')));
    if (!from) {
      return undefined;
    }
    const to = refOf(second) ?? (await pickAnyImage(deps, vscode.l10n.t('Compare {0} with… (to)', from.name), from));
    if (!to) {
      return undefined;
    }
    const result = await withArchiveProgress(vscode.l10n.t('Comparing {0} with {1}', from.name, to.name), async (options) => {
      const [fromSide, toSide] = await Promise.all(
        [from, to].map(async (image) => {
          const catalog = await deps.archives.catalogFor(layerRefOfImage(image, 0), deps.connection);
          const layers = await catalog.imageLayers(image.imageId, options.signal);
          const [files, figures] = await Promise.all([catalog.mergedImage(image.imageId, options), catalog.imageEfficiency(image.imageId, options)]);
          const side: ComparedSide = { image: { ...image, imageId: layers.image.id }, top: layers.layers.length - 1, sizeBytes: figures.sizeBytes };
          return { side, compared: { files, diffIds: layers.layers.map((layer) => layer.diffId) } };
        }),
      );
      const comparison = await compareImages(fromSide.compared, toSide.compared, options.signal);
      return { from: fromSide.side, to: toSide.side, comparison };
    });
    await deps.show(result);
    return result;
  };
  context.subscriptions.push(
    registerCommand('dockerLayers.images.compare', compare, deps.log),
    // From an image's context menu: that image is the first, the user picks the second.
    registerCommand('dockerLayers.image.compareWith', (target?: ImageArgument) => compare(target), deps.log),
  );
}

function refOf(argument: ImageArgument): ImageRef | undefined {
  if (!argument) {
    return undefined;
  }
  if ('imageId' in argument && typeof argument.imageId === 'string') {
    return argument;
  }
  const target = argument as CommandTarget;
  return target.imageRef?.() ?? target.layerTarget?.()?.image;
}

/** The daemon's images and those of the archives opened in the view, in one pick. */
async function pickAnyImage(deps: CompareImagesDeps, placeHolder: string, other?: ImageRef): Promise<ImageRef | undefined> {
  type Item = vscode.QuickPickItem & { image?: ImageRef; openArchive?: true };
  const items: Item[] = [];
  const daemon = await deps.connection
    .get()
    .then(({ catalog }) => catalog.listImages())
    .catch((error: Error) => {
      deps.log.warn(`[commands] Compare Images: the Engine's images: ${error.message}`);
      return [];
    });
  if (daemon.length) {
    items.push({ label: vscode.l10n.t('Docker Engine'), kind: vscode.QuickPickItemKind.Separator });
  }
  for (const image of daemon) {
    items.push({ label: imageDisplayName(image), description: `${shortId(image.id)} · ${formatBytes(image.size)} · ${formatAge(image.created)}`, image: { imageId: image.id, name: image.tags.length ? imageDisplayName(image) : shortId(image.id) } });
  }
  for (const archivePath of deps.archives.paths) {
    const opened = await deps.archives.open(archivePath).catch(() => undefined);
    const images = opened ? await opened.catalog.listImages().catch(() => []) : [];
    if (images.length) {
      items.push({ label: archivePath, kind: vscode.QuickPickItemKind.Separator });
    }
    for (const image of images) {
      items.push({ label: imageDisplayName(image), description: `${shortId(image.id)} · ${formatBytes(image.size)}`, detail: archivePath, image: { imageId: image.id, name: image.tags.length ? imageDisplayName(image) : shortId(image.id), archive: archivePath } });
    }
  }
  const selectable = items.filter((item) => item.image && !(other && item.image.imageId === other.imageId && item.image.archive === other.archive));
  const openArchive: Item = { label: `$(file-zip) ${vscode.l10n.t('Open an Image Archive…')}`, description: vscode.l10n.t('docker save / podman save .tar, .tar.gz, an OCI layout folder'), openArchive: true };
  const picked = await vscode.window.showQuickPick(
    [...items.filter((item) => !item.image || selectable.includes(item)), { label: '', kind: vscode.QuickPickItemKind.Separator }, openArchive],
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  if (!picked?.openArchive) {
    return picked?.image;
  }
  // A saved archive straight from disk: opened in the Images view too, then one of its images.
  const opened = await vscode.commands.executeCommand<OpenedArchive | undefined>('dockerLayers.archive.open');
  if (!opened) {
    return undefined;
  }
  const images = await opened.catalog.listImages();
  const refs = images.map((image) => ({ imageId: image.id, name: image.tags.length ? imageDisplayName(image) : shortId(image.id), archive: opened.path }));
  if (refs.length <= 1) {
    return refs[0];
  }
  const chosen = await vscode.window.showQuickPick(
    refs.map((ref) => ({ label: ref.name, description: shortId(ref.imageId), ref })),
    { placeHolder: vscode.l10n.t('Select an image of {0}', opened.path) },
  );
  return chosen?.ref;
}
