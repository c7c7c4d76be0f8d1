/**
 * The read-only bolt reader and the containerd snapshot lookup, on meta.db and metadata.db
 * recorded from Docker 26's containerd (test/setup/record-containerd-metadata.sh), checked against
 * the folders containerd itself named (`ctr snapshots view --mounts`), and on torn, truncated and
 * hostile copies of them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { BoltDatabase, BoltFormatError, fnv1a64, withBoltDatabase } from '../../src/core/storage/containerd/boltReader';
import { ContainerdSnapshotStore } from '../../src/core/storage/containerd/containerdSnapshotStore';
import { metadataSchema, readUvarint, readVarint, snapshotFolder } from '../../src/core/storage/containerd/snapshotFolders';
import { silentLogger } from '../../src/core/logger';
import { skipBecause } from '../helpers/skip';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'containerd');
const truth = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'truth.json'), 'utf8')) as { snapshotFolders: Record<string, string> };
const recorded = (name: string) => zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, `${name}.gz`)));

/** The meta page with the higher txid: the one a reader must take. */
function newerMeta(data: Buffer): number {
  const txid = (page: number) => data.readBigUInt64LE(page * 4096 + 16 + 48);
  return txid(0) > txid(1) ? 0 : 1;
}

describe('bolt reader', () => {
  let scratch: string;
  let metaBytes: Buffer;
  let snapshotBytes: Buffer;
  const ROOT = '/var/lib/docker/containerd/daemon';

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bolt-'));
    metaBytes = recorded('meta.db');
    snapshotBytes = recorded('metadata.db');
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it("finds every layer's snapshot folder that containerd names, by chain ID", () => {
    const meta = BoltDatabase.fromBuffer('meta.db', metaBytes);
    const snapshots = BoltDatabase.fromBuffer('metadata.db', snapshotBytes);
    assert.ok(Object.keys(truth.snapshotFolders).length >= 5);
    for (const [chainId, folder] of Object.entries(truth.snapshotFolders)) {
      assert.equal(snapshotFolder(meta, snapshots, ROOT, chainId)?.folder, path.join(ROOT, folder), chainId);
    }
    assert.equal(snapshotFolder(meta, snapshots, ROOT, `sha256:${'0'.repeat(64)}`), undefined, 'no such layer');
  });

  it("reads the schema version, nested buckets, and every key of a bucket in order", () => {
    const meta = BoltDatabase.fromBuffer('meta.db', metaBytes);
    // containerd 1.7 writes dbVersion 3 with binary.PutVarint: the byte 0x06.
    assert.equal(metadataSchema(meta), 3, "containerd 1.7's schema");
    const overlay = meta.bucketAt('v1', 'moby', 'snapshots', 'overlayfs')!;
    const keys = [...overlay.entries()].map((entry) => entry.key.toString());
    assert.deepEqual(keys, [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), 'in key order');
    for (const chainId of Object.keys(truth.snapshotFolders)) {
      assert.ok(keys.includes(chainId), `${chainId} is listed`);
      assert.ok(overlay.bucket(chainId)?.get('name'), 'and found by lookup');
    }
    assert.equal(overlay.get(keys[0]), undefined, 'a bucket is not a value');
    assert.equal(meta.bucketAt('v1', 'nowhere'), undefined);
  });

  it("reads containerd 2.x's meta.db (schema 4) the same way, and refuses a file with no schema", () => {
    // In a leaf page a key's value follows the key: v1/version's one byte, 0x06 (3) in 1.7, 0x08 (4) in 2.x.
    const at = metaBytes.indexOf(Buffer.from('version')) + 'version'.length;
    assert.equal(metaBytes[at], 0x06, 'the recorded schema byte');
    const snapshots = BoltDatabase.fromBuffer('metadata.db', snapshotBytes);
    const [chainId, folder] = Object.entries(truth.snapshotFolders)[0];
    const two = Buffer.from(metaBytes);
    two[at] = 0x08;
    const meta2 = BoltDatabase.fromBuffer('meta.db', two);
    assert.equal(metadataSchema(meta2), 4);
    assert.equal(snapshotFolder(meta2, snapshots, ROOT, chainId)?.folder, path.join(ROOT, folder));
    const none = Buffer.from(metaBytes);
    none[at] = 0x00; // Version 0: what a file containerd never initialised would hold.
    assert.throws(() => snapshotFolder(BoltDatabase.fromBuffer('meta.db', none), snapshots, ROOT, chainId), /no v1 schema version/);
  });

  it('takes the newer meta page, and the older when the newer is torn', () => {
    const newer = newerMeta(metaBytes);
    const db = BoltDatabase.fromBuffer('meta.db', metaBytes);
    const torn = Buffer.from(metaBytes);
    torn[newer * 4096 + 16 + 20] ^= 0xff; // Inside the root bucket field: the checksum no longer holds.
    const older = BoltDatabase.fromBuffer('meta.db', torn);
    assert.equal(older.meta.txid, db.meta.txid - 1n);
    assert.ok(older.bucketAt('v1', 'moby'), 'the tree the older meta names is whole (copy-on-write)');
  });

  it('says clearly what is wrong with a file that is not bolt, truncated or loops, instead of crashing', () => {
    assert.throws(() => BoltDatabase.fromBuffer('empty', Buffer.alloc(0)), BoltFormatError);
    assert.throws(() => BoltDatabase.fromBuffer('text', Buffer.from('not a database at all'.repeat(500))), /neither meta page is valid/);
    const bothTorn = Buffer.from(metaBytes);
    bothTorn[16 + 20] ^= 1;
    bothTorn[4096 + 16 + 20] ^= 1;
    assert.throws(() => BoltDatabase.fromBuffer('torn', bothTorn), /neither meta page/);
    const truncated = BoltDatabase.fromBuffer('truncated', metaBytes.subarray(0, 3 * 4096));
    assert.throws(() => truncated.bucketAt('v1', 'moby'), (error: Error) => error instanceof BoltFormatError && /outside the file|past the end/.test(error.message));
    // A branch that names itself as its child: a loop, not a hang.
    const looped = Buffer.from(snapshotBytes);
    const db = BoltDatabase.fromBuffer('metadata.db', snapshotBytes);
    const rootStart = db.meta.root * 4096;
    looped.writeUInt16LE(0x01, rootStart + 8); // The root page becomes a branch…
    looped.writeUInt16LE(1, rootStart + 10);
    looped.writeUInt32LE(16, rootStart + 16); // …whose one element points at itself.
    looped.writeUInt32LE(0, rootStart + 20);
    looped.writeBigUInt64LE(BigInt(db.meta.root), rootStart + 24);
    assert.throws(() => BoltDatabase.fromBuffer('looped', looped).bucketAt('v1', 'snapshots'), /deeper than any real one/);
  });

  it('reads the file once more when the first read meets a commit in progress', async () => {
    const file = path.join(scratch, 'meta.db');
    const torn = Buffer.from(metaBytes);
    torn[16 + 20] ^= 1;
    torn[4096 + 16 + 20] ^= 1;
    fs.writeFileSync(file, torn);
    // The "commit" finishes while the reader waits to read again.
    setTimeout(() => fs.writeFileSync(file, metaBytes), 10);
    const schema = await withBoltDatabase(file, (db) => metadataSchema(db));
    assert.equal(schema, 3);
    fs.writeFileSync(file, torn);
    await assert.rejects(withBoltDatabase(file, (db) => metadataSchema(db)), /\(read twice\)/);
  });

  it('never opens the file for writing', async () => {
    const file = path.join(scratch, 'readonly.db');
    fs.writeFileSync(file, metaBytes);
    fs.chmodSync(file, 0o444);
    const before = fs.statSync(file);
    await withBoltDatabase(file, (db) => db.bucketAt('v1', 'moby'));
    const after = fs.statSync(file);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.deepEqual(fs.readFileSync(file), metaBytes);
  });

  /** A data root holding the recorded metadata where Docker's own containerd keeps it; its containerd root. */
  function withDockersContainerd(dataRoot: string): string {
    const daemon = path.join(dataRoot, 'containerd', 'daemon');
    fs.mkdirSync(path.join(daemon, 'io.containerd.metadata.v1.bolt'), { recursive: true });
    fs.mkdirSync(path.join(daemon, 'io.containerd.snapshotter.v1.overlayfs'), { recursive: true });
    fs.writeFileSync(path.join(daemon, 'io.containerd.metadata.v1.bolt', 'meta.db'), metaBytes);
    fs.writeFileSync(path.join(daemon, 'io.containerd.snapshotter.v1.overlayfs', 'metadata.db'), snapshotBytes);
    return daemon;
  }

  it("locates the layers of an image under a data root as Docker's own containerd keeps it", async () => {
    const dataRoot = path.join(scratch, 'docker-root');
    const daemon = withDockersContainerd(dataRoot);
    const store = await ContainerdSnapshotStore.create({ kind: 'containerd-snapshotter', driver: 'overlayfs', dataRoot, location: 'local', rootless: false, limitation: { code: 'containerdSnapshots' } }, silentLogger);
    const chainIds = Object.keys(truth.snapshotFolders);
    const located = await store.locateLayers(undefined, [...chainIds, `sha256:${'0'.repeat(64)}`]);
    assert.deepEqual(
      located.slice(0, -1).map(({ location }) => location.kind === 'directory' && location.directory.diffDir),
      chainIds.map((chainId) => path.join(daemon, truth.snapshotFolders[chainId])),
    );
    assert.deepEqual(located[located.length - 1].location, { kind: 'unavailable', limitation: { code: 'notReported' } });
    const details = await store.folderDetails(located[0].location);
    assert.match(details!.description, /meta\.db names the snapshot/);
  });

  it("finds Docker's own containerd under the data root even when /info's socket path looks like a system one (a daemon with another --exec-root)", async function () {
    const dataRoot = path.join(scratch, 'docker-root-exec');
    const daemon = withDockersContainerd(dataRoot);
    if (fs.existsSync('/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db')) {
      skipBecause(this, 'this machine has a system containerd, which a system-looking socket rightly sends the lookup to first');
    }
    const store = await ContainerdSnapshotStore.create(
      { kind: 'containerd-snapshotter', driver: 'overlayfs', dataRoot, location: 'local', rootless: false, limitation: { code: 'containerdSnapshots' }, containerd: { address: '/opt/docker-exec/containerd/containerd.sock', namespace: 'moby' } },
      silentLogger,
    );
    const [chainId] = Object.keys(truth.snapshotFolders);
    const [located] = await store.locateLayers(undefined, [chainId]);
    assert.equal(located.location.kind === 'directory' && located.location.directory.diffDir, path.join(daemon, truth.snapshotFolders[chainId]));
  });

  it("checksums meta pages with FNV-1a 64 and reads Go's uvarints", () => {
    assert.equal(fnv1a64(Buffer.alloc(0)), 0xcbf29ce484222325n);
    assert.equal(fnv1a64(Buffer.from('a')), 0xaf63dc4c8601ec8cn);
    assert.deepEqual(readUvarint(Buffer.from([0x2c])), { value: 44, length: 1 });
    assert.deepEqual(readUvarint(Buffer.from([0xac, 0x02])), { value: 300, length: 2 });
    assert.equal(readUvarint(Buffer.from([0x80])), undefined, 'unfinished');
  });

  it("reads Go's signed varints (zigzag), as containerd's encodeInt writes them", () => {
    // binary.PutVarint: 3 → 0x06 (containerd 1.7's schema), 4 → 0x08 (2.x), -1 → 0x01, 150 → 0xac 0x02.
    assert.deepEqual(readVarint(Buffer.from([0x06])), { value: 3, length: 1 });
    assert.deepEqual(readVarint(Buffer.from([0x08])), { value: 4, length: 1 });
    assert.deepEqual(readVarint(Buffer.from([0x01])), { value: -1, length: 1 });
    assert.deepEqual(readVarint(Buffer.from([0xac, 0x02])), { value: 150, length: 2 });
    assert.equal(readVarint(Buffer.from([0xff])), undefined, 'unfinished');
  });
});
