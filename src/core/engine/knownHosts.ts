/**
 * OpenSSH's known_hosts files, read as `ssh` reads them (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"):
 *   [marker] hostpatterns keytype base64-key [comment]
 * - host patterns: comma-separated names or addresses, `[host]:port` for a port other than 22,
 *   wildcards `*` and `?`, and `!pattern`, which keeps the line from applying to a name it matches;
 *   matched without regard to case;
 * - hashed names (HashKnownHosts): `|1|base64 salt|base64 HMAC-SHA1(salt, name)`, one name each;
 * - markers: `@revoked` (that key is refused for the hosts named) and `@cert-authority` (a CA for
 *   host certificates: not supported here, the line is kept only to say so);
 * - `#` comments and blank lines; any line that does not parse is skipped, as ssh skips it.
 * A file is read up to MAX_KNOWN_HOSTS_BYTES; a bigger one is not read at all (and said so).
 */
import { createHash, createHmac, timingSafeEqual } from 'crypto';
import { constants, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface KnownHostEntry {
  marker: 'revoked' | 'cert-authority' | undefined;
  hosts: HostPatterns;
  /** The key type the line names, which is also the one inside the key. */
  keyType: string;
  /** The key in SSH wire format, as a server sends it. */
  key: Buffer;
  file: string;
  /** 1-based. */
  line: number;
}

export type HostPatterns = { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: string[] };

/** Bigger files are not read: a known_hosts of 4 MiB holds some 25,000 hosts. */
export const MAX_KNOWN_HOSTS_BYTES = 4 * 1024 * 1024;

/** The files ssh reads when ~/.ssh/config names none (UserKnownHostsFile, GlobalKnownHostsFile). */
export function defaultKnownHostsFiles(home = os.homedir(), platform = process.platform, env = process.env): string[] {
  const user = [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
  if (platform === 'win32') {
    return [...user, path.join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'ssh', 'ssh_known_hosts')];
  }
  return [...user, '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

/** The name a host's keys are filed under: `host` on port 22, `[host]:port` on any other; lower case. */
export function knownHostsName(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase(); // An IPv6 address as a URL gives it.
  return port === 22 ? bare : `[${bare}]:${port}`;
}

/** The entries of one file's text; lines that do not parse are left out. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const entry = parseLine(raw, file, index + 1);
    if (entry) {
      entries.push(entry);
    }
  });
  return entries;
}

function parseLine(raw: string, file: string, line: number): KnownHostEntry | undefined {
  const fields = raw.trim().split(/[ \t]+/);
  if (fields[0] === '' || fields[0].startsWith('#')) {
    return undefined;
  }
  let marker: KnownHostEntry['marker'];
  if (fields[0].startsWith('@')) {
    if (fields[0] !== '@revoked' && fields[0] !== '@cert-authority') {
      return undefined;
    }
    marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
    fields.shift();
  }
  const [hostField, keyType, base64] = fields;
  if (!hostField || !keyType || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) {
    return undefined; // Also the SSH-1 form "host bits exponent modulus".
  }
  const hosts = parseHosts(hostField);
  const key = Buffer.from(base64, 'base64');
  if (!hosts || keyTypeOf(key) !== keyType || !isWholeKey(key)) {
    return undefined;
  }
  return { marker, hosts, keyType, key, file, line };
}

function parseHosts(field: string): HostPatterns | undefined {
  if (field.startsWith('|')) {
    const match = /^\|1\|([A-Za-z0-9+/]+=*)\|([A-Za-z0-9+/]+=*)$/.exec(field);
    if (!match) {
      return undefined;
    }
    const salt = Buffer.from(match[1], 'base64');
    const hash = Buffer.from(match[2], 'base64');
    return salt.length === 20 && hash.length === 20 ? { kind: 'hashed', salt, hash } : undefined;
  }
  const patterns = field.toLowerCase().split(',');
  return patterns.some((pattern) => pattern === '' || pattern === '!') ? undefined : { kind: 'patterns', patterns };
}

/** The type name at the start of a key in wire format (`ssh-ed25519`), or undefined when there is none. */
export function keyTypeOf(key: Buffer): string | undefined {
  if (key.length < 4) {
    return undefined;
  }
  const length = key.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > key.length) {
    return undefined;
  }
  const type = key.subarray(4, 4 + length).toString('latin1');
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/**
 * Whether the key is its type followed by at least one more field, each length-prefixed, and nothing
 * else: the shape of every public key type (ed25519, ECDSA, RSA, DSA, security keys).
 */
function isWholeKey(key: Buffer): boolean {
  let offset = 0;
  let fields = 0;
  while (offset + 4 <= key.length) {
    offset += 4 + key.readUInt32BE(offset);
    fields++;
  }
  return offset === key.length && fields >= 2;
}

/** `SHA256:…` as `ssh-keygen -l` and ssh's own messages show a key. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Whether the line is about `name` (from knownHostsName). */
export function entryNamesHost(entry: KnownHostEntry, name: string): boolean {
  const { hosts } = entry;
  if (hosts.kind === 'hashed') {
    const hash = createHmac('sha1', hosts.salt).update(name).digest();
    return timingSafeEqual(hash, hosts.hash);
  }
  let named = false;
  for (const pattern of hosts.patterns) {
    if (pattern.startsWith('!')) {
      if (globMatches(name, pattern.slice(1))) {
        return false; // A negated match excludes the host whatever else the line says.
      }
    } else if (globMatches(name, pattern)) {
      named = true;
    }
  }
  return named;
}

/** OpenSSH's match_pattern: `*` any run of characters, `?` any one. */
export function globMatches(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') {
    p++;
  }
  return p === pattern.length;
}

/** What the known_hosts entries say of the key a host presented. */
export type HostKeyVerdict =
  /** A plain entry for the host has this key. */
  | { kind: 'known'; entry: KnownHostEntry }
  /** An @revoked entry for the host has this key: refused even if another entry lists it. */
  | { kind: 'revoked'; entry: KnownHostEntry }
  /** Keys of this type are known for the host, and this is none of them (ssh: "REMOTE HOST IDENTIFICATION HAS CHANGED"). */
  | { kind: 'changed'; known: KnownHostEntry[] }
  /** Only keys of other types are known for the host (ssh with strict checking refuses it too). */
  | { kind: 'other type'; known: KnownHostEntry[] }
  /** No entry names the host; @cert-authority entries that do are listed, since they cannot help. */
  | { kind: 'unknown'; certAuthorities: KnownHostEntry[] };

export function hostKeyVerdict(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((entry) => entryNamesHost(entry, name));
  const revoked = forHost.find((entry) => entry.marker === 'revoked' && entry.key.equals(key));
  if (revoked) {
    return { kind: 'revoked', entry: revoked };
  }
  const plain = forHost.filter((entry) => entry.marker === undefined);
  const known = plain.find((entry) => entry.key.equals(key));
  if (known) {
    return { kind: 'known', entry: known };
  }
  const type = keyTypeOf(key);
  const sameType = plain.filter((entry) => entry.keyType === type);
  if (sameType.length > 0) {
    return { kind: 'changed', known: sameType };
  }
  if (plain.length > 0) {
    return { kind: 'other type', known: plain };
  }
  return { kind: 'unknown', certAuthorities: forHost.filter((entry) => entry.marker === 'cert-authority') };
}

/** The key types of the plain entries for the host, in the order of the files and lines. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], name: string): string[] {
  const types = entries.filter((entry) => entry.marker === undefined && entryNamesHost(entry, name)).map((entry) => entry.keyType);
  return [...new Set(types)];
}

export interface KnownHosts {
  entries: KnownHostEntry[];
  /** Files that exist but were not read, with why (as ssh, the others are used all the same). */
  unread: { file: string; reason: string }[];
}

/** The entries of the files, in order; a missing file is no entries. */
export async function readKnownHosts(files: readonly string[], maxBytes = MAX_KNOWN_HOSTS_BYTES): Promise<KnownHosts> {
  const read = await Promise.all(files.map((file) => readCapped(file, maxBytes)));
  const known: KnownHosts = { entries: [], unread: [] };
  read.forEach((result, index) => {
    if (typeof result === 'string') {
      known.entries.push(...parseKnownHosts(result, files[index]));
    } else if (result.reason !== undefined) {
      known.unread.push({ file: files[index], reason: result.reason });
    }
  });
  return known;
}

/** The text, or why there is none (no reason: the file does not exist). */
async function readCapped(file: string, maxBytes: number): Promise<string | { reason: string | undefined }> {
  let handle: fs.FileHandle;
  try {
    // Non-blocking, so that a FIFO in its place cannot hang the open.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { reason: code === 'ENOENT' || code === 'ENOTDIR' ? undefined : (code ?? (error as Error).message) };
  }
  try {
    if (!(await handle.stat()).isFile()) {
      return { reason: 'not a regular file' };
    }
    // Read one byte past the limit rather than trust the size: the file may grow meanwhile.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, maxBytes + 1 - total), null);
      if (bytesRead === 0) {
        break;
      }
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
      total += bytesRead;
      if (total > maxBytes) {
        return { reason: `larger than ${formatBytes(maxBytes)}` };
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    return { reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const formatBytes = (bytes: number): string => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);
