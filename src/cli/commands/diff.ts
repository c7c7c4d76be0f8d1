/**
 * `docker-layers diff IMAGE|ARCHIVE [--json]`: what each layer added, modified and deleted, read
 * from the layer folders where this process can read them, else from the image archive. The JSON
 * shape is a contract (README): change it only compatibly.
 */
import { DeletedPath, LayerChanges } from '../../core/analysis/fileHistory';
import { formatBytes, stripControlCharacters, truncate } from '../../core/format';
import { shortId } from '../../core/digest';
import { imageDisplayName } from '../../core/model/image';
import { ImageLayers, hasSeveralPlatforms, layerStepLabel } from '../../core/model/imageLayers';
import { formatPlatform } from '../../core/model/platform';
import { imageTargets } from '../imageTargets';
import { writeBuffered } from '../writeBuffered';
import { PLATFORM_OPTION, Subcommand, UsageError } from '../subcommand';
import { compareCodeUnits } from '../../core/model/textOrder';

export interface LayerDiffJson {
  index: number;
  chainId: string;
  added: { path: string; size: number }[];
  modified: { path: string; size: number }[];
  deleted: DeletedPath[];
}

export interface ImageDiffJson {
  image: string;
  /** `os/arch[/variant]` of the layers compared, where known. */
  platform?: string;
  layers: LayerDiffJson[];
}

export const diffCommand: Subcommand = {
  name: 'diff',
  operands: 'IMAGE|ARCHIVE',
  summary:
    'What each layer of an image added, modified and deleted, bottom layer first.\n' +
    'IMAGE is name[:tag] or an image ID; ARCHIVE a saved image (.tar, .tar.gz, an OCI layout folder).',
  options: {
    json: { type: 'boolean', description: 'print JSON: { image, platform, layers: [{ index, chainId, added, modified, deleted }] }' },
    platform: PLATFORM_OPTION,
  },
  async run({ operands, options, catalog, archives, stdout, platform }) {
    if (operands.length !== 1) {
      throw new UsageError('diff takes one IMAGE or ARCHIVE');
    }
    const targets = await imageTargets(operands, catalog, archives, platform);
    if (targets.length !== 1) {
      throw new UsageError(`${operands[0]} holds ${targets.length} images; diff one of them by its ID`);
    }
    const [{ catalog: images, reference }] = targets;
    const layers = await images.imageLayers(reference);
    const history = await images.fileHistory(layers.image.id);
    const chunks = options.json ? diffJsonChunks(layers, history.changes) : diffTextChunks(layers, history.changes);
    writeBuffered(chunks, stdout);
    return 0;
  },
};

/** Each layer's changes, sorted by path (a sorted copy of references: the history's lists stay as they are). */
export function sortedChanges(image: ImageLayers, changes: readonly LayerChanges[]): { index: number; chainId: string; changes: LayerChanges }[] {
  const byPath = <T extends { path: string }>(list: readonly T[]) => [...list].sort((a, b) => compareCodeUnits(a.path, b.path));
  return image.layers.map((layer) => {
    const own = changes[layer.index] ?? { added: [], modified: [], deleted: [] };
    return { index: layer.index, chainId: layer.chainId, changes: { added: byPath(own.added), modified: byPath(own.modified), deleted: byPath(own.deleted) } };
  });
}

/**
 * The contract's JSON, exactly as `JSON.stringify(json, null, 2)` prints it, in pieces: an image
 * of 100,000 files never sits in memory as one object tree or one string.
 */
export function* diffJsonChunks(image: ImageLayers, changes: readonly LayerChanges[]): Generator<string> {
  const layers = sortedChanges(image, changes);
  const platform = image.platform ? `\n  "platform": ${JSON.stringify(formatPlatform(image.platform))},` : '';
  yield `{\n  "image": ${JSON.stringify(image.image.id)},${platform}\n  "layers": ${layers.length ? '[' : '[]'}`;
  for (const [n, layer] of layers.entries()) {
    yield `${n ? ',' : ''}\n    {\n      "index": ${layer.index},\n      "chainId": ${JSON.stringify(layer.chainId)}`;
    const lists: [string, readonly object[], (item: never) => object][] = [
      ['added', layer.changes.added, ({ path, size }: { path: string; size: number }) => ({ path, size })],
      ['modified', layer.changes.modified, ({ path, size }: { path: string; size: number }) => ({ path, size })],
      ['deleted', layer.changes.deleted, (entry: DeletedPath) => ('opaque' in entry ? { path: entry.path, opaque: true } : { path: entry.path })],
    ];
    for (const [name, items, shape] of lists) {
      yield `,\n      ${JSON.stringify(name)}: ${items.length ? '[' : '[]'}`;
      for (const [i, item] of items.entries()) {
        const text = JSON.stringify(shape(item as never), null, 2).replace(/\n/g, '\n        ');
        yield `${i ? ',' : ''}\n        ${text}`;
      }
      if (items.length) {
        yield '\n      ]';
      }
    }
    yield '\n    }';
  }
  yield `${layers.length ? '\n  ]' : ''}\n}\n`;
}

export function* diffTextChunks(image: ImageLayers, changes: readonly LayerChanges[]): Generator<string> {
  const platform = hasSeveralPlatforms(image) && image.platform ? `  ${formatPlatform(image.platform)}` : '';
  yield `${stripControlCharacters(imageDisplayName(image.image))}  ${shortId(image.image.id)}${platform}  ${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}\n`;
  for (const { index, changes: layer } of sortedChanges(image, changes)) {
    const step = stripControlCharacters(layerStepLabel(image.layers[index]));
    yield `  ${index}  ${truncate(step, 60)}  +${layer.added.length} ~${layer.modified.length} -${layer.deleted.length}\n`;
    for (const file of layer.added) {
      yield `     A ${stripControlCharacters(file.path)}  ${formatBytes(file.size)}\n`;
    }
    for (const file of layer.modified) {
      yield `     M ${stripControlCharacters(file.path)}  ${formatBytes(file.size)}\n`;
    }
    for (const entry of layer.deleted) {
      yield `     D ${stripControlCharacters(entry.path)}${'opaque' in entry ? '/  (opaque: replaces the folder below)' : ''}\n`;
    }
  }
}
