/**
 * The bolt reader on files bbolt itself wrote (test/setup/bolt-fixtures/main.go, bbolt 1.3.6),
 * compared with what bbolt read back from each: every bucket, key and value (by sha256), through
 * overflow pages, branch pages on several levels, nested and inline buckets, at page sizes 1024,
 * 4096 and 16384; a file copied in the middle of a commit (data pages written, meta page not yet),
 * a torn meta page, and both meta pages bad. And it reads a file another process holds locked.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { BoltBucket, BoltDatabase, BoltFormatError, withBoltDatabase } from '../../src/core/storage/containerd/boltReader';
import { skipBecause } from '../helpers/skip';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'bolt');

/** An entry as main.go dumps it: short keys as text or hex, long ones and values by length and sha256. */
interface TruthEntry {
  key?: string;
  keyHex?: string;
  keyLength?: number;
  keySha256?: string;
  length?: number;
  sha256?: string;
  bucket?: TruthBucket;
}
interface TruthBucket {
  entries: TruthEntry[];
}
/** bbolt's Bucket.Stats() of a bucket and all under it. */
interface BucketStats {
  inline: boolean;
  depth: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
  inlineBuckets: number;
  keys: number;
}
interface FileView {
  pageSize?: number;
  txid?: number;
  state?: 'N' | 'N+1';
  error?: string;
  stats?: Record<string, BucketStats>;
}
interface TreeTruth {
  content: TruthBucket;
  files: Record<string, FileView>;
}
interface CommitTruth {
  pageSize: number;
  metaSlotN1: number;
  N: { txid: number; content: TruthBucket };
  'N+1': { txid: number; content: TruthBucket };
  files: Record<string, FileView>;
}

const readTruth = <T>(name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
const recorded = (name: string) => zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, name)));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function describeKey(key: Buffer): TruthEntry {
  if (key.length > 64) {
    return { keyLength: key.length, keySha256: sha256(key) };
  }
  return key.every((byte) => byte >= 0x20 && byte <= 0x7e) ? { key: key.toString('latin1') } : { keyHex: key.toString('hex') };
}

/** What our reader sees under a bucket, in main.go's shape. */
function dump(bucket: BoltBucket): TruthBucket {
  return {
    entries: [...bucket.entries()].map(({ key, value, bucket: nested }) =>
      nested ? { ...describeKey(key), bucket: dump(nested) } : { ...describeKey(key), length: value!.length, sha256: sha256(value!) },
    ),
  };
}

/** Every key, found again by lookup (through the branch pages, not by walking the leaves). */
function assertLookups(bucket: BoltBucket, where: string): number {
  const entries = [...bucket.entries()];
  let count = entries.length;
  for (const { key, value, bucket: nested } of entries) {
    if (nested) {
      assert.equal(bucket.get(key), undefined, `${where}: a bucket is not a value`);
      const found = bucket.bucket(key);
      assert.ok(found, `${where}: bucket ${describeKey(key).key ?? '…'} found by lookup`);
      count += assertLookups(found, `${where}/${key.toString('latin1')}`);
    } else {
      assert.deepEqual(bucket.get(key), value, `${where}: value found by lookup`);
      assert.equal(bucket.bucket(key), undefined, `${where}: a value is not a bucket`);
    }
    // Just after the key (a zero byte appended): nothing, unless that is a key too.
    const after = Buffer.concat([key, Buffer.from([0])]);
    if (!entries.some((entry) => entry.key.equals(after))) {
      assert.equal(bucket.get(after), undefined, `${where}: no key just after`);
    }
  }
  if (entries.length > 0) {
    assert.equal(bucket.get(Buffer.from([0x00, 0x00, 0x00])), undefined, `${where}: nothing before the first`);
    assert.equal(bucket.get(Buffer.from([0xff, 0xff])), undefined, `${where}: nothing after the last`);
  }
  return count;
}

describe('bolt reader on files bbolt wrote', () => {
  const tree = readTruth<TreeTruth>('tree.truth.json');
  const commit = readTruth<CommitTruth>('commit.truth.json');
  const treeFiles = Object.keys(tree.files).sort();
  let scratch: string;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bolt-fixtures-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('has fixtures that exercise overflow pages, branch levels, and inline and non-inline buckets at several depths', () => {
    assert.deepEqual(treeFiles, ['tree-1024.db.gz', 'tree-16384.db.gz', 'tree-4096.db.gz']);
    for (const name of treeFiles) {
      const stats = tree.files[name].stats!;
      assert.ok(stats['big'].overflowPages >= 3, `${name}: values larger than a page`);
      assert.ok(stats['huge-keys'].overflowPages >= 1, `${name}: keys larger than a page`);
      assert.ok(stats['many'].branchPages >= 1, `${name}: branch pages`);
      assert.equal(stats['empty'].inline, true, `${name}: an empty inline bucket`);
      let level = '';
      for (let depth = 1; depth <= 7; depth++) {
        level = level ? `${level}/deep-${depth}` : `deep-${depth}`;
        assert.equal(stats[`${level}/b-inline`].inline, true, `${name}: an inline bucket ${depth} deep`);
        assert.equal(stats[`${level}/c-wide`].inline, false, `${name}: a non-inline bucket ${depth} deep`);
      }
    }
    for (const name of ['tree-4096.db.gz', 'tree-1024.db.gz']) {
      assert.ok(tree.files[name].stats!['many'].depth >= 4, `${name}: branch pages under branch pages`);
    }
  });

  for (const name of ['tree-4096.db.gz', 'tree-1024.db.gz', 'tree-16384.db.gz']) {
    it(`reads every bucket, key (in order) and value of ${name} as bbolt does, taking the page size from the meta page`, () => {
      const db = BoltDatabase.fromBuffer(name, recorded(name));
      assert.equal(db.meta.pageSize, tree.files[name].pageSize);
      assert.equal(db.meta.txid, BigInt(tree.files[name].txid!));
      assert.deepEqual(dump(db.root()), tree.content);
    });

    it(`finds every key and bucket of ${name} by lookup through its branch pages, and no others`, () => {
      const db = BoltDatabase.fromBuffer(name, recorded(name));
      assert.equal(assertLookups(db.root(), name), tree.files[name].stats![''].keys, 'as many keys as bbolt counts');
      const deepest = db.bucketAt('deep-1', 'deep-2', 'deep-3', 'deep-4', 'deep-5', 'deep-6', 'deep-7', 'b-inline');
      assert.equal(deepest?.get('x')?.toString(), 'inline at 7', 'an inline bucket seven levels down');
      assert.deepEqual(deepest?.get('y'), Buffer.alloc(0), 'an empty value');
      const overflow = db.bucketAt('deep-1', 'deep-2', 'deep-3', 'deep-4')?.get('e-overflow');
      assert.equal(overflow?.length, 20000);
      // Its lines name their offsets: the last whole one, from the last overflow page.
      assert.equal(overflow.subarray(19968, 19992).toString(), 'deep/4/overflow@0019968\n');
      assert.deepEqual([...db.bucketAt('empty')!.entries()], []);
      assert.equal(db.bucketAt('binary')?.get(Buffer.from([0xff, 0x00]))?.toString('hex'), Buffer.from('value of \xff\x00', 'latin1').toString('hex'));
    });
  }

  it('reads the second meta page at the page size even when the first is torn, its page size field included', () => {
    const data = recorded('tree-1024.db.gz');
    const newer = BoltDatabase.fromBuffer('tree-1024', data);
    assert.equal(newer.meta.txid % 2n, 0n, 'the newer meta is in page 0');
    // Page 0 torn: its checksum fails, then its page size field is garbled too, then it is all zeros.
    const checksum = Buffer.from(data);
    checksum[16 + 56] ^= 0x01;
    const pageSize = Buffer.from(data);
    pageSize.writeUInt32LE(4096, 16 + 8);
    const zeroed = Buffer.from(data);
    zeroed.fill(0, 0, 1024);
    for (const [how, torn] of Object.entries({ checksum, pageSize, zeroed })) {
      const older = BoltDatabase.fromBuffer(`tree-1024 (${how})`, torn);
      assert.equal(older.meta.pageSize, 1024, how);
      assert.equal(older.meta.txid, newer.meta.txid - 1n, `${how}: the older meta, in page 1`);
      // The last transaction made "small": the tree before it is whole, without it.
      assert.deepEqual(dump(older.root()), { entries: tree.content.entries.filter((entry) => entry.key !== 'small') }, how);
    }
  });

  describe('a commit in progress', () => {
    const files = () => Object.fromEntries(Object.keys(commit.files).map((name) => [name, recorded(name)]));

    it('is recorded as it is on disk: N+1 data pages written over state N, meta pages not yet', () => {
      const { 'commit-n.db.gz': stateN, 'mid-commit.db.gz': mid, 'committed-n1.db.gz': stateN1 } = files();
      const size = commit.pageSize;
      const pages = (a: Buffer, b: Buffer) => [...Array(Math.max(a.length, b.length) / size).keys()].filter((page) => !a.subarray(page * size, (page + 1) * size).equals(b.subarray(page * size, (page + 1) * size)));
      const written = pages(stateN, mid);
      assert.ok(written.length >= 3 && written.every((page) => page >= 2), `data pages only: ${written.join(' ')}`);
      assert.deepEqual(pages(mid, stateN1), [commit.metaSlotN1], 'then the meta page');
      assert.equal(commit['N+1'].txid, commit.N.txid + 1);
      assert.equal(commit.metaSlotN1, commit['N+1'].txid % 2, 'in the slot of txid N-1');
    });

    it('reads the file in the middle of a commit as state N, as bbolt does, and the committed file as N+1', () => {
      for (const [name, data] of Object.entries(files())) {
        const view = commit.files[name];
        if (view.error) {
          continue;
        }
        const state = commit[view.state!];
        const db = BoltDatabase.fromBuffer(name, data);
        assert.equal(db.meta.txid, BigInt(state.txid), name);
        assert.deepEqual(dump(db.root()), state.content, name);
      }
      assert.deepEqual(commit.files['mid-commit.db.gz'], { pageSize: 4096, txid: commit.N.txid, state: 'N' });
      assert.notDeepEqual(commit.N.content, commit['N+1'].content);
    });

    it('takes the older meta page when the newer one is torn (its checksum fails), though its txid is higher', () => {
      const torn = recorded('torn-meta.db.gz');
      const txidAt = (slot: number) => torn.readBigUInt64LE(slot * commit.pageSize + 16 + 48);
      assert.equal(txidAt(commit.metaSlotN1), BigInt(commit['N+1'].txid), 'the torn write got as far as the txid');
      const db = BoltDatabase.fromBuffer('torn-meta.db', torn);
      assert.equal(db.meta.txid, BigInt(commit.N.txid));
      assert.deepEqual(dump(db.root()), commit.N.content);
      assert.equal(commit.files['torn-meta.db.gz'].state, 'N', 'bbolt reads state N too');
    });

    it('says clearly that neither meta page is valid when both are bad, once read twice', async () => {
      assert.ok(commit.files['both-metas-bad.db.gz'].error, 'bbolt refuses it too');
      const data = recorded('both-metas-bad.db.gz');
      assert.throws(() => BoltDatabase.fromBuffer('both-metas-bad.db', data), (error: Error) => error instanceof BoltFormatError && /neither meta page is valid/.test(error.message));
      const file = path.join(scratch, 'both-metas-bad.db');
      fs.writeFileSync(file, data);
      await assert.rejects(withBoltDatabase(file, (db) => db.root()), /both-metas-bad\.db is not a readable bolt database: neither meta page is valid .*\(read twice\)/);
    });
  });

  it('reads a file another process holds an exclusive lock on at once, and leaves it as it was', async function () {
    if (spawnSync('flock', ['--version']).error) {
      skipBecause(this, "util-linux's flock(1) is not installed: nothing here can hold the lock");
    }
    const file = path.join(scratch, 'locked.db');
    fs.writeFileSync(file, recorded('tree-4096.db.gz'));
    // flock(2), LOCK_EX, as bbolt (containerd) takes it; held while `cat` waits on its input.
    const holder = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo locked; exec cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('error', reject);
      });
      assert.equal(spawnSync('flock', ['--nonblock', '--shared', file, 'true']).status, 1, 'the lock is held');
      const before = fs.statSync(file);
      const started = Date.now();
      const content = await withBoltDatabase(file, (db) => dump(db.root()));
      assert.ok(Date.now() - started < 2000, `read in ${Date.now() - started} ms, not waiting for the lock`);
      assert.deepEqual(content, tree.content);
      const after = fs.statSync(file);
      assert.deepEqual([after.size, after.mtimeMs, after.ctimeMs], [before.size, before.mtimeMs, before.ctimeMs], 'not written');
    } finally {
      holder.stdin.end();
      await exited;
    }
  });
});
