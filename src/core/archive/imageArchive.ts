/**
 * An image archive as `docker save` and `podman save` write it, or an OCI layout folder: its
 * images (manifest.json, or index.json for a bare OCI layout), their configs, and a reader for
 * each layer. Both layouts: before Engine 25 `<id>/layer.tar` (a repeated layer is a symlink to
 * the first), from 25 `blobs/sha256/<hex>`. A compressed archive or layer blob (gzip, zstd) is
 * decompressed once into the cache folder, never past the cache's size limit; nothing is ever
 * written anywhere else. A layer reads only the file it indexed, and only while the archive is
 * open. Each copy is held by the open archives that read it (in this process): a cache evicting
 * never deletes a held copy, and closing an archive deletes the copies no other open archive holds.
 */
import { createHash } from 'crypto';
import { createReadStream, createWriteStream, promises as fs } from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { isFullDigest } from '../digest';
import { ImageConfig } from '../engine/engineTypes';
import { normalizeLayerPath } from '../layerfs/layerPath';
import { isAttestationDescriptor, platformManifests } from '../model/imageIndex';
import { Platform, PlatformChoice, hostPlatform, matchPlatform, platformOf } from '../model/platform';
import { ArchiveLayerFileSystem, BrokenReason, LayerTarFile } from './archiveLayerFileSystem';
import { Compression, DecompressedTooLargeError, byteLimit, compressionOf, decompressor } from './compression';
import { LayerIndex } from './layerIndex';
import { ArchivePreindex } from './streamingArchiveIndexer';
import { FileIdentity, TarFileCutError, fileIdentity, indexTarFile, isSameFile } from './tarFile';
import { TarEntry, TarFormatError } from './tarIndex';

/** manifest.json, config and index files are read whole; none legitimately comes near this. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export class ArchiveFormatError extends Error {
  constructor(
    readonly archive: string,
    /** What is wrong with it, without the archive's name. */
    readonly detail: string,
  ) {
    super(`${archive} is not a usable image archive: ${detail}`);
    this.name = 'ArchiveFormatError';
  }
}

/**
 * A decompressed copy would pass the most a copy may take (decompressedCopyLimit): nothing is
 * wrong with the archive, it is too large for the cache (or a compressed bomb).
 */
export class CopyTooLargeError extends ArchiveFormatError {}

/** The archive's file is another one than the one opened (deleted, and something put in its place). */
class ArchiveReplacedError extends ArchiveFormatError {}

/**
 * The most one decompressed copy may take: the cache's size limit; without one (or with 0, "keep
 * nothing": what is open is kept anyway), 200 times the compressed size and at least 1 GiB. Real
 * layers decompress to 2 to 10 times their size, a layer of zeros to about 1000 times: such a
 * layer needs a cache limit that holds it; a bomb (a few kilobytes standing for terabytes) stops there.
 */
export function decompressedCopyLimit(cacheLimit: number | undefined, compressedBytes: number): number {
  if (cacheLimit !== undefined && Number.isFinite(cacheLimit) && cacheLimit > 0) {
    return cacheLimit;
  }
  return Math.max(COPY_MIN_LIMIT, COPY_MAX_RATIO * compressedBytes);
}
const COPY_MAX_RATIO = 200;
const COPY_MIN_LIMIT = 1024 ** 3;

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
  /** Its platform: as its index names it, else as its config does. */
  platform?: Platform;
  /** The digest of its image manifest, where the archive has one (an OCI layout). */
  manifestDigest?: string;
  /**
   * For an image index with several platforms (listed as one image, this machine's platform or
   * the first saved): every platform it names, with the image of each one saved in the archive.
   */
  platforms?: ArchivePlatform[];
}

/** One platform of a multi-platform image in an archive; `image` when the archive holds it (`docker save` writes only what the daemon has). */
export interface ArchivePlatform extends PlatformChoice {
  image?: ArchiveImage;
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
  /** Called after a new decompressed copy was written into cacheDir (the cache may be over its limit now). */
  onCopy?: () => void;
  /** The cache's size limit, read at each decompression: no copy grows past it (decompressedCopyLimit). */
  maxCopyBytes?: () => number;
  /**
   * Where the archive is itself a cache entry (the Engine's archive): called when reading a layer
   * finds the archive gone, cut short or corrupt, before that is reported, to drop the entry. What
   * it returns is added to the message.
   */
  onBroken?: (reason: BrokenReason) => Promise<string | undefined>;
  /** Called when a layer of it is read (the cache counts it as use; it throttles). */
  onUse?: () => void;
}

/**
 * Decompressed copies held by the open archives of this process, and by how many: an eviction
 * skips them, and closing an archive deletes only the copies no other open archive holds (two
 * archives can share one: an OCI layout folder reached through a symlink names the same blobs).
 */
const heldCopies = new Map<string, number>();

/** Whether an open archive of this process reads this decompressed copy (never evict it). */
export function isHeldCopy(file: string): boolean {
  return heldCopies.has(path.resolve(file));
}

function holdCopy(file: string): void {
  const key = path.resolve(file);
  heldCopies.set(key, (heldCopies.get(key) ?? 0) + 1);
}

/** Lets go of a copy; deletes it when asked to and no open archive holds it any more. */
async function releaseCopy(file: string, remove: boolean): Promise<void> {
  const key = path.resolve(file);
  const holders = (heldCopies.get(key) ?? 1) - 1;
  if (holders > 0) {
    heldCopies.set(key, holders);
    return;
  }
  heldCopies.delete(key);
  if (remove) {
    await fs.rm(key, { force: true });
  }
}

/** Truncated, corrupt or gone: trying again reads the same (unlike after a full disk, a cancel, or a copy too large for the cache). */
export function isBrokenArchive(error: unknown): boolean {
  return (error instanceof ArchiveFormatError && !(error instanceof CopyTooLargeError)) || (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Why a broken layer cannot be read, for the cache: another copy of the file may be whole unless it is corrupt as written. */
function brokenReason(error: unknown): BrokenReason {
  if (error instanceof ArchiveReplacedError || (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return 'gone';
  }
  return error instanceof TarFileCutError ? 'truncated' : 'corrupt';
}

type CacheHooks = Pick<OpenArchiveOptions, 'cacheDir' | 'onCopy' | 'onBroken' | 'onUse' | 'maxCopyBytes'>;

export class ImageArchive {
  private readonly layers = new Map<string, Promise<ArchiveLayerFileSystem>>();
  /** The decompressed copies this archive holds (see heldCopies). */
  private readonly copies = new Set<string>();
  private closed = false;

  private constructor(
    /** The archive as the user named it. */
    readonly source: string,
    readonly images: ArchiveImage[],
    private readonly contents: ArchiveContents,
    private readonly cache: CacheHooks,
    /** The decompressed copy of a compressed archive, which its blobs are read from. */
    private readonly outerCopy: string | undefined,
    /** The archive file as it was opened (a folder's too): a layer of it is read from that file only. */
    private readonly sourceIdentity: FileIdentity,
    /** Layer tars indexed while the archive was written, by their data offset (a repeated layer's entries share one). */
    private readonly prebuilt = new Map<number, LayerIndex>(),
  ) {
    if (outerCopy) {
      this.copies.add(outerCopy);
    }
  }

  static async open(source: string, options: OpenArchiveOptions): Promise<ImageArchive> {
    const stat = await fs.stat(source).catch((error: NodeJS.ErrnoException) => {
      throw new ArchiveFormatError(source, error.code === 'ENOENT' ? 'it does not exist' : error.message);
    });
    const identity = fileIdentity(stat);
    // An index of another file (one put in its place since it was written) stands for nothing here.
    const preindexed = options.preindexed && (!options.preindexed.identity || isSameFile(options.preindexed.identity, identity)) ? options.preindexed : undefined;
    const { cacheDir, onCopy, onBroken, onUse, maxCopyBytes } = options;
    let outerCopy: string | undefined;
    try {
      let contents: ArchiveContents;
      if (stat.isDirectory()) {
        contents = await folderContents(source);
      } else if (preindexed) {
        contents = entryContents(source, preindexed.entries);
      } else {
        const compression = await compressionAt({ file: source, offset: 0, size: stat.size });
        if (compression !== 'none') {
          outerCopy = path.join(options.cacheDir, 'archives', `${outerCopyKey(source, stat)}.tar`);
          holdCopy(outerCopy);
          await decompressToCache({ file: source, offset: 0, size: stat.size }, compression, outerCopy, { source, signal: options.signal, onCopy, maxCopyBytes });
        }
        contents = await tarContents(outerCopy ?? source, source, options.signal);
      }
      const images = await readImages(source, contents);
      return new ImageArchive(source, images, contents, { cacheDir, onCopy, onBroken, onUse, maxCopyBytes }, outerCopy, identity, preindexed?.layers);
    } catch (error) {
      if (outerCopy) {
        // A copy of a truncated or corrupt archive is of no use: the cache entry goes.
        await releaseCopy(outerCopy, isBrokenArchive(error));
      }
      throw error;
    }
  }

  /**
   * Done with the archive (Close Image Archive): its decompressed copies are deleted, except those
   * another open archive still reads. Its layers cannot be read any more. With deleteCopies false
   * they are only let go of (the cache forgets an archive whose folder may be another process's now).
   */
  async close(options: { deleteCopies?: boolean } = {}): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    await Promise.allSettled(this.layers.values());
    if (options.deleteCopies === false) {
      const held = [...this.copies];
      this.copies.clear();
      await Promise.all(held.map((copy) => releaseCopy(copy, false)));
      return;
    }
    // Copies of layers not read this time may be there from an earlier time (found before the archive's own copy goes).
    const entries = new Set(this.images.flatMap((image) => image.layerEntries));
    const earlier = await Promise.all([...entries].map((entry) => this.layerCopyOf(entry).catch(() => undefined)));
    const held = [...this.copies];
    this.copies.clear();
    await Promise.all(held.map((copy) => releaseCopy(copy, true)));
    const unheld = earlier.flatMap((copy) => (copy && !held.includes(copy.file) && !isHeldCopy(copy.file) ? [copy.file] : []));
    await Promise.all(unheld.map((file) => fs.rm(file, { force: true })));
  }

  /**
   * Deletes the decompressed copies an archive that is not open left in cacheDir (it was closed
   * in an earlier session), except those an open archive reads. Nothing is decompressed to find
   * them: where the copy of a compressed archive is gone, the copies of its blobs are left to eviction.
   */
  static async deleteCopies(source: string, cacheDir: string): Promise<void> {
    const stat = await fs.stat(source).catch(() => undefined);
    if (!stat) {
      return;
    }
    if (stat.isFile() && (await compressionAt({ file: source, offset: 0, size: stat.size }).catch(() => 'none')) !== 'none') {
      const outerCopy = path.join(cacheDir, 'archives', `${outerCopyKey(source, stat)}.tar`);
      if (!(await fs.stat(outerCopy).then(() => true, () => false))) {
        return;
      }
    }
    const archive = await ImageArchive.open(source, { cacheDir }).catch(() => undefined);
    await archive?.close();
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
    if (this.closed) {
      return Promise.reject(new Error(`${this.source} was closed`));
    }
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
    const { onBroken, onUse } = this.cache;
    const hooks = { onBroken, onUse, isOpen: () => !this.closed };
    const prebuilt = blob.file === this.source ? this.prebuilt.get(blob.offset) : undefined;
    if (prebuilt) {
      return new ArchiveLayerFileSystem(prebuilt, { path: blob.file, offset: blob.offset, identity: this.sourceIdentity }, hooks);
    }
    let copy: string | undefined;
    try {
      const compressed = await this.layerCopyOf(entry);
      if (compressed) {
        copy = compressed.file;
        this.hold(copy);
        await decompressToCache(blob, compressed.compression, copy, { source: this.source, entry, signal, onCopy: this.cache.onCopy, maxCopyBytes: this.cache.maxCopyBytes });
      }
      const index = new LayerIndex();
      const tar: LayerTarFile = copy ? { path: copy, offset: 0 } : { path: blob.file, offset: blob.offset };
      const { identity } = await indexTarFile(tar.path, { offset: tar.offset, length: copy ? undefined : blob.size }, (tarEntry) => index.add(tarEntry), signal);
      if (tar.path === this.source && !isSameFile(identity, this.sourceIdentity)) {
        throw new ArchiveReplacedError(this.source, `layer ${entry}: the archive is gone (another file is in its place since it was opened)`);
      }
      return new ArchiveLayerFileSystem(index, { ...tar, identity }, hooks);
    } catch (error) {
      const broken = error instanceof TarFormatError ? new ArchiveFormatError(this.source, `layer ${entry}: ${error.message}`) : error;
      if (!isBrokenArchive(broken)) {
        throw broken;
      }
      if (copy && this.copies.delete(copy)) {
        await releaseCopy(copy, true);
      }
      const note = await onBroken?.(brokenReason(error)).catch(() => undefined);
      if (!note) {
        throw broken;
      }
      const detail = broken instanceof ArchiveFormatError ? broken.detail : `layer ${entry}: it is gone (${(broken as Error).message})`;
      throw new ArchiveFormatError(this.source, `${detail}; ${note}`);
    }
  }

  /** Where a compressed layer blob's decompressed copy goes; undefined for a plain tar. */
  private async layerCopyOf(entry: string): Promise<{ file: string; compression: Exclude<Compression, 'none'> } | undefined> {
    const blob = this.contents.blob(entry);
    const compression = blob ? await compressionAt(blob) : 'none';
    if (!blob || compression === 'none') {
      return undefined;
    }
    return { file: path.join(this.cache.cacheDir, 'layers', `${await blobKey(blob, blob.file === this.outerCopy)}.tar`), compression };
  }

  private hold(copy: string): void {
    if (!this.copies.has(copy)) {
      this.copies.add(copy);
      holdCopy(copy);
    }
  }
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
      // Engine 25+ writes both: manifest.json for the images (one platform each), index.json for
      // what only it holds: attestations, and the other platforms of a multi-platform image.
      const fromIndex = await imagesFromOciIndex(source, contents, await readJson<OciIndex>(source, index, 'index.json')).catch(() => []);
      for (const image of images) {
        const owner = fromIndex.find((other) => other.id === image.id || other.platforms?.some((each) => each.image?.id === image.id));
        const same = owner?.id === image.id ? owner : owner?.platforms?.find((each) => each.image?.id === image.id)?.image;
        image.attestations.push(...(same?.attestations ?? []));
        image.platform = same?.platform ?? image.platform;
        image.manifestDigest = same?.manifestDigest;
        if (owner?.platforms) {
          image.platforms = owner.platforms;
        }
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
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
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

const IN_TOTO = 'application/vnd.in-toto+json';

/**
 * The images an OCI index names. A nested index (a multi-platform image) is one image: this
 * machine's platform, else the first one saved, with every platform in `platforms`; a platform
 * whose manifest is not in the archive is listed as not present.
 */
async function imagesFromOciIndex(source: string, contents: ArchiveContents, index: OciIndex, depth = 0, tag?: string): Promise<ArchiveImage[]> {
  const images: ArchiveImage[] = [];
  const imageManifests = new Map<string, ArchiveImage>();
  const attestations: { ofManifest: string; statements: ArchiveImage['attestations'] }[] = [];
  for (const descriptor of index.manifests ?? []) {
    if (isAttestationDescriptor(descriptor)) {
      // Attestations are extras: a broken one is skipped, never the reason an archive cannot open.
      const statements = await attestationStatements(source, contents, descriptor).catch(() => []);
      attestations.push({ ofManifest: String(descriptor.annotations?.['vnd.docker.reference.digest'] ?? ''), statements });
      continue;
    }
    const name = blobName(source, descriptor.digest);
    const blob = contents.blob(name);
    const named = descriptor.annotations?.['io.containerd.image.name'] ?? descriptor.annotations?.['org.opencontainers.image.ref.name'] ?? tag;
    if (!blob) {
      if (depth > 0) {
        continue; // One platform of several, not saved: the image lists it as not present.
      }
      throw new ArchiveFormatError(source, `the manifest ${descriptor.digest ?? '?'} named in index.json is not in it`);
    }
    const manifest = await readJson<OciManifest>(source, blob, name);
    if (manifest.manifests && depth < 2) {
      images.push(...multiPlatformImage(source, manifest, await imagesFromOciIndex(source, contents, manifest, depth + 1, named)));
      continue;
    }
    const config = blobName(source, manifest.config?.digest);
    const image = await imageOf(source, contents, config, (manifest.layers ?? []).map((layer) => blobName(source, layer.digest)), named ? [named] : []);
    image.manifestDigest = descriptor.digest;
    image.platform = platformOf(descriptor.platform?.os, descriptor.platform?.architecture, descriptor.platform?.variant) ?? image.platform;
    images.push(image);
    imageManifests.set(descriptor.digest ?? '', image);
  }
  for (const { ofManifest, statements } of attestations) {
    imageManifests.get(ofManifest)?.attestations.push(...statements);
  }
  return images;
}

/** A nested index's platform images as one image with its platforms (all of them, when the index names none usable). */
function multiPlatformImage(source: string, index: OciManifest, saved: ArchiveImage[]): ArchiveImage[] {
  const platforms: ArchivePlatform[] = (platformManifests(index) ?? []).map(({ platform, digest }) => {
    const image = saved.find((each) => each.manifestDigest === digest);
    return image ? { platform, manifestDigest: digest, present: true, image } : { platform, manifestDigest: digest, present: false };
  });
  const present = platforms.filter((each) => each.image);
  if (present.length === 0) {
    if (saved.length === 0) {
      throw new ArchiveFormatError(source, 'none of the platforms its image index names is in it');
    }
    return saved;
  }
  const shown = (matchPlatform(hostPlatform(), present) ?? present[0]).image!;
  return [{ ...shown, platforms }];
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
  const platform = platformOf(config.os, config.architecture, config.variant);
  return { id, repoTags, config, diffIds, layerEntries, attestations: [], ...(platform ? { platform } : {}) };
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

interface DecompressOptions {
  /** For the message: the archive, and the layer entry when a blob of it is decompressed (else the archive is). */
  source: string;
  entry?: string;
  signal: AbortSignal | undefined;
  onCopy: (() => void) | undefined;
  maxCopyBytes: (() => number) | undefined;
}

/**
 * The decompressed blob as a file in the cache: written once (to a temporary name, then renamed).
 * Its modification time marks when it was last used: the cache evicts the least recently used.
 */
async function decompressToCache(blob: Blob, compression: Exclude<Compression, 'none'>, target: string, options: DecompressOptions): Promise<void> {
  const now = new Date();
  const there = await fs.utimes(target, now, now).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && fs.stat(target).then(() => true, () => false),
  );
  if (there) {
    return;
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}-${++partialCount}.partial`;
  const maxBytes = decompressedCopyLimit(options.maxCopyBytes?.(), blob.size);
  try {
    await pipeline(
      createReadStream(blob.file, { start: blob.offset, end: blob.offset + blob.size - 1 }),
      decompressor(compression, maxBytes),
      byteLimit(maxBytes),
      createWriteStream(partial),
      { signal: options.signal },
    );
    await fs.rename(partial, target);
  } catch (error) {
    await fs.rm(partial, { force: true });
    if (options.signal?.aborted || typeof (error as NodeJS.ErrnoException).syscall === 'string') {
      throw error; // Cancelled, or the disk (full, unwritable): the archive may be fine.
    }
    if (error instanceof DecompressedTooLargeError) {
      const what = options.entry === undefined ? `the ${compression} archive` : `layer ${options.entry}: its ${compression} blob`;
      throw new CopyTooLargeError(options.source, `${what} decompresses to more than ${error.maxBytes} bytes, the most the archive cache may hold`);
    }
    const what = options.entry === undefined ? `cannot decompress the ${compression} archive` : `layer ${options.entry}: cannot decompress its ${compression} blob`;
    throw new ArchiveFormatError(options.source, `${what} (truncated or corrupt): ${(error as Error).message}`);
  }
  options.onCopy?.();
}

function outerCopyKey(source: string, stat: { size: number; mtimeMs: number }): string {
  return createHash('sha256').update(`${path.resolve(source)}\0${stat.size}\0${stat.mtimeMs}`).digest('hex');
}

/** Temporary names of copies being written: unique in the process, so two writers of one copy never share one. */
let partialCount = 0;

/**
 * A decompressed copy is named after where its blob is (file, range, modification time), never
 * after the diff ID the archive claims: a lying archive cannot stand in for another image's layer.
 * A blob inside a decompressed copy goes without the time: the copy's name already says which
 * archive it is, and its time changes each time it is used.
 */
async function blobKey(blob: Blob, inCopy: boolean): Promise<string> {
  const mtimeMs = inCopy ? 'copy' : (await fs.stat(blob.file)).mtimeMs;
  return createHash('sha256').update(`${path.resolve(blob.file)}\0${blob.offset}\0${blob.size}\0${mtimeMs}`).digest('hex');
}
