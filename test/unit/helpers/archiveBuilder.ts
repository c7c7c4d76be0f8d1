/** `docker save` archives for the tests, in the classic layout (before Engine 25). */
import { createHash } from 'crypto';
import { TarSpec, tarOf } from './tarBuilder';

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export interface SavedImage {
  layers: Buffer[];
  repoTags: string[];
  /** Diff IDs the config claims (default: the layers' own digests). */
  diffIds?: string[];
  history?: { created_by: string; empty_layer?: boolean }[];
}

export function imageConfigOf(diffIds: string[], history?: SavedImage['history']): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-02T03:04:05Z',
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: history ?? diffIds.map((_, index) => ({ created_by: `/bin/sh -c step ${index}` })),
    }),
  );
}

/** One archive holding the images; returns its bytes and each image's ID (its config digest). */
export function savedArchive(images: SavedImage[]): { bytes: Buffer; ids: string[] } {
  const specs: TarSpec[] = [];
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const ids: string[] = [];
  const written = new Set<string>();
  for (const image of images) {
    const diffIds = image.diffIds ?? image.layers.map((layer) => `sha256:${sha256(layer)}`);
    const config = imageConfigOf(diffIds, image.history);
    const configHex = sha256(config);
    const layerNames = image.layers.map((layer) => `${sha256(layer)}/layer.tar`);
    image.layers.forEach((layer, index) => {
      if (!written.has(layerNames[index])) {
        written.add(layerNames[index]);
        specs.push({ name: layerNames[index], content: layer });
      }
    });
    specs.push({ name: `${configHex}.json`, content: config });
    manifest.push({ Config: `${configHex}.json`, RepoTags: image.repoTags, Layers: layerNames });
    ids.push(`sha256:${configHex}`);
  }
  specs.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  return { bytes: tarOf(specs), ids };
}
