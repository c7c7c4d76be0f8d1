/**
 * The Inspect document of a layer: the Engine has no such endpoint, so we compose one from what
 * we know, and say where each value came from.
 */
import { Limitation } from '../storage/limitation';
import { LayerFolderDetails } from '../storage/layerStore';
import { ImageLayers } from './imageLayers';

/** `details` is what the storage backend read from the layer's folder; `describe` words a limitation for the reader. */
export function layerDocument(
  image: ImageLayers,
  index: number,
  details: LayerFolderDetails | undefined,
  describe: (limitation: Limitation) => string,
): Record<string, unknown> {
  const layer = image.layers[index];
  if (!layer) {
    throw new Error(`${image.image.tags[0] ?? image.image.id} has no layer ${index}`);
  }
  // The steps since the previous layer (metadata-only ones and the one that made this layer); the
  // top layer also gets the metadata steps after it (CMD, WORKDIR …), which belong to no layer.
  const isTop = index === image.layers.length - 1;
  const made = layer.step?.position;
  const after = index > 0 ? image.layers[index - 1].step?.position : -1;
  const steps =
    made === undefined || after === undefined
      ? layer.step
        ? [layer.step]
        : []
      : image.steps.filter((step) => step.position > after && (step.position <= made || isTop));
  const indexOfCacheId = new Map(image.layers.map((each) => [each.cacheId, each.index]));
  return {
    image: { id: image.image.id, tags: image.image.tags },
    layer: {
      index: layer.index,
      of: image.layers.length,
      diffId: layer.diffId,
      chainId: layer.chainId,
      parentChainId: layer.parentChainId ?? null,
      cacheId: layer.cacheId,
      size: layer.size,
    },
    history: steps.map((step) => ({
      created: step.created ?? null,
      createdBy: step.createdBy ?? null,
      step: step.step,
      comment: step.comment ?? null,
      emptyLayer: step.emptyLayer,
    })),
    folder: {
      layerDir: layer.layerDir,
      diffDir: layer.diffDir,
      link: details?.link ?? null,
      lower:
        details?.lower?.map((lower) => ({
          link: lower.link,
          cacheId: lower.cacheId,
          layerIndex: lower.cacheId !== null ? (indexOfCacheId.get(lower.cacheId) ?? null) : null,
        })) ?? null,
      note: details
        ? null
        : layer.location.kind === 'unavailable'
          ? describe(layer.location.limitation)
          : 'link and lower are not readable by this user (the data root is root-only)',
    },
    sources: {
      diffId: `image inspect RootFS.Layers[${layer.index}]`,
      chainId: layer.index === 0 ? 'equal to the diff ID of the bottom layer' : 'computed: sha256(parent chain ID + " " + diff ID)',
      parentChainId: 'chain ID of the layer below',
      cacheId:
        layer.cacheIdSource === 'layerdb'
          ? `layerdb/sha256/${layer.chainId.replace(/^sha256:/, '')}/cache-id`
          : layer.cacheIdSource === 'GraphDriver'
            ? 'image inspect GraphDriver.Data (UpperDir is the top layer, LowerDir the rest top to bottom)'
            : layer.cacheIdSource === 'containerd metadata'
              ? "containerd's meta.db (the snapshot's key) and the overlayfs snapshotter's metadata.db (its number)"
              : layer.cacheIdSource === 'containers-storage metadata'
                ? "containers-storage's overlay-images/images.json (the top layer) and overlay-layers/layers.json (parents, diff digests): the layer's ID"
                : null,
      size:
        layer.sizeSource === 'layerdb'
          ? 'layerdb size file'
          : layer.sizeSource === 'containers-storage metadata'
            ? 'overlay-layers/layers.json diff-size'
            : layer.sizeSource === 'engine history'
              ? 'Engine image history (Size)'
              : null,
      history:
        image.historySource === 'image config'
          ? 'image config (exact empty_layer flags)'
          : image.historySource === 'engine history (inferred)'
            ? 'Engine image history, matched to layers by instruction and size (inferred)'
            : 'the history could not be matched to the layers',
      folder: details?.description ?? (layer.cacheIdSource === 'layerdb' ? 'the layerdb' : layer.cacheIdSource === 'GraphDriver' ? 'image inspect GraphDriver data' : layer.cacheIdSource === 'containerd metadata' ? "containerd's metadata" : layer.cacheIdSource === 'containers-storage metadata' ? "containers-storage's metadata" : null),
    },
  };
}
