/**
 * `docker-layers ls [IMAGE…] [--json]`: the layer tree as text, or as JSON for scripts.
 * The JSON shape is a contract (README): change it only compatibly.
 */
import { ImageCatalog } from '../../core/imageCatalog';
import { mapLimited } from '../../core/mapLimited';
import { EngineNotFoundError } from '../../core/engine/engineErrors';
import { formatAge, formatBytes, stripControlCharacters, truncate } from '../../core/format';
import { shortId } from '../../core/digest';
import { ImageSummary, imageDisplayName } from '../../core/model/image';
import { ImageLayers, Layer, hasSeveralPlatforms, layerStepLabel } from '../../core/model/imageLayers';
import { PlatformNotFoundError, formatPlatform } from '../../core/model/platform';
import { ImageSortKey, sortImages } from '../../core/model/imageListOrder';
import { StorageProfile } from '../../core/storage/storageProfile';
import { imageTargets } from '../imageTargets';
import { limitationText } from '../limitationText';
import { PLATFORM_OPTION, Subcommand, UsageError } from '../subcommand';

const SORT_KEYS: readonly ImageSortKey[] = ['created', 'name', 'size'];

export const lsCommand: Subcommand = {
  name: 'ls',
  operands: '[IMAGE|ARCHIVE...]',
  summary:
    'List Docker images, one line each; with -l, or for the images named, their layers and each\n' +
    "layer's folder (overlay2 cache ID and diff path).\n" +
    'IMAGE is name[:tag], a full or short image ID; without one, every image is listed.\n' +
    'ARCHIVE is a saved image (docker save / podman save .tar, .tar.gz, an OCI layout folder): no daemon needed.',
  options: {
    long: { type: 'boolean', short: 'l', description: "with every image's layers, chain IDs and folders" },
    sort: { type: 'string', valueName: 'KEY', description: 'order images by created (newest first, the default), name or size (largest first)' },
    json: { type: 'boolean', description: 'print JSON: [{ id, tags, platform, layers: [{ index, diffId, chainId, cacheId, diffDir, size, createdBy }] }]' },
    platform: PLATFORM_OPTION,
  },
  async run({ operands, options, catalog, archives, stdout, warn, columns, platform }) {
    const sortBy = sortKeyOption(options.sort);
    // --platform is about layers: without operands it lists every image's, as -l does.
    if (operands.length === 0 && !options.long && !options.json && !platform) {
      const images = sortImages(await (await catalog()).listImages(), sortBy ?? 'created');
      stdout(formatImageLines(images, columns));
      return 0;
    }
    const render = options.json ? imageJsonText : (image: ImageLayers) => formatImagesText([image], columns);
    let texts: string[];
    if (operands.length === 0) {
      texts = await renderAllImages(await catalog(), render, { sortBy, onSkipped: (reference, error) => warn(`${shortId(reference)} skipped: ${error.message}`) });
    } else {
      const loaded = await mapLimited(await imageTargets(operands, catalog, archives, platform), PARALLEL_IMAGES, (target) => target.catalog.imageLayers(target.reference));
      texts = (sortBy ? inOrder(loaded, sortBy) : loaded).map(render);
    }
    // Nothing is written until every image is in: a run that fails prints no half list.
    stdout(options.json ? jsonArrayText(texts) : texts.join('\n'));
    return 0;
  },
};

function sortKeyOption(value: string | boolean | undefined): ImageSortKey | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !(SORT_KEYS as readonly string[]).includes(value)) {
    throw new UsageError(`--sort takes ${SORT_KEYS.join(', ')}`);
  }
  return value as ImageSortKey;
}

/** Loaded images in the order sortImages gives their summaries. */
function inOrder(images: readonly ImageLayers[], by: ImageSortKey): ImageLayers[] {
  const byId = new Map(images.map((image) => [image.image.id, image]));
  return sortImages(images.map((image) => image.image), by).map((summary) => byId.get(summary.id)!);
}

export interface LayerJson {
  index: number;
  diffId: string;
  chainId: string;
  cacheId: string | null;
  diffDir: string | null;
  size: number | null;
  createdBy: string | null;
}

export interface ImageJson {
  id: string;
  tags: string[];
  /** `os/arch[/variant]` of the layers listed, where known. */
  platform?: string;
  layers: LayerJson[];
}

export function toImageJson(image: ImageLayers): ImageJson {
  return {
    id: image.image.id,
    tags: image.image.tags,
    ...(image.platform ? { platform: formatPlatform(image.platform) } : {}),
    layers: image.layers.map((layer) => ({
      index: layer.index,
      diffId: layer.diffId,
      chainId: layer.chainId,
      cacheId: layer.cacheId,
      diffDir: layer.diffDir,
      size: layer.size,
      createdBy: layer.step?.createdBy ?? null,
    })),
  };
}

/** Images loaded at once: each takes two Engine requests (inspect, history) plus layerdb reads. */
const PARALLEL_IMAGES = 8;

export interface LoadOptions {
  /** The order of all images (default: newest first). */
  sortBy?: ImageSortKey;
  /**
   * When listing all images: one deleted between the list and its inspect (an `rmi` beside the
   * run), or without the --platform asked for, is left out and reported here, instead of failing
   * the run. A named image that is gone, or has not that platform, fails it.
   */
  onSkipped?: (reference: string, error: EngineNotFoundError | PlatformNotFoundError) => void;
}

/**
 * Every image, in the order asked for, each rendered (`render`) as soon as it is loaded: a thousand
 * images are kept as a thousand strings, not a thousand object trees. Images are read in parallel
 * and not kept by the catalog (each is read once).
 */
export async function renderAllImages(catalog: ImageCatalog, render: (image: ImageLayers) => string, options: LoadOptions = {}): Promise<string[]> {
  // The storage backend (from /info) is needed for every image: asked for beside the list, not
  // after it, and waited for only when there are images.
  const storage = catalog.storage();
  storage.catch(() => undefined);
  const listed = await catalog.listImages();
  if (listed.length > 0) {
    await storage;
  }
  const all = sortImages(listed, options.sortBy ?? 'created').map((image: ImageSummary) => image.id);
  const rendered: string[] = [];
  try {
    for (let start = 0; start < all.length; start += FETCH_AHEAD_WINDOW) {
      const window = all.slice(start, start + FETCH_AHEAD_WINDOW);
      // The window's Engine answers come in first, then are parsed and rendered in one go.
      await catalog.fetchAhead(window);
      const texts = await mapLimited(window, PARALLEL_IMAGES, async (reference) => {
        try {
          return render(await catalog.imageLayersUncached(reference));
        } catch (error) {
          if ((error instanceof EngineNotFoundError || error instanceof PlatformNotFoundError) && options.onSkipped) {
            options.onSkipped(reference, error);
            return undefined;
          }
          throw error;
        }
      });
      rendered.push(...texts.filter((text): text is string => text !== undefined));
    }
  } finally {
    catalog.dropFetchedAhead();
  }
  return rendered;
}

/** Images whose Engine answers are fetched ahead together: a few hundred kilobytes waiting at most. */
const FETCH_AHEAD_WINDOW = 128;

/** An image as JSON, indented as an element of the printed array: `[\n` + this + `\n]` is JSON.stringify([image], null, 2). */
function imageJsonText(image: ImageLayers): string {
  const alone = JSON.stringify([toImageJson(image)], null, 2);
  return alone.slice(2, -2);
}

/** What `JSON.stringify(images, null, 2)` prints, from the elements imageJsonText made. */
export function jsonArrayText(elements: readonly string[]): string {
  return elements.length === 0 ? '[]\n' : `[\n${elements.join(',\n')}\n]\n`;
}

function folderLine(layer: Layer, storage: StorageProfile): string {
  if (layer.location.kind === 'archive') {
    return `in the archive: ${layer.location.entry}`;
  }
  return layer.diffDir ?? `no folder: ${storage.limitation ? limitationText(storage.limitation) : 'not reported by the Engine'}`;
}

/** Step text at most this wide where the terminal's width is not known (piped): one column that lines up. */
const PIPED_STEP_WIDTH = 60;

/**
 * One line per image: names, short ID, size, age. Lines are cut to `columns` (a terminal's width;
 * undefined when piped, which cuts nothing).
 */
export function formatImageLines(images: readonly ImageSummary[], columns: number | undefined, nowMs = Date.now()): string {
  const rows = images.map((image) => ({
    names: stripControlCharacters(image.tags.length > 0 ? image.tags.join(', ') : imageDisplayName(image)),
    rest: `${shortId(image.id)}  ${formatBytes(image.size).padStart(9)}  ${formatAge(image.created, nowMs)}`,
  }));
  const nameWidth = Math.max(0, ...rows.map((row) => row.names.length));
  return rows
    .map(({ names, rest }) => {
      const room = columns === undefined ? nameWidth : Math.max(12, Math.min(nameWidth, columns - rest.length - 2));
      return `${truncate(names, room).padEnd(room)}  ${rest}`.trimEnd();
    })
    .map((line) => (columns === undefined ? line : truncate(line, columns)))
    .join('\n')
    .concat(rows.length > 0 ? '\n' : '');
}

/**
 * A step cut to `width`, keeping what matters most in a COPY or ADD: where it put its files
 * (`COPY file:3e1f… in /app` → `COPY → /app`).
 */
export function fitStep(step: string, width: number): string {
  if (step.length <= width) {
    return step;
  }
  const copy = /^(COPY|ADD)\b(.*?)(?: in | )(\S+)$/.exec(step);
  if (copy) {
    const destination = `${copy[1]} → ${copy[3]}`;
    if (destination.length <= width) {
      return destination;
    }
  }
  return truncate(step, width);
}

export function formatImagesText(images: readonly ImageLayers[], columns?: number): string {
  const lines: string[] = [];
  const cut = (line: string) => (columns === undefined ? line : truncate(line, columns));
  for (const loaded of images) {
    const { image, layers, storage, historySource, folderLimitation } = loaded;
    const names = stripControlCharacters(image.tags.length > 0 ? image.tags.join(', ') : imageDisplayName(image));
    // A multi-platform image names the platform whose layers follow.
    const platform = hasSeveralPlatforms(loaded) && loaded.platform ? `  ${formatPlatform(loaded.platform)}` : '';
    lines.push(cut(`${names}  ${shortId(image.id)}${platform}  ${formatBytes(image.size)}  ${layers.length} layer${layers.length === 1 ? '' : 's'}`));
    const indexWidth = String(Math.max(0, layers.length - 1)).length;
    // indent, index, two spaces, the step, two spaces, the size in nine.
    const stepWidth = columns === undefined ? PIPED_STEP_WIDTH : Math.max(16, columns - indexWidth - 15);
    for (const layer of layers) {
      const step = stripControlCharacters(layerStepLabel(layer));
      const shown = columns === undefined && step.length > stepWidth ? step : fitStep(step, stepWidth).padEnd(stepWidth);
      lines.push(`  ${String(layer.index).padStart(indexWidth)}  ${shown}  ${formatBytes(layer.size).padStart(9)}`);
      lines.push(cut(`  ${' '.repeat(indexWidth)}  chain ${layer.chainId}`));
      // A folder is never cut: it is there to be copied (cd, ls), and the whole path is needed.
      lines.push(`  ${' '.repeat(indexWidth)}  ${stripControlCharacters(folderLine(layer, storage))}`);
    }
    if (historySource !== 'image config' && layers.length > 0) {
      lines.push(
        historySource === 'unmatched'
          ? '  note: the history could not be matched to the layers; steps are unknown'
          : `  note: steps matched to layers from the Engine history (a guess${(storage.kind === 'overlay2' || storage.kind === 'containerd-snapshotter') && storage.location === 'local' ? '; run as root for the exact mapping' : ''})`,
      );
    }
    // Folders the daemon names but this machine cannot open (a remote host, Desktop's VM) say so too.
    const elsewhere = layers.find((layer) => layer.diffDir !== null && layer.location.kind === 'unavailable')?.location;
    const note = folderLimitation ?? (elsewhere?.kind === 'unavailable' ? elsewhere.limitation : undefined);
    if (note) {
      lines.push(`  note: ${stripControlCharacters(limitationText(note))}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
