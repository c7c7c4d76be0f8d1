import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  KnownHostEntry,
  defaultKnownHostsFiles,
  entryNamesHost,
  fingerprintOf,
  globMatches,
  hostKeyVerdict,
  keyTypeOf,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  readKnownHosts,
} from '../../src/core/engine/knownHosts';
import { TEST_KEYS, blobOf } from './helpers/sshTestKeys';

/** `ssh-keygen -H` of "[127.0.0.1]:2222 <ed25519A>" and "build.example <ecdsa>": HMAC-SHA1 under the salts it chose. */
const HASHED = [
  `|1|4vJLDAUio+Y9AW2jkoe0x98D8iE=|sartUfNcwanQ2CsyryHltbih0iw= ${TEST_KEYS.ed25519A.line}`,
  `|1|clDPCTNjVHUS4NMV+wiyxzIZSTU=|csh7KBdtqB1YhTeyYvpBe4ZD+XE= ${TEST_KEYS.ecdsa.line}`,
];

const { ed25519A, ed25519B, ecdsa, rsa } = TEST_KEYS;
const hostsOf = (entries: KnownHostEntry[]) => entries.map((entry) => (entry.hosts.kind === 'patterns' ? entry.hosts.patterns.join(',') : 'hashed'));

describe('known_hosts: parsing', () => {
  it('reads plain entries: host lists, key type, key in wire format, file and line; a trailing comment is ignored', () => {
    const entries = parseKnownHosts(`build.example,10.0.0.5 ${ed25519A.line} me@laptop\n${ecdsa.line.replace(/^/, 'other.example ')}\n`, '/k');
    assert.deepEqual(hostsOf(entries), ['build.example,10.0.0.5', 'other.example']);
    assert.equal(entries[0].keyType, 'ssh-ed25519');
    assert.deepEqual(entries[0].key, blobOf(ed25519A.line));
    assert.equal(entries[0].marker, undefined);
    assert.deepEqual([entries[0].file, entries[0].line, entries[1].line], ['/k', 1, 2]);
  });

  it('skips comments, blank lines and lines that do not parse; takes CRLF and leading blanks', () => {
    const text = [
      '# a comment',
      '',
      '   ',
      `  good.example ${ed25519A.line}\r`,
      'missing.key ssh-ed25519',
      'bad.base64 ssh-ed25519 AAAA$$$$',
      `type.mismatch ssh-rsa ${ed25519A.line.split(' ')[1]}`,
      'ssh1.example 1024 35 1234567890',
      `|1|bad|hash ${ed25519A.line}`,
      `|1|AAAA|AAAA ${ed25519A.line}`, // Salt and hash not 20 bytes.
      `a,,b ${ed25519A.line}`,
      `@unknown-marker c.example ${ed25519A.line}`,
      `truncated.key ssh-ed25519 AAAAC3NzaC1lZDI1NTE5`,
      `last.example ${rsa.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text, '/k');
    assert.deepEqual(hostsOf(entries), ['good.example', 'last.example']);
    assert.deepEqual(
      entries.map((entry) => entry.line),
      [4, 14],
    );
  });

  it('keeps @revoked and @cert-authority as markers', () => {
    const entries = parseKnownHosts(`@revoked * ${ed25519B.line}\n@cert-authority *.example ${ecdsa.line}\n`, '/k');
    assert.deepEqual(
      entries.map((entry) => [entry.marker, hostsOf([entry])[0]]),
      [
        ['revoked', '*'],
        ['cert-authority', '*.example'],
      ],
    );
  });

  it('reads the key type inside a key and its SHA256 fingerprint as ssh-keygen -l shows it', () => {
    for (const key of Object.values(TEST_KEYS)) {
      assert.equal(keyTypeOf(blobOf(key.line)), key.line.split(' ')[0]);
      assert.equal(fingerprintOf(blobOf(key.line)), key.fingerprint);
    }
    assert.equal(keyTypeOf(Buffer.from([0, 0, 0, 9, 0x61])), undefined, 'a length past the end');
    assert.equal(keyTypeOf(Buffer.alloc(2)), undefined);
  });
});

describe('known_hosts: which lines name a host', () => {
  const names = (line: string, name: string) => entryNamesHost(parseKnownHosts(line, '/k')[0], name);

  it('files a host under its name on port 22 and under [host]:port on any other, lower case', () => {
    assert.equal(knownHostsName('Build.Example', 22), 'build.example');
    assert.equal(knownHostsName('127.0.0.1', 2222), '[127.0.0.1]:2222');
    assert.equal(knownHostsName('[::1]', 22), '::1', 'an IPv6 address comes bracketed from a URL');
    assert.equal(knownHostsName('[::1]', 2222), '[::1]:2222');
  });

  it('matches [host]:port only on that port, and a bare name only on port 22', () => {
    const bracketed = `[build.example]:2222 ${ed25519A.line}`;
    assert.ok(names(bracketed, knownHostsName('build.example', 2222)));
    assert.ok(!names(bracketed, knownHostsName('build.example', 22)));
    assert.ok(!names(bracketed, knownHostsName('build.example', 2223)));
    const bare = `build.example ${ed25519A.line}`;
    assert.ok(names(bare, knownHostsName('build.example', 22)));
    assert.ok(!names(bare, knownHostsName('build.example', 2222)));
  });

  it('matches hashed names written by ssh-keygen -H, and no other name', () => {
    assert.ok(names(HASHED[0], '[127.0.0.1]:2222'));
    assert.ok(!names(HASHED[0], '127.0.0.1'));
    assert.ok(!names(HASHED[0], '[127.0.0.1]:2223'));
    assert.ok(names(HASHED[1], 'build.example'));
    assert.ok(!names(HASHED[1], 'build.example.'));
  });

  it('matches any name of a list, without regard to case', () => {
    assert.ok(names(`Build.Example,10.0.0.5 ${ed25519A.line}`, 'build.example'));
    assert.ok(names(`Build.Example,10.0.0.5 ${ed25519A.line}`, '10.0.0.5'));
    assert.ok(!names(`Build.Example,10.0.0.5 ${ed25519A.line}`, '10.0.0.50'));
  });

  it('takes * and ? as wildcards, and !pattern excludes a host the rest of the list names', () => {
    assert.ok(globMatches('a.example.com', '*.example.com'));
    assert.ok(!globMatches('example.com', '*.example.com'));
    assert.ok(globMatches('host7', 'host?'));
    assert.ok(!globMatches('host17', 'host?'));
    assert.ok(globMatches('abcbd', 'a*b*d'));
    assert.ok(globMatches('', '*'));
    const line = `*.example.com,!secret.example.com ${ed25519A.line}`;
    assert.ok(names(line, 'build.example.com'));
    assert.ok(!names(line, 'secret.example.com'));
    assert.ok(!names(`!secret.example.com ${ed25519A.line}`, 'build.example.com'), 'only negations name nothing');
    assert.ok(names(`[*.lab]:2222 ${ed25519A.line}`, '[db.lab]:2222'));
    assert.ok(!names(`[*.lab]:2222 ${ed25519A.line}`, 'db.lab'));
  });
});

describe('known_hosts: the verdict on a presented key', () => {
  const name = '[127.0.0.1]:2222';
  const verdict = (text: string, key: string) => hostKeyVerdict(parseKnownHosts(text, '/k'), name, blobOf(key));

  it('known: a plain line for the host has this key (hashed too)', () => {
    const result = verdict(`other.example ${ed25519B.line}\n${name} ${ed25519B.line}\n${name} ${ed25519A.line}\n`, ed25519A.line);
    assert.equal(result.kind, 'known');
    assert.equal(result.kind === 'known' && result.entry.line, 3);
    assert.equal(verdict(HASHED.join('\n'), ed25519A.line).kind, 'known');
  });

  it('changed: keys of the same type are known for the host, none is this one', () => {
    const result = verdict(`${name} ${ed25519A.line}\n${name} ${rsa.line}\n`, ed25519B.line);
    assert.equal(result.kind, 'changed');
    assert.deepEqual(result.kind === 'changed' && result.known.map((entry) => entry.line), [1]);
    assert.equal(verdict(HASHED[0], ed25519B.line).kind, 'changed');
  });

  it('other type: only keys of other types are known for the host', () => {
    const result = verdict(`${name} ${ecdsa.line}\n`, ed25519A.line);
    assert.equal(result.kind, 'other type');
  });

  it('unknown: no line names the host (another port, another host, a negated name); @cert-authority lines are reported', () => {
    assert.deepEqual(verdict(`127.0.0.1 ${ed25519A.line}\n[127.0.0.1]:2223 ${ed25519A.line}\n*,![127.0.0.1]:2222 ${ed25519A.line}\n`, ed25519A.line), { kind: 'unknown', certAuthorities: [] });
    const result = verdict(`@cert-authority * ${ecdsa.line}\n`, ed25519A.line);
    assert.equal(result.kind, 'unknown');
    assert.equal(result.kind === 'unknown' && result.certAuthorities.length, 1);
  });

  it('revoked: an @revoked line for the host with this key wins over a plain line listing it; for other hosts it does not apply', () => {
    const result = verdict(`${name} ${ed25519A.line}\n@revoked * ${ed25519A.line}\n`, ed25519A.line);
    assert.equal(result.kind, 'revoked');
    assert.equal(result.kind === 'revoked' && result.entry.line, 2);
    assert.equal(verdict(`${name} ${ed25519A.line}\n@revoked other.example ${ed25519A.line}\n`, ed25519A.line).kind, 'known');
    assert.equal(verdict(`${name} ${ed25519A.line}\n@revoked * ${ed25519B.line}\n`, ed25519A.line).kind, 'known');
  });

  it('lists the key types known for a host, plain lines only', () => {
    const entries = parseKnownHosts(`${name} ${ecdsa.line}\n${name} ${rsa.line}\n@revoked * ${ed25519A.line}\n${name} ${ecdsa.line}\nother ${ed25519B.line}\n`, '/k');
    assert.deepEqual(knownKeyTypes(entries, name), ['ecdsa-sha2-nistp256', 'ssh-rsa']);
  });
});

describe('known_hosts: reading the files', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-known-hosts-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names the user's files first, then the system's", () => {
    assert.deepEqual(defaultKnownHostsFiles('/home/me', 'linux'), ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts2', '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
  });

  it('reads the entries of every file in order; a missing file is none, not a problem', async () => {
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    fs.writeFileSync(first, `a.example ${ed25519A.line}\n`);
    fs.writeFileSync(second, `b.example ${ecdsa.line}\n`);
    const known = await readKnownHosts([first, path.join(dir, 'missing'), path.join(dir, 'missing', 'below-a-file'), second]);
    assert.deepEqual(hostsOf(known.entries), ['a.example', 'b.example']);
    assert.deepEqual(
      known.entries.map((entry) => entry.file),
      [first, second],
    );
    assert.deepEqual(known.unread, []);
  });

  it('does not read a file over the limit, nor a folder or a FIFO (without hanging), and says so', async () => {
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, `a.example ${ed25519A.line}\n`.repeat(100));
    const small = path.join(dir, 'small');
    fs.writeFileSync(small, `b.example ${ed25519A.line}\n`);
    const files = [big, small, dir];
    const fifo = path.join(dir, 'fifo');
    if (process.platform !== 'win32') {
      execFileSync('mkfifo', [fifo]);
      files.push(fifo);
    }
    const known = await readKnownHosts(files, 1024);
    assert.deepEqual(hostsOf(known.entries), ['b.example']);
    assert.deepEqual(known.unread, [
      { file: big, reason: 'larger than 1024 bytes' },
      { file: dir, reason: 'not a regular file' },
      ...(process.platform !== 'win32' ? [{ file: fifo, reason: 'not a regular file' }] : []),
    ]);
    assert.equal((await readKnownHosts([small], 1024)).entries.length, 1);
    fs.writeFileSync(big, 'x'.repeat(1024));
    assert.deepEqual((await readKnownHosts([big], 1024)).unread, [], 'exactly the limit is read');
  });
});
