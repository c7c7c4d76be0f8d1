/**
 * A streaming tar header indexer: it reads a tar (ustar, PAX, GNU long names) chunk by chunk and
 * gives each entry with the offset of its data in the stream, skipping the data itself, so memory
 * is bounded by the number of entries, not by the bytes. Reads are then served by offset.
 * Names are kept as written; callers normalise them inside the layer (layerfs/layerPath.ts).
 */

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'characterDevice' | 'blockDevice' | 'fifo' | 'other';

export interface TarEntry {
  /** As written in the archive (PAX and GNU long names applied), e.g. `./app/hello.txt`. */
  name: string;
  type: TarEntryType;
  /** Bytes of data that follow the header (0 for links, folders, devices). */
  size: number;
  mode: number;
  mtimeMs: number;
  uid: number;
  gid: number;
  /** Symlink target or hard-link source name, as written. */
  linkName: string;
  devMajor: number;
  devMinor: number;
  /** Offset of the entry's data from the start of the stream. */
  dataOffset: number;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const BLOCK = 512;
/** PAX and GNU long-name records are buffered; none legitimately comes near this. */
const MAX_META_BYTES = 1024 * 1024;

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'characterDevice',
  '4': 'blockDevice',
  '5': 'directory',
  '6': 'fifo',
};

interface PendingMeta {
  kind: 'pax' | 'globalPax' | 'longName' | 'longLink';
  size: number;
  chunks: Buffer[];
  received: number;
}

/** What an entry's data goes to, when the indexer is asked to pass it on (views valid only during the call). */
export interface TarDataSink {
  data(bytes: Buffer): void;
  /** All of the entry's data has been passed on. */
  end(): void;
}

/**
 * Feed chunks with `write`, then call `end`; entries arrive through `onEntry` in order. Where
 * `onEntry` returns a sink, the entry's data (without padding) goes to it as it streams by.
 */
export class TarIndexer {
  private offset = 0;
  private header: Buffer = Buffer.alloc(0);
  /** Data bytes (plus padding) still to skip before the next header. */
  private skipping = 0;
  private meta: PendingMeta | undefined;
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private zeroBlocks = 0;
  private ended = false;
  private entries = 0;
  private sink: TarDataSink | undefined;
  /** Of the bytes being skipped, how many are the entry's data (the rest is padding). */
  private dataLeft = 0;

  constructor(private readonly onEntry: (entry: TarEntry) => TarDataSink | void) {}

  /** Bytes consumed so far. */
  get position(): number {
    return this.offset;
  }

  get entryCount(): number {
    return this.entries;
  }

  /**
   * Data bytes that the indexer will skip next without looking at them (not PAX or long-name
   * records): a reader of a file can seek past them and call skip() instead of reading them.
   */
  get skippableBytes(): number {
    return this.meta || this.sink ? 0 : this.skipping;
  }

  /** Advances past `bytes` (at most skippableBytes) of data without reading them. */
  skip(bytes: number): void {
    if (bytes > this.skippableBytes || (this.sink && bytes > 0)) {
      throw new Error('skip() past the data being skipped, or of data being passed on');
    }
    this.skipping -= bytes;
    this.offset += bytes;
  }

  /** True once the end-of-archive marker (two zero blocks) was read. */
  get complete(): boolean {
    return this.ended;
  }

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.skipping > 0) {
        const take = Math.min(this.skipping, chunk.length - at);
        if (this.meta) {
          this.collectMeta(chunk.subarray(at, at + take));
        } else if (this.sink) {
          this.passData(chunk.subarray(at, at + Math.min(take, this.dataLeft)));
        }
        this.skipping -= take;
        this.offset += take;
        at += take;
        if (this.skipping === 0 && this.meta) {
          this.finishMeta();
        }
        continue;
      }
      const need = BLOCK - this.header.length;
      const take = Math.min(need, chunk.length - at);
      this.header = this.header.length === 0 && take === BLOCK ? chunk.subarray(at, at + take) : Buffer.concat([this.header, chunk.subarray(at, at + take)]);
      this.offset += take;
      at += take;
      if (this.header.length === BLOCK) {
        const block = this.header;
        this.header = Buffer.alloc(0);
        this.readHeader(block);
      }
    }
  }

  /** Call when the stream ended; throws when it ended inside an entry. */
  end(): void {
    if (this.ended) {
      return;
    }
    if (this.header.length > 0 || this.skipping > 0) {
      throw new TarFormatError(`the archive is truncated: it ends inside an entry at byte ${this.offset}`);
    }
    // No end-of-archive marker, but it stopped between entries: what is there is whole.
    this.ended = true;
  }

  private readHeader(block: Buffer): void {
    if (isZeroBlock(block)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) {
        this.ended = true;
      }
      return;
    }
    if (this.zeroBlocks > 0) {
      this.zeroBlocks = 0; // A lone zero block inside an archive: tolerated, as GNU tar does.
    }
    if (!checksumMatches(block)) {
      throw new TarFormatError(`not a tar archive, or corrupt: bad header checksum at byte ${this.offset - BLOCK}`);
    }
    const typeFlag = String.fromCharCode(block[156]);
    const size = parseNumber(block, 124, 12, this.offset - BLOCK);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const dataOffset = this.offset;
    switch (typeFlag) {
      case 'x':
      case 'g':
      case 'L':
      case 'K': {
        if (size > MAX_META_BYTES) {
          throw new TarFormatError(`a ${typeFlag === 'x' || typeFlag === 'g' ? 'PAX' : 'GNU long-name'} record of ${size} bytes at byte ${dataOffset} is larger than any real one`);
        }
        const kind = typeFlag === 'x' ? 'pax' : typeFlag === 'g' ? 'globalPax' : typeFlag === 'L' ? 'longName' : 'longLink';
        this.meta = { kind, size, chunks: [], received: 0 };
        this.skipping = padded;
        if (padded === 0) {
          this.finishMeta();
        }
        return;
      }
    }
    const pax = { ...this.globalPax, ...this.pax };
    const prefix = isUstar(block) ? readString(block, 345, 155) : '';
    const rawName = readString(block, 0, 100);
    const name = pax.path ?? this.longName ?? (prefix ? `${prefix}/${rawName}` : rawName);
    const linkName = pax.linkpath ?? this.longLink ?? readString(block, 157, 100);
    const paxSize = pax.size !== undefined ? Number(pax.size) : undefined;
    const entrySize = paxSize !== undefined && Number.isSafeInteger(paxSize) && paxSize >= 0 ? paxSize : size;
    const mtime = pax.mtime !== undefined ? Number(pax.mtime) : parseNumber(block, 136, 12, dataOffset - BLOCK);
    this.pax = {};
    this.longName = undefined;
    this.longLink = undefined;
    const type = TYPES[typeFlag] ?? 'other';
    const dataSize = type === 'file' || type === 'other' ? entrySize : 0;
    this.entries++;
    const sink = this.onEntry({
      name,
      type,
      size: dataSize,
      mode: parseNumber(block, 100, 8, dataOffset - BLOCK),
      mtimeMs: Number.isFinite(mtime) ? mtime * 1000 : 0,
      uid: paxId(pax.uid) ?? parseNumber(block, 108, 8, dataOffset - BLOCK),
      gid: paxId(pax.gid) ?? parseNumber(block, 116, 8, dataOffset - BLOCK),
      linkName,
      devMajor: type === 'characterDevice' || type === 'blockDevice' ? parseNumber(block, 329, 8, dataOffset - BLOCK) : 0,
      devMinor: type === 'characterDevice' || type === 'blockDevice' ? parseNumber(block, 337, 8, dataOffset - BLOCK) : 0,
      dataOffset,
    });
    // Links, folders and devices carry no data, whatever the size field says (some writers set it).
    this.skipping = Math.ceil(dataSize / BLOCK) * BLOCK;
    if (sink) {
      this.sink = sink;
      this.dataLeft = dataSize;
      this.passData(Buffer.alloc(0)); // An empty entry ends at once.
    }
  }

  private passData(bytes: Buffer): void {
    const sink = this.sink!;
    if (bytes.length) {
      this.dataLeft -= bytes.length;
      sink.data(bytes);
    }
    if (this.dataLeft === 0) {
      this.sink = undefined;
      sink.end();
    }
  }

  private collectMeta(bytes: Buffer): void {
    const meta = this.meta!;
    const wanted = Math.max(0, meta.size - meta.received);
    if (wanted > 0) {
      const part = bytes.subarray(0, wanted);
      meta.chunks.push(Buffer.from(part));
      meta.received += part.length;
    }
  }

  private finishMeta(): void {
    const meta = this.meta!;
    this.meta = undefined;
    const data = Buffer.concat(meta.chunks);
    switch (meta.kind) {
      case 'pax':
        Object.assign(this.pax, parsePax(data));
        break;
      case 'globalPax':
        Object.assign(this.globalPax, parsePax(data));
        break;
      case 'longName':
        this.longName = cString(data);
        break;
      case 'longLink':
        this.longLink = cString(data);
        break;
    }
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) {
    if (block[i] !== 0) {
      return false;
    }
  }
  return true;
}

function isUstar(block: Buffer): boolean {
  return block.toString('latin1', 257, 262) === 'ustar';
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseOctal(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function readString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

function parseOctal(block: Buffer, start: number, length: number): number {
  const text = block.toString('latin1', start, start + length).replace(/\0.*$/, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Octal, or GNU base-256 when the top bit of the first byte is set (sizes over 8 GiB). */
/** A PAX uid or gid record, for IDs too large for the header's 8 octal digits. */
function paxId(value: string | undefined): number | undefined {
  const id = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

function parseNumber(block: Buffer, start: number, length: number, headerAt: number): number {
  if (block[start] & 0x80) {
    let value = block[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + block[i];
    }
    if (!Number.isSafeInteger(value)) {
      throw new TarFormatError(`a number in the header at byte ${headerAt} is too large`);
    }
    return value;
  }
  const value = parseOctal(block, start, length);
  if (!Number.isFinite(value) || value < 0) {
    throw new TarFormatError(`a number in the header at byte ${headerAt} is not octal`);
  }
  return value;
}

/** PAX records: `<length> <key>=<value>\n`. */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) {
      break;
    }
    const length = parseInt(data.toString('latin1', at, space), 10);
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > data.length) {
      throw new TarFormatError('a PAX record has a bad length');
    }
    const record = data.toString('utf8', space + 1, at + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) {
      records[record.slice(0, equals)] = record.slice(equals + 1);
    }
    at += length;
  }
  return records;
}

function cString(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('utf8', 0, end === -1 ? data.length : end);
}
