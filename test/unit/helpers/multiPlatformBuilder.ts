/**
 * Multi-platform images for the tests, as an OCI image index of one manifest per platform, each
 * with its own config and layer blobs (gzip, as registries store them): the blobs alone (to put
 * into a content store), or an OCI layout archive as `docker save` on Docker 26's containerd
 * store writes one (index.json → the image index, blobs/sha256/…, and optionally manifest.json
 * naming one platform), which `docker load` takes too.
 */
import * as zlib from 'zlib';
import { sha256 } from './archiveBuilder';
import { TarSpec, tarOf } from './tarBuilder';

interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
  /** Each layer's tar, uncompressed: the diff IDs are their digests. */
  layers: Buffer[];
  /** Diff IDs the config claims (default: the layers' own digests), e.g. those of snapshots a recording holds. */
  diffIds?: string[];
  history?: { created_by: string; empty_layer?: boolean }[];
}

interface BuiltPlatform {
  spec: PlatformSpec;
  /** `os/arch[/variant]`. */
  name: string;
  manifestDigest: string;
  configDigest: string;
  diffIds: string[];
  /** The gzip blobs' digests, bottom first. */
  layerDigests: string[];
  /** Every blob of this platform (manifest, config, layers) by hex. */
  blobs: Map<string, Buffer>;
}

export interface MultiPlatformImage {
  /** The image index's digest: the image's ID on the containerd store. */
  indexDigest: string;
  index: Buffer;
  platforms: BuiltPlatform[];
}

const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

/** One tar of files, `{ 'etc/x': 'text' }`. */
export function layerTar(files: Record<string, string>): Buffer {
  const specs: TarSpec[] = [];
  const folders = new Set<string>();
  for (const [name, content] of Object.entries(files)) {
    const parts = name.split('/').slice(0, -1);
    parts.forEach((_, at) => {
      const folder = `${parts.slice(0, at + 1).join('/')}/`;
      if (!folders.has(folder)) {
        folders.add(folder);
        specs.push({ name: folder, type: 'dir' });
      }
    });
    specs.push({ name, content });
  }
  return tarOf(specs);
}

export function multiPlatformImage(platforms: PlatformSpec[], options: { attestation?: boolean } = {}): MultiPlatformImage {
  const built = platforms.map((spec): BuiltPlatform => {
    const blobs = new Map<string, Buffer>();
    const put = (data: Buffer) => {
      const hex = sha256(data);
      blobs.set(hex, data);
      return hex;
    };
    const diffIds = spec.diffIds ?? spec.layers.map((layer) => `sha256:${sha256(layer)}`);
    const gzipped = spec.layers.map((layer) => zlib.gzipSync(layer));
    const platformFields = { architecture: spec.architecture, os: spec.os, ...(spec.variant ? { variant: spec.variant } : {}) };
    const config = Buffer.from(
      JSON.stringify({
        ...platformFields,
        created: '2026-01-02T03:04:05Z',
        config: {},
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: spec.history ?? diffIds.map((_, index) => ({ created_by: `/bin/sh -c step ${index} # ${spec.architecture}` })),
      }),
    );
    const configHex = put(config);
    const layerHexes = gzipped.map(put);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}`, size: config.length },
        layers: gzipped.map((data, at) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${layerHexes[at]}`, size: data.length })),
      }),
    );
    const manifestHex = put(manifest);
    return {
      spec,
      name: [spec.os, spec.architecture, spec.variant].filter(Boolean).join('/'),
      manifestDigest: `sha256:${manifestHex}`,
      configDigest: `sha256:${configHex}`,
      diffIds,
      layerDigests: layerHexes.map((hex) => `sha256:${hex}`),
      blobs,
    };
  });
  const manifests: object[] = built.map((platform) => ({
    mediaType: MANIFEST_TYPE,
    digest: platform.manifestDigest,
    size: platform.blobs.get(platform.manifestDigest.slice(7))!.length,
    platform: { architecture: platform.spec.architecture, os: platform.spec.os, ...(platform.spec.variant ? { variant: platform.spec.variant } : {}) },
  }));
  if (options.attestation) {
    // As BuildKit writes one: a manifest for unknown/unknown referring to the first platform's (its blobs are not needed here).
    manifests.push({
      mediaType: MANIFEST_TYPE,
      digest: `sha256:${'a'.repeat(64)}`,
      size: 1,
      annotations: { 'vnd.docker.reference.digest': built[0].manifestDigest, 'vnd.docker.reference.type': 'attestation-manifest' },
      platform: { architecture: 'unknown', os: 'unknown' },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX_TYPE, manifests }));
  return { indexDigest: `sha256:${sha256(index)}`, index, platforms: built };
}

interface ArchiveOptions {
  /** The tag the index names (`io.containerd.image.name`, `docker.io/library/` added when it has no registry). */
  tag: string;
  /** Platforms (by name, `linux/arm64/v8`) whose blobs are left out, as a pull of one platform leaves them. */
  omit?: string[];
  /** Also write manifest.json naming this platform (by name), as `docker save` does for the one it shows. */
  manifestJsonFor?: string;
}

/** The image as an OCI layout tar (`docker save` on the containerd store; `docker load` reads it). */
export function multiPlatformArchive(image: MultiPlatformImage, options: ArchiveOptions): Buffer {
  const blobs = new Map<string, Buffer>([[image.indexDigest.slice(7), image.index]]);
  for (const platform of image.platforms) {
    if (!options.omit?.includes(platform.name)) {
      for (const [hex, data] of platform.blobs) {
        blobs.set(hex, data);
      }
    }
  }
  const fullName = /^[^/]+\.[^/]+\//.test(options.tag) || options.tag.includes('/') ? options.tag : `docker.io/library/${options.tag}`;
  const specs: TarSpec[] = [{ name: 'blobs/', type: 'dir' }, { name: 'blobs/sha256/', type: 'dir' }];
  for (const [hex, data] of blobs) {
    specs.push({ name: `blobs/sha256/${hex}`, content: data });
  }
  const top = { mediaType: INDEX_TYPE, digest: image.indexDigest, size: image.index.length, annotations: { 'io.containerd.image.name': fullName, 'org.opencontainers.image.ref.name': options.tag.split(':').pop() ?? 'latest' } };
  specs.push({ name: 'index.json', content: JSON.stringify({ schemaVersion: 2, mediaType: INDEX_TYPE, manifests: [top] }) });
  const shown = image.platforms.find((platform) => platform.name === options.manifestJsonFor);
  if (shown) {
    const manifest = [{ Config: `blobs/sha256/${shown.configDigest.slice(7)}`, RepoTags: [options.tag], Layers: shown.layerDigests.map((digest) => `blobs/sha256/${digest.slice(7)}`) }];
    specs.push({ name: 'manifest.json', content: JSON.stringify(manifest) });
  }
  specs.push({ name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' });
  return tarOf(specs);
}
