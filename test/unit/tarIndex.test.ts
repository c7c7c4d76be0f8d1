/** The tar header indexer and the layer index over it, on crafted and GNU tar archives. */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArchiveLayerFileSystem } from '../../src/core/archive/archiveLayerFileSystem';
import { LayerIndex } from '../../src/core/archive/layerIndex';
import { indexTarFile } from '../../src/core/archive/tarFile';
import { TarEntry, TarFormatError, TarIndexer } from '../../src/core/archive/tarIndex';
import { LayerFsError } from '../../src/core/layerfs/layerFileSystem';
import { TarSpec, tarOf } from './helpers/tarBuilder';

function entriesOf(tar: Buffer, chunkSize = tar.length): TarEntry[] {
  const entries: TarEntry[] = [];
  const indexer = new TarIndexer((entry) => {
    entries.push(entry);
  });
  for (let at = 0; at < tar.length; at += chunkSize) {
    indexer.write(tar.subarray(at, at + chunkSize));
  }
  indexer.end();
  return entries;
}

let scratch: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-tar-'));
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A layer index and reader over a tar written to a file. */
async function layerOf(specs: TarSpec[]): Promise<ArchiveLayerFileSystem> {
  const file = path.join(scratch, `layer-${Math.random().toString(16).slice(2)}.tar`);
  fs.writeFileSync(file, tarOf(specs));
  const index = new LayerIndex();
  await indexTarFile(file, { offset: 0 }, (entry) => index.add(entry));
  return new ArchiveLayerFileSystem(index, { path: file, offset: 0 });
}

describe('TarIndexer', () => {
  const tar = tarOf([
    { name: 'app/', type: 'dir' },
    { name: 'app/hello.txt', content: 'hello\n', mode: 0o600 },
    { name: 'app/big.bin', content: Buffer.alloc(1300, 7) },
    { name: 'app/link', type: 'symlink', linkName: '/etc/shadow', sizeField: 999 },
    { name: 'app/again.txt', type: 'hardlink', linkName: 'app/hello.txt' },
    { name: 'fifo', type: 'fifo' },
  ]);

  it('gives every entry with its type, size, mode and the offset of its data', () => {
    const entries = entriesOf(tar);
    assert.deepEqual(
      entries.map((entry) => [entry.name, entry.type, entry.size]),
      [
        ['app/', 'directory', 0],
        ['app/hello.txt', 'file', 6],
        ['app/big.bin', 'file', 1300],
        ['app/link', 'symlink', 0],
        ['app/again.txt', 'hardlink', 0],
        ['fifo', 'fifo', 0],
      ],
    );
    const hello = entries[1];
    assert.equal(tar.toString('utf8', hello.dataOffset, hello.dataOffset + hello.size), 'hello\n');
    assert.equal(hello.mode, 0o600);
    assert.equal(hello.mtimeMs, 1_700_000_000_000);
    assert.equal(entries[3].linkName, '/etc/shadow');
    assert.equal(entries[2].dataOffset % 512, 0);
  });

  it('gives the same entries however the stream is cut into chunks', () => {
    const whole = entriesOf(tar);
    for (const size of [1, 7, 511, 512, 513, 4096]) {
      assert.deepEqual(entriesOf(tar, size), whole, `chunks of ${size}`);
    }
  });

  it('applies PAX path/linkpath and GNU long names', () => {
    const long = `${'deep/'.repeat(40)}file.txt`;
    const entries = entriesOf(
      tarOf([
        { name: long, content: 'pax', pax: true },
        { name: `${long}.link`, type: 'symlink', linkName: `/${'x'.repeat(150)}`, pax: true },
        { name: `${'gnu/'.repeat(40)}name.txt`, content: 'gnu', gnuLongName: true },
      ]),
    );
    assert.deepEqual(entries.map((entry) => entry.name), [long, `${long}.link`, `${'gnu/'.repeat(40)}name.txt`]);
    assert.equal(entries[1].linkName, `/${'x'.repeat(150)}`);
    assert.equal(entries[0].size, 3);
  });

  it('reads what GNU tar writes (gnu and pax formats, long names, links)', () => {
    const source = path.join(scratch, 'gnu-src');
    const long = 'a'.repeat(120);
    fs.mkdirSync(path.join(source, 'dir'), { recursive: true });
    fs.writeFileSync(path.join(source, 'dir', long), 'long name\n');
    fs.symlinkSync(long, path.join(source, 'dir', 'short-link'));
    fs.linkSync(path.join(source, 'dir', long), path.join(source, 'dir', 'hard'));
    for (const format of ['gnu', 'pax']) {
      const file = path.join(scratch, `gnu-${format}.tar`);
      execFileSync('tar', [`--format=${format}`, '--sort=name', '-C', source, '-cf', file, 'dir']);
      const tarBytes = fs.readFileSync(file);
      const entries = entriesOf(tarBytes);
      const byName = new Map(entries.map((entry) => [entry.name.replace(/\/$/, ''), entry]));
      const file120 = byName.get(`dir/${long}`);
      assert.ok(file120, `${format}: the long name survives`);
      assert.equal(tarBytes.toString('utf8', file120.dataOffset, file120.dataOffset + file120.size), 'long name\n');
      assert.equal(byName.get('dir/short-link')?.linkName, long);
      const hard = byName.get('dir/hard') ?? byName.get(`dir/${long}`);
      assert.ok(hard && [hard.type, byName.get(`dir/${long}`)?.type].includes('hardlink'), `${format}: one of the two names is a hard link`);
    }
  });

  it('says an archive cut inside an entry is truncated, and a bad header is corrupt', () => {
    const cutInData = tar.subarray(0, 512 * 2 + 100);
    assert.throws(() => entriesOf(cutInData), (error: unknown) => error instanceof TarFormatError && /truncated/.test(error.message));
    const cutInHeader = tar.subarray(0, 512 + 200);
    assert.throws(() => entriesOf(cutInHeader), /truncated/);
    const corrupt = Buffer.from(tar);
    corrupt[10] ^= 0xff;
    assert.throws(() => entriesOf(corrupt), /bad header checksum at byte 0/);
    assert.throws(() => entriesOf(Buffer.from('this is not a tar'.padEnd(512, 'x'))), TarFormatError);
  });

  it('accepts an archive without the end marker when it stops between entries', () => {
    assert.equal(entriesOf(tarOf([{ name: 'a', content: 'x' }], { end: false })).length, 1);
  });

  it('refuses a PAX record larger than any real one instead of buffering it', () => {
    const header = tarOf([{ name: 'x', content: 'y', pax: true }], { end: false });
    // Make the PAX header claim 100 MB.
    const lying = Buffer.from(header);
    lying.write('00575360400\0', 124, 'latin1');
    let sum = 0;
    lying.write('        ', 148, 'latin1');
    for (let i = 0; i < 512; i++) {
      sum += lying[i];
    }
    lying.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    assert.throws(() => entriesOf(lying), /PAX record of 100000000 bytes/);
  });
});

describe('LayerIndex and ArchiveLayerFileSystem', () => {
  it('turns whiteouts into deleted entries and .wh..wh..opq into an opaque folder', async () => {
    const layer = await layerOf([
      { name: 'data/.wh.doomed.txt' },
      { name: 'app/old/.wh..wh..opq' },
      { name: 'app/old/', type: 'dir' },
      { name: 'app/old/new.txt', content: 'new' },
    ]);
    const data = await layer.readDirectory('/data');
    assert.deepEqual(data.map((entry) => [entry.path, entry.kind]), [['/data/doomed.txt', 'whiteout']]);
    assert.equal((await layer.stat('/app/old')).kind, 'opaqueDirectory');
    assert.deepEqual((await layer.readDirectory('/app/old')).map((entry) => entry.name), ['new.txt'], 'the marker itself is no entry');
    assert.equal((await layer.stat('/app')).kind, 'directory', 'a missing parent folder is implied');
  });

  it('keeps hostile names inside the layer: ../ and absolute names land under its root', async () => {
    const layer = await layerOf([
      { name: '../../../../etc/passwd', content: 'fake passwd' },
      { name: '/abs/file', content: 'abs' },
      { name: './app/../app/x', content: 'x' },
    ]);
    assert.deepEqual((await layer.readDirectory('/')).map((entry) => entry.name).sort(), ['abs', 'app', 'etc']);
    assert.equal((await layer.readFile('/etc/passwd')).toString(), 'fake passwd', "the layer's own /etc/passwd, not the host's");
    assert.equal((await layer.readFile('/abs/file')).toString(), 'abs');
    assert.equal((await layer.readFile('/app/x')).toString(), 'x');
    assert.equal(layer.hostPath(), undefined, 'an archive entry has no host path');
  });

  it('reads a hard link as its target and describes a symbolic link without following it', async () => {
    const layer = await layerOf([
      { name: 'bin/busybox', content: 'BUSYBOX' },
      { name: 'bin/sh', type: 'hardlink', linkName: 'bin/busybox' },
      { name: 'bin/ls', type: 'symlink', linkName: '/etc/shadow' },
      { name: 'bin/dangling', type: 'hardlink', linkName: '../../nowhere' },
      { name: 'to-root', type: 'symlink', linkName: '/' },
    ]);
    assert.equal((await layer.stat('/bin/sh')).kind, 'hardlink');
    assert.equal((await layer.stat('/bin/sh')).linkTarget, '/bin/busybox');
    assert.equal((await layer.readFile('/bin/sh')).toString(), 'BUSYBOX');
    assert.equal((await layer.stat('/bin/ls')).linkTarget, '/etc/shadow');
    await assert.rejects(layer.readFile('/bin/ls'), (error: unknown) => error instanceof LayerFsError && error.code === 'notRegularFile');
    await assert.rejects(layer.readFile('/bin/dangling'), (error: unknown) => error instanceof LayerFsError && error.code === 'notFound');
    await assert.rejects(layer.readDirectory('/to-root'), (error: unknown) => error instanceof LayerFsError && error.code === 'notDirectory');
    await assert.rejects(layer.readFile('/to-root/etc/passwd'), (error: unknown) => error instanceof LayerFsError && error.code === 'notFound');
  });

  it('lets a later entry replace an earlier one at the same path (tar semantics)', async () => {
    const layer = await layerOf([
      { name: 'x/', type: 'dir' },
      { name: 'x/inner', content: 'inner' },
      { name: 'x', content: 'now a file' },
    ]);
    assert.equal((await layer.stat('/x')).kind, 'file');
    assert.equal((await layer.readFile('/x')).toString(), 'now a file');
    await assert.rejects(layer.stat('/x/inner'), LayerFsError);
  });

  it('reads file data by offset only, and refuses one over maxBytes', async () => {
    const layer = await layerOf([{ name: 'big', content: Buffer.alloc(70_000, 1) }]);
    assert.equal((await layer.readFile('/big')).length, 70_000);
    await assert.rejects(layer.readFile('/big', { maxBytes: 1000 }), (error: unknown) => error instanceof LayerFsError && error.code === 'tooLarge');
  });
});
