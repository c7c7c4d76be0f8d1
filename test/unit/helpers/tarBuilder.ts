/**
 * Writes tar archives byte by byte for the tests: ustar headers, PAX and GNU long-name records,
 * links, whiteouts and names no honest tool writes. The indexer is tested against these and
 * against GNU tar's own output.
 */

export interface TarSpec {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'fifo';
  content?: string | Buffer;
  linkName?: string;
  mode?: number;
  mtime?: number;
  uid?: number;
  gid?: number;
  /** Write the name as a PAX `path` record (and the link as `linkpath`). */
  pax?: boolean;
  /** Write the name as a GNU `././@LongLink` record. */
  gnuLongName?: boolean;
  /** Override the header's size field (a lying header). */
  sizeField?: number;
}

const TYPE_FLAGS = { file: '0', hardlink: '1', symlink: '2', char: '3', dir: '5', fifo: '6' } as const;

export function tarOf(specs: readonly TarSpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const spec of specs) {
    const type = spec.type ?? 'file';
    const content = typeof spec.content === 'string' ? Buffer.from(spec.content) : (spec.content ?? Buffer.alloc(0));
    if (spec.pax) {
      const records = paxRecord('path', spec.name) + (spec.linkName ? paxRecord('linkpath', spec.linkName) : '');
      parts.push(header({ name: 'PaxHeaders/x', flag: 'x', size: Buffer.byteLength(records) }), pad(Buffer.from(records)));
    }
    if (spec.gnuLongName) {
      const name = Buffer.from(`${spec.name}\0`);
      parts.push(header({ name: '././@LongLink', flag: 'L', size: name.length }), pad(name));
    }
    const shortName = spec.pax || spec.gnuLongName ? spec.name.slice(0, 99) : spec.name;
    parts.push(
      header({
        name: shortName,
        flag: TYPE_FLAGS[type],
        size: spec.sizeField ?? (type === 'file' ? content.length : 0),
        mode: spec.mode ?? (type === 'dir' ? 0o755 : 0o644),
        mtime: spec.mtime ?? 1_700_000_000,
        uid: spec.uid,
        gid: spec.gid,
        linkName: spec.pax ? (spec.linkName ?? '').slice(0, 99) : (spec.linkName ?? ''),
      }),
    );
    if (type === 'file' && content.length > 0) {
      parts.push(pad(content));
    }
  }
  if (options.end !== false) {
    parts.push(Buffer.alloc(1024));
  }
  return Buffer.concat(parts);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) {
    length = String(length).length + Buffer.byteLength(body);
  }
  return `${length}${body}`;
}

function header(fields: { name: string; flag: string; size: number; mode?: number; mtime?: number; uid?: number; gid?: number; linkName?: string }): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.name, 0, 100, 'utf8');
  block.write(octal(fields.mode ?? 0o644, 8), 100, 'latin1');
  block.write(octal(fields.uid ?? 0, 8), 108, 'latin1');
  block.write(octal(fields.gid ?? 0, 8), 116, 'latin1');
  block.write(octal(fields.size, 12), 124, 'latin1');
  block.write(octal(fields.mtime ?? 0, 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(fields.flag, 156, 'latin1');
  block.write(fields.linkName ?? '', 157, 100, 'utf8');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  let sum = 0;
  for (const byte of block) {
    sum += byte;
  }
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function pad(data: Buffer): Buffer {
  const padding = (512 - (data.length % 512)) % 512;
  return padding === 0 ? data : Buffer.concat([data, Buffer.alloc(padding)]);
}
