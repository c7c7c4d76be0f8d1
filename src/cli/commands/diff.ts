/**
 * `docker-layers diff IMAGE|ARCHIVE [--json]`: what each layer added, modified and deleted, read
 * from the layer folders where this process can read them, else from the image archive. The JSON
 * shape is a contract (README): change it only compatibly.
 */
import * as path from 'path';
import { DeletedPath, LayerChanges } from '../../core/analysis/fileHistory';
import { formatBytes, stripControlCharacters, truncate } from '../../core/format';
import { shortId } from '../../core/digest';
import { imageDisplayName } from '../../core/model/image';
import { ImageLayers, layerStepLabel } from '../../core/model/imageLayers';
import { imageTargets } from '../imageTargets';
import { Subcommand, UsageError } from '../subcommand';

export interface LayerDiffJson {
  index: number;
  chainId: string;
  added: { path: string; size: number }[];
  modified: { path: string; size: number }[];
  deleted: DeletedPath[];
}

export interface ImageDiffJson {
  image: string;
  layers: LayerDiffJson[];
}

export const diffCommand: Subcommand = {
  name: 'diff',
  operands: 'IMAGE|ARCHIVE',
  summary:
    'What each layer of an image added, modified and deleted, bottom layer first.\n' +
    'IMAGE is name[:tag] or an image ID; ARCHIVE a saved image (.tar, .tar.gz, an OCI layout folder).',
  options: {
    json: { type: 'boolean', description: 'print JSON: { image, layers: [{ index, chainId, added, modified, deleted }] }' },
  },
  async run({ operands, options, catalog, archives, stdout }) {
    if (operands.length !== 1) {
      throw new UsageError('diff takes one IMAGE or ARCHIVE');
    }
    const targets = await imageTargets(operands, catalog, async () => path.join((await archives()).dir, 'files'));
    if (targets.length !== 1) {
      throw new UsageError(`${operands[0]} holds ${targets.length} images; diff one of them by its ID`);
    }
    const [{ catalog: images, reference }] = targets;
    const layers = await images.imageLayers(reference);
    const history = await images.fileHistory(layers.image.id);
    const json = toDiffJson(layers, history.changes);
    stdout(options.json ? `${JSON.stringify(json, null, 2)}\n` : formatDiffText(layers, json));
    return 0;
  },
};

export function toDiffJson(image: ImageLayers, changes: readonly LayerChanges[]): ImageDiffJson {
  const byPath = <T extends { path: string }>(list: readonly T[]) => [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    image: image.image.id,
    layers: image.layers.map((layer) => {
      const layerChanges = changes[layer.index] ?? { added: [], modified: [], deleted: [] };
      return {
        index: layer.index,
        chainId: layer.chainId,
        added: byPath(layerChanges.added).map(({ path: file, size }) => ({ path: file, size })),
        modified: byPath(layerChanges.modified).map(({ path: file, size }) => ({ path: file, size })),
        deleted: byPath(layerChanges.deleted).map((entry) => ('opaque' in entry ? { path: entry.path, opaque: true as const } : { path: entry.path })),
      };
    }),
  };
}

export function formatDiffText(image: ImageLayers, diff: ImageDiffJson): string {
  const lines = [`${stripControlCharacters(imageDisplayName(image.image))}  ${shortId(image.image.id)}  ${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}`];
  for (const layer of diff.layers) {
    const step = stripControlCharacters(layerStepLabel(image.layers[layer.index]));
    lines.push(`  ${layer.index}  ${truncate(step, 60)}  +${layer.added.length} ~${layer.modified.length} -${layer.deleted.length}`);
    for (const file of layer.added) {
      lines.push(`     A ${stripControlCharacters(file.path)}  ${formatBytes(file.size)}`);
    }
    for (const file of layer.modified) {
      lines.push(`     M ${stripControlCharacters(file.path)}  ${formatBytes(file.size)}`);
    }
    for (const entry of layer.deleted) {
      lines.push(`     D ${stripControlCharacters(entry.path)}${'opaque' in entry ? '/  (opaque: replaces the folder below)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
