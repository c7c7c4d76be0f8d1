/**
 * `docker-layers compare A B [--json] [--ci] [--max-growth BYTES|PERCENT]`: what changed from image
 * A to image B (either may be a saved archive), over their merged file systems, and whether B grew
 * too much. Size is dive's (Σ of the layers' tar entry sizes), the same read from folders or an
 * archive. Exit codes: 0 ok (or no --ci), 1 a regression with --ci, 2 it could not compare.
 * The JSON shape is a contract (README): change it only compatibly.
 */
import { parseBytes } from '../../core/analysis/diveRules';
import { ChangedPath, ComparedPath, ImageComparison, compareImages } from '../../core/analysis/imageComparison';
import { shortId } from '../../core/digest';
import { formatBytes, stripControlCharacters } from '../../core/format';
import { imageDisplayName } from '../../core/model/image';
import { ImageLayers } from '../../core/model/imageLayers';
import { formatPlatform } from '../../core/model/platform';
import { ImageTarget, imageTargets } from '../imageTargets';
import { PLATFORM_OPTION, Subcommand, UsageError } from '../subcommand';
import { writeBuffered } from '../writeBuffered';

export interface ImageComparisonJson {
  from: string;
  to: string;
  /** `os/arch[/variant]` of each image's layers, where known. */
  fromPlatform?: string;
  toPlatform?: string;
  added: { path: string; size: number }[];
  removed: { path: string; size: number }[];
  changed: { path: string; fromSize: number; toSize: number; reasons: string[] }[];
  fromSizeBytes: number;
  toSizeBytes: number;
  sizeDelta: number;
  maxGrowth: string;
  verdict: 'ok' | 'regression';
}

/** How much B may grow: a share of A's size ("5%") or bytes ("20MB", go-humanize's units, as dive's). */
export interface GrowthLimit {
  text: string;
  percent?: number;
  bytes?: number;
}

export function parseGrowthLimit(text: string): GrowthLimit {
  const percent = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*%\s*$/.exec(text);
  if (percent) {
    return { text, percent: Number(percent[1]) };
  }
  try {
    return { text, bytes: parseBytes(text) };
  } catch {
    throw new UsageError(`--max-growth takes bytes (20MB, 1GiB) or a percentage (5%), given "${text}"`);
  }
}

export function isRegression(fromBytes: number, toBytes: number, limit: GrowthLimit): boolean {
  const growth = toBytes - fromBytes;
  return limit.percent !== undefined ? growth > (fromBytes * limit.percent) / 100 : growth > (limit.bytes ?? 0);
}

export const compareCommand: Subcommand = {
  name: 'compare',
  operands: 'A B',
  summary:
    'What changed from image A to image B (names, IDs or saved archives), over their merged file systems:\n' +
    'added, removed and changed files (type, content, mode, owner or link target), and the size delta.\n' +
    'It is a regression when B is larger than A by more than --max-growth (default 5%).\n' +
    'Exit codes: 0 ok (or no --ci), 1 a regression and --ci was given, 2 the images could not be compared.',
  errorExitCode: 2,
  options: {
    json: { type: 'boolean', description: 'print JSON: { from, to, added, removed, changed, sizeDelta, verdict, … }' },
    ci: { type: 'boolean', description: 'exit 1 on a regression (a CI gate)' },
    'max-growth': { type: 'string', valueName: 'G', description: 'the growth allowed: bytes (20MB, 1GiB) or a percentage of A (5%); default 5%' },
    platform: PLATFORM_OPTION,
  },
  async run({ operands, options, catalog, archives, stdout, platform }) {
    if (operands.length !== 2) {
      throw new UsageError('compare takes two images or archives: A B');
    }
    const limit = parseGrowthLimit(typeof options['max-growth'] === 'string' ? options['max-growth'] : '5%');
    const [from, to] = await Promise.all(operands.map(async (operand) => oneImage(operand, await imageTargets([operand], catalog, archives, platform))));
    const [fromSide, toSide] = await Promise.all([from, to].map(comparedSide));
    const comparison = await compareImages(fromSide.compared, toSide.compared);
    const json = comparisonJson(fromSide.layers, toSide.layers, fromSide.sizeBytes, toSide.sizeBytes, comparison, limit);
    writeBuffered(options.json ? [`${JSON.stringify(json, null, 2)}\n`] : comparisonTextChunks(fromSide.layers, toSide.layers, json), stdout);
    return options.ci && json.verdict === 'regression' ? 1 : 0;
  },
};

function oneImage(operand: string, targets: ImageTarget[]): ImageTarget {
  if (targets.length !== 1) {
    throw new UsageError(`${operand} holds ${targets.length} images; compare one of them by its ID`);
  }
  return targets[0];
}

async function comparedSide({ catalog, reference }: ImageTarget) {
  const layers = await catalog.imageLayers(reference);
  const [files, figures] = await Promise.all([catalog.mergedImage(layers.image.id), catalog.imageEfficiency(layers.image.id)]);
  return { layers, sizeBytes: figures.sizeBytes, compared: { files, diffIds: layers.layers.map((layer) => layer.diffId) } };
}

export function comparisonJson(from: ImageLayers, to: ImageLayers, fromSizeBytes: number, toSizeBytes: number, comparison: ImageComparison, limit: GrowthLimit): ImageComparisonJson {
  const sized = ({ path: file, size }: ComparedPath) => ({ path: file, size });
  return {
    from: from.image.id,
    to: to.image.id,
    ...(from.platform ? { fromPlatform: formatPlatform(from.platform) } : {}),
    ...(to.platform ? { toPlatform: formatPlatform(to.platform) } : {}),
    added: comparison.added.map(sized),
    removed: comparison.removed.map(sized),
    changed: comparison.changed.map(({ path: file, fromSize, toSize, reasons }: ChangedPath) => ({ path: file, fromSize, toSize, reasons })),
    fromSizeBytes,
    toSizeBytes,
    sizeDelta: toSizeBytes - fromSizeBytes,
    maxGrowth: limit.text,
    verdict: isRegression(fromSizeBytes, toSizeBytes, limit) ? 'regression' : 'ok',
  };
}

const signedBytes = (bytes: number) => `${bytes >= 0 ? '+' : '-'}${formatBytes(Math.abs(bytes))}`;

function* comparisonTextChunks(from: ImageLayers, to: ImageLayers, json: ImageComparisonJson): Generator<string> {
  const name = (image: ImageLayers) => `${stripControlCharacters(imageDisplayName(image.image))}  ${shortId(image.image.id)}`;
  yield `from  ${name(from)}  ${formatBytes(json.fromSizeBytes)}\n`;
  yield `to    ${name(to)}  ${formatBytes(json.toSizeBytes)}\n`;
  const share = json.fromSizeBytes ? ` (${json.sizeDelta >= 0 ? '+' : ''}${((json.sizeDelta / json.fromSizeBytes) * 100).toFixed(2)} %)` : '';
  yield `size  ${signedBytes(json.sizeDelta)}${share}, ${json.sizeDelta} bytes; allowed growth ${json.maxGrowth}\n`;
  yield `added ${json.added.length}, removed ${json.removed.length}, changed ${json.changed.length}\n`;
  for (const file of json.added) {
    yield `  A ${stripControlCharacters(file.path)}  ${formatBytes(file.size)}\n`;
  }
  for (const file of json.removed) {
    yield `  D ${stripControlCharacters(file.path)}  ${formatBytes(file.size)}\n`;
  }
  for (const file of json.changed) {
    yield `  M ${stripControlCharacters(file.path)}  ${formatBytes(file.fromSize)} → ${formatBytes(file.toSize)}  (${file.reasons.join(', ')})\n`;
  }
  yield `verdict: ${json.verdict}\n`;
}
