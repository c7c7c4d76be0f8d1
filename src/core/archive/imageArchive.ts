/**
 * An image archive as `docker save` and `podman save` write it, or an OCI layout folder: its
 * images (manifest.json, or index.json for a bare OCI layout), their configs, and a reader for
 * each layer. Both layouts: before Engine 25 `<id>/layer.tar` (a repeated layer is a symlink to
 * the first), from 25 `blobs/sha256/<hex>`. A compressed archive or layer blob (gzip, zstd) is
 * decompressed once into the cache folder; nothing is ever written anywhere else.
 */
import { createHash } from 'crypto';
import { createReadStream, createWriteStream, promises as fs } from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { isFullDigest } from '../digest';
import { ImageConfig } from '../engine/engineTypes';
import { normalizeLayerPath } from '../layerfs/layerPath';
import { ArchiveLayerFileSystem, LayerTarFile } from './archiveLayerFileSystem';
import { Compression, compressionOf, decompressor } from './compression';
import { LayerIndex } from './layerIndex';
import { ArchivePreindex } from './streamingArchiveIndexer';
import { indexTarFile } from './tarFile';
import { TarEntry, TarFormatError } from './tarIndex';

/** manifest.json, config and index files are read whole; none legitimately comes near this. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export class ArchiveFormatError extends Error {
  constructor(
    readonly archive: string,
    detail: string,
  ) {
    super(`${archive} is not a usable image archive: ${detail}`);
    this.name = 'ArchiveFormatError';
  }
}

/** A byte range of a file on disk that holds one blob (a layer tar, possibly compressed). */
interface Blob {
  file: string;
  offset: number;
  size: number;
}

export interface ArchiveImage {
  /** sha256:<hex> of the image config, as the Engine names the image. */
  id: string;
  repoTags: string[];
  config: ImageConfig;
  /** Diff IDs from the config, bottom first. */
  diffIds: string[];
  /** Where each layer's blob is, as the archive names it (`<id>/layer.tar`, `blobs/sha256/<hex>`). */
  layerEntries: string[];
  /** In-toto statements BuildKit attached to the image (provenance, SBOM), by predicate type. */
  attestations: { predicateType: string; entry: string }[];
}

/** An attestation statement is read whole: real ones are kilobytes, a provenance of a big build a few megabytes. */
const MAX_ATTESTATION_BYTES = 16 * 1024 * 1024;

interface ManifestEntry {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

/** Reads a file of the archive: from the outer tar, or from the OCI layout folder. */
interface ArchiveContents {
  blob(name: string): Blob | undefined;
}

export interface OpenArchiveOptions {
  /** Where decompressed copies go; created when needed. */
  cacheDir: string;
  signal?: AbortSignal;
  /** The index of this very file, built while it was written (the Engine's archive): no header is read again. */
  preindexed?: ArchivePreindex;
}

export class ImageArchive {
  private readonly layers = new Map<string, Promise<ArchiveLayerFileSystem>>();

  private constructor(
    /** The archive as the user named it. */
    readonly source: string,
    readonly images: ArchiveImage[],
    private readonly contents: ArchiveContents,
    private readonly cacheDir: string,
    /** Layer tars indexed while the archive was written, by their data offset (a repeated layer's entries share one). */
    private readonly prebuilt = new Map<number, LayerIndex>(),
  ) {}

  static async open(source: string, options: OpenArchiveOptions): Promise<ImageArchive> {
    const stat = await fs.stat(source).catch((error: NodeJS.ErrnoException) => {
      throw new ArchiveFormatError(source, error.code === 'ENOENT' ? 'it does not exist' : error.message);
    });
    let contents: ArchiveContents;
    if (stat.isDirectory()) {
      contents = await folderContents(source);
    } else if (options.preindexed) {
      contents = entryContents(source, options.preindexed.entries);
    } else {
      const tar = await plainTar(source, stat, options);
      contents = await tarContents(tar, source, options.signal);
    }
    const images = await readImages(source, contents);
    return new ImageArchive(source, images, contents, options.cacheDir, options.preindexed?.layers);
  }

  /** Bytes the image's layer blobs take in the archive (compressed where they are). */
  storedBytes(image: ArchiveImage): number {
    return image.layerEntries.reduce((sum, entry) => sum + (this.contents.blob(entry)?.size ?? 0), 0);
  }

  /** An in-toto statement attached to the image (its `attestations`), parsed; undefined when it is not in the archive. */
  async attestation(entry: string): Promise<unknown> {
    const blob = this.contents.blob(entry);
    if (!blob) {
      return undefined;
    }
    if (blob.size > MAX_ATTESTATION_BYTES) {
      throw new ArchiveFormatError(this.source, `the attestation ${entry} is ${blob.size} bytes, larger than any real one`);
    }
    return readJson<unknown>(this.source, blob, entry);
  }

  /** The files of an image's layer (indexed on first use, then kept). */
  layer(image: ArchiveImage, index: number, signal?: AbortSignal): Promise<ArchiveLayerFileSystem> {
    const entry = image.layerEntries[index];
    if (entry === undefined) {
      return Promise.reject(new ArchiveFormatError(this.source, `image ${image.id} has no layer ${index}`));
    }
    return this.layerAt(entry, signal);
  }

  /** The files of the layer blob an archive entry names (`<id>/layer.tar`, `blobs/sha256/<hex>`). */
  layerAt(entry: string, signal?: AbortSignal): Promise<ArchiveLayerFileSystem> {
    const existing = this.layers.get(entry);
    if (existing) {
      return existing;
    }
    const opening = this.openLayer(entry, signal);
    this.layers.set(entry, opening);
    opening.catch(() => this.layers.delete(entry));
    return opening;
  }

  private async openLayer(entry: string, signal: AbortSignal | undefined): Promise<ArchiveLayerFileSystem> {
    const blob = this.contents.blob(entry);
    if (!blob) {
      throw new ArchiveFormatError(this.source, `the layer ${entry} named in its manifest is not in it`);
    }
    const prebuilt = blob.file === this.source ? this.prebuilt.get(blob.offset) : undefined;
    if (prebuilt) {
      return new ArchiveLayerFileSystem(prebuilt, { path: blob.file, offset: blob.offset });
    }
    const compression = await compressionAt(blob);
    const tar: LayerTarFile =
      compression === 'none'
        ? { path: blob.file, offset: blob.offset }
        : { path: await decompressToCache(blob, compression, path.join(this.cacheDir, 'layers', `${await blobKey(blob)}.tar`), signal), offset: 0 };
    const index = new LayerIndex();
    try {
      await indexTarFile(tar.path, { offset: tar.offset, length: compression === 'none' ? blob.size : undefined }, (tarEntry) => index.add(tarEntry), signal);
    } catch (error) {
      if (error instanceof TarFormatError) {
        throw new ArchiveFormatError(this.source, `layer ${entry}: ${error.message}`);
      }
      throw error;
    }
    return new ArchiveLayerFileSystem(index, tar);
  }
}

/** The archive as a plain tar on disk: itself, or its decompressed copy in the cache. */
async function plainTar(source: string, stat: { size: number; mtimeMs: number }, options: OpenArchiveOptions): Promise<string> {
  const compression = await compressionAt({ file: source, offset: 0, size: stat.size });
  if (compression === 'none') {
    return source;
  }
  const key = createHash('sha256').update(`${path.resolve(source)}\0${stat.size}\0${stat.mtimeMs}`).digest('hex');
  return decompressToCache({ file: source, offset: 0, size: stat.size }, compression, path.join(options.cacheDir, 'archives', `${key}.tar`), options.signal);
}

async function tarContents(tar: string, source: string, signal: AbortSignal | undefined): Promise<ArchiveContents> {
  const entries: TarEntry[] = [];
  try {
    await indexTarFile(tar, { offset: 0 }, (entry) => void entries.push(entry), signal);
  } catch (error) {
    if (error instanceof TarFormatError) {
      throw new ArchiveFormatError(source, error.message);
    }
    throw error;
  }
  return entryContents(tar, entries);
}

/** The files of an outer tar, by name, from its entries. */
function entryContents(tar: string, list: readonly TarEntry[]): ArchiveContents {
  const entries = new Map<string, TarEntry>();
  for (const entry of list) {
    entries.set(archiveName(entry.name), entry);
  }
  return {
    blob(name) {
      // A repeated layer is a symlink (or hard link) to the first copy: follow a few, inside the archive only.
      let current = archiveName(name);
      for (let hops = 0; hops < 8; hops++) {
        const entry = entries.get(current);
        if (!entry) {
          return undefined;
        }
        if (entry.type === 'file') {
          return { file: tar, offset: entry.dataOffset, size: entry.size };
        }
        if (entry.type === 'symlink') {
          current = archiveName(path.posix.join(path.posix.dirname(current), entry.linkName));
        } else if (entry.type === 'hardlink') {
          current = archiveName(entry.linkName);
        } else {
          return undefined;
        }
      }
      return undefined;
    },
  };
}

async function folderContents(folder: string): Promise<ArchiveContents> {
  const real = await fs.realpath(folder);
  const sizes = new Map<string, number>();
  // Only regular files inside the folder: a link in a hostile layout cannot point out of it.
  const walk = async (relative: string, depth: number): Promise<void> => {
    if (depth > 4) {
      return;
    }
    for (const dirent of await fs.readdir(path.join(real, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${dirent.name}` : dirent.name;
      if (dirent.isDirectory()) {
        await walk(name, depth + 1);
      } else if (dirent.isFile()) {
        sizes.set(name, (await fs.lstat(path.join(real, name))).size);
      }
    }
  };
  await walk('', 0);
  return {
    blob(name) {
      const key = archiveName(name);
      const size = sizes.get(key);
      return size === undefined ? undefined : { file: path.join(real, key), offset: 0, size };
    },
  };
}

/** Names inside an archive, normalised: `./blobs/sha256/x` and `blobs/sha256/x` are one. */
function archiveName(name: string): string {
  return normalizeLayerPath(name).slice(1);
}

async function readImages(source: string, contents: ArchiveContents): Promise<ArchiveImage[]> {
  const manifest = contents.blob('manifest.json');
  if (manifest) {
    const entries = await readJson<ManifestEntry[]>(source, manifest, 'manifest.json');
    if (!Array.isArray(entries)) {
      throw new ArchiveFormatError(source, 'manifest.json is not a list');
    }
    const images = await Promise.all(entries.map((entry, index) => imageFromManifest(source, contents, entry, index)));
    const index = contents.blob('index.json');
    if (index) {
      // Engine 25+ writes both: manifest.json for the images, index.json for what only it holds (attestations).
      const fromIndex = await imagesFromOciIndex(source, contents, await readJson<OciIndex>(source, index, 'index.json')).catch(() => []);
      for (const image of images) {
        image.attestations.push(...(fromIndex.find((other) => other.id === image.id)?.attestations ?? []));
      }
    }
    return images;
  }
  const index = contents.blob('index.json');
  if (index) {
    return imagesFromOciIndex(source, contents, await readJson<OciIndex>(source, index, 'index.json'));
  }
  throw new ArchiveFormatError(source, 'it has neither manifest.json (docker save) nor index.json (OCI layout)');
}

async function imageFromManifest(source: string, contents: ArchiveContents, entry: ManifestEntry, position: number): Promise<ArchiveImage> {
  if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((layer) => typeof layer === 'string')) {
    throw new ArchiveFormatError(source, `manifest.json entry ${position} has no Config or Layers`);
  }
  const layerEntries = entry.Layers;
  const repoTags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((tag): tag is string => typeof tag === 'string') : [];
  return imageOf(source, contents, entry.Config, layerEntries, repoTags);
}

interface OciDescriptor {
  mediaType?: string;
  digest?: string;
  annotations?: Record<string, string>;
}
interface OciIndex {
  manifests?: OciDescriptor[];
}
interface OciManifest {
  mediaType?: string;
  config?: OciDescriptor;
  layers?: OciDescriptor[];
  manifests?: OciDescriptor[];
}

/** BuildKit's attestations sit in the index as manifests of their own, for the platform "unknown/unknown". */
const ATTESTATION_TYPE = 'attestation-manifest';
const IN_TOTO = 'application/vnd.in-toto+json';

async function imagesFromOciIndex(source: string, contents: ArchiveContents, index: OciIndex, depth = 0): Promise<ArchiveImage[]> {
  const images: ArchiveImage[] = [];
  const imageManifests = new Map<string, ArchiveImage>();
  const attestations: { ofManifest: string; statements: ArchiveImage['attestations'] }[] = [];
  for (const descriptor of index.manifests ?? []) {
    if (descriptor.annotations?.['vnd.docker.reference.type'] === ATTESTATION_TYPE) {
      // Attestations are extras: a broken one is skipped, never the reason an archive cannot open.
      const statements = await attestationStatements(source, contents, descriptor).catch(() => []);
      attestations.push({ ofManifest: String(descriptor.annotations['vnd.docker.reference.digest'] ?? ''), statements });
      continue;
    }
    const name = blobName(source, descriptor.digest);
    const blob = contents.blob(name);
    if (!blob) {
      throw new ArchiveFormatError(source, `the manifest ${descriptor.digest ?? '?'} named in index.json is not in it`);
    }
    const manifest = await readJson<OciManifest>(source, blob, name);
    if (manifest.manifests && depth < 2) {
      // A multi-platform index: each platform's image.
      images.push(...(await imagesFromOciIndex(source, contents, manifest, depth + 1)));
      continue;
    }
    const config = blobName(source, manifest.config?.digest);
    const tag = descriptor.annotations?.['io.containerd.image.name'] ?? descriptor.annotations?.['org.opencontainers.image.ref.name'];
    const image = await imageOf(source, contents, config, (manifest.layers ?? []).map((layer) => blobName(source, layer.digest)), tag ? [tag] : []);
    images.push(image);
    imageManifests.set(descriptor.digest ?? '', image);
  }
  for (const { ofManifest, statements } of attestations) {
    imageManifests.get(ofManifest)?.attestations.push(...statements);
  }
  return images;
}

/** The in-toto statements an attestation manifest lists, each checked. */
async function attestationStatements(source: string, contents: ArchiveContents, descriptor: OciDescriptor): Promise<ArchiveImage['attestations']> {
  const name = blobName(source, descriptor.digest);
  const blob = contents.blob(name);
  const manifest = blob ? await readJson<OciManifest>(source, blob, name) : undefined;
  const layers: unknown[] = Array.isArray(manifest?.layers) ? manifest.layers : [];
  return layers.flatMap((raw) => {
    const layer = typeof raw === 'object' && raw !== null ? (raw as OciDescriptor) : undefined;
    const predicateType = layer?.annotations?.['in-toto.io/predicate-type'];
    if (layer?.mediaType !== IN_TOTO || typeof layer.digest !== 'string' || !isFullDigest(layer.digest) || typeof predicateType !== 'string') {
      return [];
    }
    return [{ predicateType, entry: blobName(source, layer.digest) }];
  });
}

async function imageOf(source: string, contents: ArchiveContents, configName: string, layerEntries: string[], repoTags: string[]): Promise<ArchiveImage> {
  const blob = contents.blob(configName);
  if (!blob) {
    throw new ArchiveFormatError(source, `the image config ${configName} is not in it`);
  }
  const config = await readJson<ImageConfig>(source, blob, configName);
  const diffIds = (config.rootfs?.diff_ids ?? []).filter((diffId) => typeof diffId === 'string');
  if (diffIds.length !== layerEntries.length) {
    throw new ArchiveFormatError(source, `the config ${configName} lists ${diffIds.length} layers, the manifest ${layerEntries.length}`);
  }
  const hex = /([0-9a-f]{64})(?:\.json)?$/.exec(configName)?.[1];
  const id = hex ? `sha256:${hex}` : `sha256:${createHash('sha256').update(await readBlob(blob)).digest('hex')}`;
  return { id, repoTags, config, diffIds, layerEntries, attestations: [] };
}

function blobName(source: string, digest: string | undefined): string {
  if (!digest || !isFullDigest(digest)) {
    throw new ArchiveFormatError(source, `${JSON.stringify(digest)} is not a sha256 digest`);
  }
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

async function readJson<T>(source: string, blob: Blob, name: string): Promise<T> {
  if (blob.size > MAX_JSON_BYTES) {
    throw new ArchiveFormatError(source, `${name} is ${blob.size} bytes, larger than any real one`);
  }
  try {
    return JSON.parse((await readBlob(blob)).toString('utf8')) as T;
  } catch (error) {
    throw new ArchiveFormatError(source, `${name} is not JSON (${(error as Error).message})`);
  }
}

async function readBlob(blob: Blob): Promise<Buffer> {
  const handle = await fs.open(blob.file, 'r');
  try {
    const buffer = Buffer.alloc(blob.size);
    const { bytesRead } = await handle.read(buffer, 0, blob.size, blob.offset);
    if (bytesRead < blob.size) {
      throw new Error('the archive ends inside it (truncated?)');
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

async function compressionAt(blob: Blob): Promise<Compression> {
  const handle = await fs.open(blob.file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, Math.min(4, blob.size), blob.offset);
    return compressionOf(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The decompressed blob as a file in the cache: written once (to a temporary name, then renamed). */
async function decompressToCache(blob: Blob, compression: Exclude<Compression, 'none'>, target: string, signal: AbortSignal | undefined): Promise<string> {
  if (await fs.stat(target).then(() => true, () => false)) {
    return target;
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  try {
    await pipeline(
      createReadStream(blob.file, { start: blob.offset, end: blob.offset + blob.size - 1 }),
      decompressor(compression),
      createWriteStream(partial),
      { signal },
    );
    await fs.rename(partial, target);
    return target;
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw signal?.aborted ? error : new Error(`cannot decompress a ${compression} blob: ${(error as Error).message}`);
  }
}

/**
 * A decompressed copy is named after where its blob is (file, range, modification time), never
 * after the diff ID the archive claims: a lying archive cannot stand in for another image's layer.
 */
async function blobKey(blob: Blob): Promise<string> {
  const { mtimeMs } = await fs.stat(blob.file);
  return createHash('sha256').update(`${path.resolve(blob.file)}\0${blob.offset}\0${blob.size}\0${mtimeMs}`).digest('hex');
}
