/**
 * A read-only reader of BoltDB files (etcd-io/bbolt's page format), for containerd's meta.db and
 * its snapshotters' metadata.db. No npm package reads them. The reader never takes the file's
 * lock (containerd holds it; a reader that waited would hang) and never writes: it reads the file
 * whole, picks the newer of the two meta pages whose checksum holds, and walks the tree from there.
 * bbolt writes copy-on-write and the meta page last, so the tree a valid meta names is whole; a
 * read that lands in the middle of a commit shows as a bad checksum or a page that is not what
 * its parent says, and the caller reads the file again.
 *
 * Page layout (little-endian): a 16-byte header (id u64, flags u16, count u16, overflow u32), then
 * - meta (pages 0 and 1): magic 0xED0CDAED, version 2, page size, flags, the root bucket (root
 *   page u64, sequence u64), freelist page, high-water page, txid, FNV-1a 64 checksum of the rest;
 * - branch: `count` elements of (pos u32, ksize u32, child page u64), pos from the element;
 * - leaf: `count` elements of (flags u32, pos u32, ksize u32, vsize u32); flag 1 marks a nested
 *   bucket, whose value is (root page u64, sequence u64), with an inline page after it when root is 0.
 * A page spans 1 + overflow page sizes.
 */
import { promises as fs } from 'fs';

const MAGIC = 0xed0cdaed;
const VERSION = 2;
const PAGE_HEADER = 16;
const ELEMENT = 16;
const BUCKET_HEADER = 16;
const BRANCH = 0x01;
const LEAF = 0x02;
const META = 0x04;
const BUCKET_LEAF = 0x01;
/** Page sizes a meta page may name: bbolt takes the OS page size (4 KiB, 16 KiB or 64 KiB) unless told otherwise. */
const MIN_PAGE_SIZE = 512;
const MAX_PAGE_SIZE = 65536;
/** Deeper than any real tree (bbolt's depth grows with log of the key count). */
const MAX_DEPTH = 64;
/** containerd's databases are megabytes; a file far past this is not one to read whole. */
export const MAX_BOLT_BYTES = 512 * 1024 * 1024;

export class BoltFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file} is not a readable bolt database: ${detail}`);
    this.name = 'BoltFormatError';
  }
}

export interface BoltMeta {
  pageSize: number;
  txid: bigint;
  root: number;
}

/** A bucket's contents: its keys with their values, and its nested buckets. */
export class BoltBucket {
  constructor(
    private readonly db: BoltDatabase,
    private readonly root: number,
    /** An inline bucket's page, inside its parent's value. */
    private readonly inline?: Buffer,
  ) {}

  /** The value of a key, or undefined (also when the key is a bucket). */
  get(key: string | Buffer): Buffer | undefined {
    const found = this.find(toKey(key));
    return found && !found.isBucket ? found.value : undefined;
  }

  /** A nested bucket, or undefined. */
  bucket(key: string | Buffer): BoltBucket | undefined {
    const found = this.find(toKey(key));
    return found?.isBucket ? this.db.bucketOf(found.value) : undefined;
  }

  /** Every key in order, with its value (buckets: `bucket` is set instead). */
  *entries(): Generator<{ key: Buffer; value?: Buffer; bucket?: BoltBucket }> {
    for (const element of this.db.leafElements(this.root, this.inline, 0)) {
      yield element.isBucket ? { key: element.key, bucket: this.db.bucketOf(element.value) } : { key: element.key, value: element.value };
    }
  }

  private find(key: Buffer): LeafElement | undefined {
    // Leaves come in key order: a linear walk of the right leaf (found through the branches) suffices.
    return this.db.seek(this.root, this.inline, key);
  }
}

interface LeafElement {
  key: Buffer;
  value: Buffer;
  isBucket: boolean;
}

export class BoltDatabase {
  private constructor(
    readonly file: string,
    private readonly data: Buffer,
    readonly meta: BoltMeta,
  ) {}

  /** Reads a database file as it is now: one read of the whole file, no lock. */
  static async read(file: string): Promise<BoltDatabase> {
    const stat = await fs.stat(file);
    if (stat.size > MAX_BOLT_BYTES) {
      throw new BoltFormatError(file, `it is ${stat.size} bytes, more than ${MAX_BOLT_BYTES} are read whole`);
    }
    return BoltDatabase.fromBuffer(file, await fs.readFile(file));
  }

  static fromBuffer(file: string, data: Buffer): BoltDatabase {
    const metas = readMetas(data);
    if (metas.length === 0) {
      throw new BoltFormatError(file, 'neither meta page is valid (not bolt, or torn)');
    }
    const meta = metas.sort((a, b) => (a.txid > b.txid ? -1 : a.txid < b.txid ? 1 : 0))[0];
    return new BoltDatabase(file, data, meta);
  }

  /** The top-level buckets. */
  root(): BoltBucket {
    return new BoltBucket(this, this.meta.root);
  }

  /** Follows a path of nested buckets from the top: `bucketAt('v1', 'moby', 'snapshots')`. */
  bucketAt(...path: string[]): BoltBucket | undefined {
    let bucket: BoltBucket | undefined = this.root();
    for (const name of path) {
      bucket = bucket.bucket(name);
      if (!bucket) {
        return undefined;
      }
    }
    return bucket;
  }

  /** @internal A nested bucket from its header value. */
  bucketOf(value: Buffer): BoltBucket {
    if (value.length < BUCKET_HEADER) {
      throw this.error(`a bucket value of ${value.length} bytes`);
    }
    const root = this.pageId(value.readBigUInt64LE(0));
    return root === 0 ? new BoltBucket(this, 0, value.subarray(BUCKET_HEADER)) : new BoltBucket(this, root);
  }

  /** @internal The leaf element with this key under a page, if any. */
  seek(pageId: number, inline: Buffer | undefined, key: Buffer, depth = 0): LeafElement | undefined {
    const page = this.page(pageId, inline, depth);
    if (page.flags & LEAF) {
      for (let i = 0; i < page.count; i++) {
        const element = this.leafElement(page, i);
        const order = Buffer.compare(element.key, key);
        if (order === 0) {
          return element;
        }
        if (order > 0) {
          return undefined;
        }
      }
      return undefined;
    }
    // Branch: the last child whose first key is ≤ the key.
    let child: number | undefined;
    for (let i = 0; i < page.count; i++) {
      const element = this.branchElement(page, i);
      if (i > 0 && Buffer.compare(element.key, key) > 0) {
        break;
      }
      child = element.child;
    }
    return child === undefined ? undefined : this.seek(child, undefined, key, depth + 1);
  }

  /** @internal Every leaf element under a page, in key order. */
  *leafElements(pageId: number, inline: Buffer | undefined, depth: number): Generator<LeafElement> {
    const page = this.page(pageId, inline, depth);
    for (let i = 0; i < page.count; i++) {
      if (page.flags & LEAF) {
        yield this.leafElement(page, i);
      } else {
        yield* this.leafElements(this.branchElement(page, i).child, undefined, depth + 1);
      }
    }
  }

  private page(pageId: number, inline: Buffer | undefined, depth: number): { bytes: Buffer; flags: number; count: number } {
    if (depth > MAX_DEPTH) {
      throw this.error('the tree is deeper than any real one (a loop?)');
    }
    let bytes: Buffer;
    if (inline) {
      bytes = inline;
    } else {
      const start = pageId * this.meta.pageSize;
      if (pageId < 2 || start + PAGE_HEADER > this.data.length) {
        throw this.error(`page ${pageId} is outside the file`);
      }
      const overflow = this.data.readUInt32LE(start + 12);
      const end = start + (overflow + 1) * this.meta.pageSize;
      if (end > this.data.length) {
        throw this.error(`page ${pageId} runs past the end of the file`);
      }
      bytes = this.data.subarray(start, end);
      if (Number(bytes.readBigUInt64LE(0)) !== pageId) {
        throw this.error(`page ${pageId} says it is page ${bytes.readBigUInt64LE(0)}`);
      }
    }
    if (bytes.length < PAGE_HEADER) {
      throw this.error('a page shorter than its header');
    }
    const flags = bytes.readUInt16LE(8);
    const count = bytes.readUInt16LE(10);
    if (!(flags & (BRANCH | LEAF)) || PAGE_HEADER + count * ELEMENT > bytes.length) {
      throw this.error(`page ${pageId} is neither a branch nor a leaf that fits (flags 0x${flags.toString(16)}, ${count} elements)`);
    }
    return { bytes, flags, count };
  }

  private leafElement(page: { bytes: Buffer }, index: number): LeafElement {
    const at = PAGE_HEADER + index * ELEMENT;
    const flags = page.bytes.readUInt32LE(at);
    const pos = page.bytes.readUInt32LE(at + 4);
    const ksize = page.bytes.readUInt32LE(at + 8);
    const vsize = page.bytes.readUInt32LE(at + 12);
    const keyStart = at + pos;
    if (keyStart + ksize + vsize > page.bytes.length) {
      throw this.error('a leaf element runs past its page');
    }
    return { key: page.bytes.subarray(keyStart, keyStart + ksize), value: page.bytes.subarray(keyStart + ksize, keyStart + ksize + vsize), isBucket: (flags & BUCKET_LEAF) !== 0 };
  }

  private branchElement(page: { bytes: Buffer }, index: number): { key: Buffer; child: number } {
    const at = PAGE_HEADER + index * ELEMENT;
    const pos = page.bytes.readUInt32LE(at);
    const ksize = page.bytes.readUInt32LE(at + 4);
    const child = this.pageId(page.bytes.readBigUInt64LE(at + 8));
    if (at + pos + ksize > page.bytes.length) {
      throw this.error('a branch element runs past its page');
    }
    return { key: page.bytes.subarray(at + pos, at + pos + ksize), child };
  }

  private pageId(value: bigint): number {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw this.error(`page number ${value} is out of range`);
    }
    return Number(value);
  }

  private error(detail: string): BoltFormatError {
    return new BoltFormatError(this.file, detail);
  }
}

/**
 * The valid meta pages. The second sits one page in, and the page size is written in the first;
 * when the first is not valid (torn), its page size field is no more to be trusted than the rest,
 * so, as bbolt does, the second is looked for at each page size it may have.
 */
function readMetas(data: Buffer): BoltMeta[] {
  const first = readMeta(data, 0);
  if (first) {
    const second = readMeta(data, first.pageSize);
    return second?.pageSize === first.pageSize ? [first, second] : [first];
  }
  for (let pageSize = MIN_PAGE_SIZE; pageSize <= MAX_PAGE_SIZE; pageSize *= 2) {
    const second = readMeta(data, pageSize);
    if (second?.pageSize === pageSize) {
      return [second];
    }
  }
  return [];
}

/** The meta page at an offset, or undefined when it is not valid (wrong magic or version, checksum off: torn). */
function readMeta(data: Buffer, start: number): BoltMeta | undefined {
  if (start + PAGE_HEADER + 64 > data.length) {
    return undefined;
  }
  const flags = data.readUInt16LE(start + 8);
  const body = data.subarray(start + PAGE_HEADER, start + PAGE_HEADER + 64);
  if (!(flags & META) || body.readUInt32LE(0) !== MAGIC || body.readUInt32LE(4) !== VERSION) {
    return undefined;
  }
  if (fnv1a64(body.subarray(0, 56)) !== body.readBigUInt64LE(56)) {
    return undefined;
  }
  const size = body.readUInt32LE(8);
  const root = body.readBigUInt64LE(16);
  if (size < MIN_PAGE_SIZE || size > MAX_PAGE_SIZE || root > BigInt(Number.MAX_SAFE_INTEGER)) {
    return undefined;
  }
  return { pageSize: size, root: Number(root), txid: body.readBigUInt64LE(48) };
}

/** FNV-1a, 64 bits, as Go's hash/fnv New64a (bbolt's meta checksum). */
export function fnv1a64(bytes: Buffer): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

function toKey(key: string | Buffer): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

/**
 * Reads a database and what `read` takes from it; when the file was caught in the middle of a
 * commit (a torn meta page, a page that is not what its parent says), reads it once more.
 */
export async function withBoltDatabase<T>(file: string, read: (db: BoltDatabase) => T | Promise<T>): Promise<T> {
  try {
    return await read(await BoltDatabase.read(file));
  } catch (error) {
    if (!(error instanceof BoltFormatError)) {
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      return await read(await BoltDatabase.read(file));
    } catch (again) {
      // Another file's error (a nested read) keeps its own name.
      throw again instanceof BoltFormatError && again.file === file && !again.message.endsWith('(read twice)') ? new BoltFormatError(file, `${again.message.replace(/^.*?: /, '')} (read twice)`) : again;
    }
  }
}
