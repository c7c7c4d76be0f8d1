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

/**
 * The same images as `docker save` writes them from Engine 25 (OCI layout: blobs/sha256/<hex>,
 * index.json, and manifest.json naming the blobs). Layers are stored as given (compressed or not);
 * diff IDs default to the layers' own digests.
 */
export function ociArchive(images: SavedImage[]): { bytes: Buffer; ids: string[] } {
  const blobs = new Map<string, Buffer>();
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const index: { mediaType: string; digest: string; annotations: Record<string, string> }[] = [];
  const ids: string[] = [];
  const blob = (data: Buffer) => {
    const hex = sha256(data);
    blobs.set(hex, data);
    return hex;
  };
  for (const image of images) {
    const configHex = blob(imageConfigOf(image.diffIds ?? image.layers.map((layer) => `sha256:${sha256(layer)}`), image.history));
    const layerHexes = image.layers.map(blob);
    const imageManifest = {
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}` },
      layers: layerHexes.map((hex) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${hex}` })),
    };
    const manifestHex = blob(Buffer.from(JSON.stringify(imageManifest)));
    index.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestHex}`, annotations: { 'io.containerd.image.name': image.repoTags[0] ?? '' } });
    manifest.push({ Config: `blobs/sha256/${configHex}`, RepoTags: image.repoTags, Layers: layerHexes.map((hex) => `blobs/sha256/${hex}`) });
    ids.push(`sha256:${configHex}`);
  }
  const specs: TarSpec[] = [{ name: 'blobs/', type: 'dir' }, { name: 'blobs/sha256/', type: 'dir' }];
  for (const [hex, data] of blobs) {
    specs.push({ name: `blobs/sha256/${hex}`, content: data });
  }
  specs.push(
    { name: 'index.json', content: JSON.stringify({ schemaVersion: 2, manifests: index }) },
    { name: 'manifest.json', content: JSON.stringify(manifest) },
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
  );
  return { bytes: tarOf(specs), ids };
}

/**
 * A zstd frame of `blocks` RLE blocks of 128 KiB of zeros each: 4 bytes a block, as a compression
 * bomb is made (there is no zstd encoder in Node 20).
 */
export function zstdOfZeros(blocks: number): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])]; // magic; no content size; window 128 KiB
  for (let at = 0; at < blocks; at++) {
    const header = (128 * 1024) * 8 + (1 << 1) + (at === blocks - 1 ? 1 : 0); // size, RLE, last block
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0]));
  }
  return Buffer.concat(parts);
}
