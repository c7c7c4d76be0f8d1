/**
 * `docker-layers ls [IMAGE…] [--json]`: the layer tree as text, or as JSON for scripts.
 * The JSON shape is a contract (README): change it only compatibly.
 */
import * as path from 'path';
import { ImageCatalog } from '../../core/imageCatalog';
import { mapLimited } from '../../core/mapLimited';
import { formatBytes, stripControlCharacters, truncate } from '../../core/format';
import { shortId } from '../../core/digest';
import { ImageSummary, imageDisplayName } from '../../core/model/image';
import { ImageLayers, Layer, layerStepLabel } from '../../core/model/imageLayers';
import { StorageProfile } from '../../core/storage/storageProfile';
import { imageTargets } from '../imageTargets';
import { limitationText } from '../limitationText';
import { Subcommand } from '../subcommand';

export const lsCommand: Subcommand = {
  name: 'ls',
  operands: '[IMAGE|ARCHIVE...]',
  summary:
    "List Docker images, their layers and each layer's folder (overlay2 cache ID and diff path).\n" +
    'IMAGE is name[:tag], a full or short image ID; without one, every image is listed.\n' +
    'ARCHIVE is a saved image (docker save / podman save .tar, .tar.gz, an OCI layout folder): no daemon needed.',
  options: {
    json: { type: 'boolean', description: 'print JSON: [{ id, tags, layers: [{ index, diffId, chainId, cacheId, diffDir, size, createdBy }] }]' },
  },
  async run({ operands, options, catalog, archives, stdout }) {
    const images =
      operands.length === 0
        ? await loadImages(await catalog(), [])
        : await mapLimited(await imageTargets(operands, catalog, async () => path.join((await archives()).dir, 'files')), PARALLEL_IMAGES, (target) => target.catalog.imageLayers(target.reference));
    stdout(options.json ? `${JSON.stringify(images.map(toImageJson), null, 2)}\n` : formatImagesText(images));
    return 0;
  },
};

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
  layers: LayerJson[];
}

export function toImageJson(image: ImageLayers): ImageJson {
  return {
    id: image.image.id,
    tags: image.image.tags,
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

/** Loads the named images (all when none is named), in parallel, keeping the order asked for. */
export async function loadImages(catalog: ImageCatalog, references: readonly string[]): Promise<ImageLayers[]> {
  const wanted: string[] = references.length > 0 ? [...references] : (await catalog.listImages()).map((image: ImageSummary) => image.id);
  return mapLimited(wanted, PARALLEL_IMAGES, (reference) => catalog.imageLayers(reference));
}

function folderLine(layer: Layer, storage: StorageProfile): string {
  if (layer.location.kind === 'archive') {
    return `in the archive: ${layer.location.entry}`;
  }
  return layer.diffDir ?? `no folder: ${storage.limitation ? limitationText(storage.limitation) : 'not reported by the Engine'}`;
}

export function formatImagesText(images: readonly ImageLayers[]): string {
  const lines: string[] = [];
  for (const { image, layers, storage, historySource, folderLimitation } of images) {
    const names = stripControlCharacters(image.tags.length > 0 ? image.tags.join(', ') : imageDisplayName(image));
    lines.push(`${names}  ${shortId(image.id)}  ${formatBytes(image.size)}  ${layers.length} layer${layers.length === 1 ? '' : 's'}`);
    const indexWidth = String(Math.max(0, layers.length - 1)).length;
    for (const layer of layers) {
      const step = stripControlCharacters(layerStepLabel(layer));
      lines.push(`  ${String(layer.index).padStart(indexWidth)}  ${truncate(step, 60).padEnd(60)}  ${formatBytes(layer.size).padStart(9)}`);
      lines.push(`  ${' '.repeat(indexWidth)}  chain ${layer.chainId}`);
      lines.push(`  ${' '.repeat(indexWidth)}  ${folderLine(layer, storage)}`);
    }
    if (historySource !== 'image config' && layers.length > 0) {
      lines.push(
        historySource === 'unmatched'
          ? '  note: the history could not be matched to the layers; steps are unknown'
          : `  note: steps matched to layers from the Engine history (a guess${(storage.kind === 'overlay2' || storage.kind === 'containerd-snapshotter') && storage.location === 'local' ? '; run as root for the exact mapping' : ''})`,
      );
    }
    if (folderLimitation) {
      lines.push(`  note: ${limitationText(folderLimitation)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
