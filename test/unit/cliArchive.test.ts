/** `docker-layers ls` and `diff` on a saved archive: no daemon at all. */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { ImageDiffJson } from '../../src/cli/commands/diff';
import { ImageJson } from '../../src/cli/commands/ls';
import { savedArchive } from './helpers/archiveBuilder';
import { runCli } from './helpers/runCli';
import { tarOf } from './helpers/tarBuilder';

describe('docker-layers on a saved archive (no daemon)', () => {
  let scratch: string;
  let archive: string;
  let ids: string[];
  /** No daemon anywhere: a socket path that does not exist. */
  const noDaemon = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', XDG_CACHE_HOME: '' };

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-cli-archive-'));
    noDaemon.XDG_CACHE_HOME = path.join(scratch, 'cache');
    const base = tarOf([{ name: 'etc/os-release', content: 'ID=test\n' }, { name: 'data/doomed.txt', content: 'doomed' }, { name: 'app/old/a.txt', content: 'a' }]);
    const change = tarOf([
      { name: 'etc/os-release', content: 'ID=changed\n' },
      { name: 'data/.wh.doomed.txt' },
      { name: 'app/old/.wh..wh..opq' },
      { name: 'app/old/b.txt', content: 'bb' },
      { name: 'bin/\u001b]0;pwned\u0007evil', content: 'x' },
    ]);
    const saved = savedArchive([
      { repoTags: ['acc/app:1'], layers: [base, change], history: [{ created_by: '/bin/sh -c #(nop) ADD file:abc in /' }, { created_by: '/bin/sh -c change things' }, { created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true }] },
      { repoTags: ['acc/base:1'], layers: [base] },
    ]);
    ids = saved.ids;
    archive = path.join(scratch, 'images.tar');
    fs.writeFileSync(archive, saved.bytes);
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('ls ARCHIVE --json lists every image in it, with the exact history of its config', async () => {
    const { code, stdout, stderr } = await runCli(['ls', archive, '--json'], noDaemon);
    assert.equal(code, 0, stderr);
    const images = JSON.parse(stdout) as ImageJson[];
    assert.deepEqual(images.map((image) => [image.id, image.tags, image.layers.length]), [
      [ids[0], ['acc/app:1'], 2],
      [ids[1], ['acc/base:1'], 1],
    ]);
    assert.equal(images[0].layers[1].createdBy, '/bin/sh -c change things');
    assert.equal(images[0].layers[0].size, 8 + 6 + 1, "a layer's size is the sum of its tar's file sizes");
    assert.equal(images[0].layers[0].diffDir, null, 'an archive layer has no folder');
  });

  it('diff ARCHIVE --json gives added, modified and deleted per layer, as the contract says', async () => {
    const { stderr } = await runCli(['diff', archive, '--json'], noDaemon);
    assert.match(stderr, /holds 2 images; diff one of them/);
    const single = path.join(scratch, 'app.tar');
    fs.writeFileSync(single, savedArchive([{ repoTags: ['acc/app:1'], layers: [tarOf([{ name: 'etc/os-release', content: 'ID=test\n' }, { name: 'data/doomed.txt', content: 'doomed' }, { name: 'app/old/a.txt', content: 'a' }]), tarOf([{ name: 'etc/os-release', content: 'ID=changed\n' }, { name: 'data/.wh.doomed.txt' }, { name: 'app/old/.wh..wh..opq' }, { name: 'app/old/b.txt', content: 'bb' }])] }]).bytes);
    const { code, stdout } = await runCli(['diff', single, '--json'], noDaemon);
    assert.equal(code, 0);
    const diff = JSON.parse(stdout) as ImageDiffJson;
    assert.deepEqual(Object.keys(diff), ['image', 'platform', 'layers']);
    assert.deepEqual(diff.layers[0].added, [
      { path: '/app/old/a.txt', size: 1 },
      { path: '/data/doomed.txt', size: 6 },
      { path: '/etc/os-release', size: 8 },
    ]);
    assert.deepEqual(diff.layers[1], {
      index: 1,
      chainId: diff.layers[1].chainId,
      added: [{ path: '/app/old/b.txt', size: 2 }],
      modified: [{ path: '/etc/os-release', size: 11 }],
      deleted: [{ path: '/app/old', opaque: true }, { path: '/data/doomed.txt' }],
    });
    assert.match(diff.layers[1].chainId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(stdout, `${JSON.stringify(diff, null, 2)}\n`, 'printed in pieces, exactly as JSON.stringify prints it');
  });

  it('diff --json streams large layers and empty lists in the same shape JSON.stringify gives', async () => {
    const files = Array.from({ length: 3000 }, (_, i) => ({ name: `many/f${String(i).padStart(4, '0')}"\u00e9`, content: 'x'.repeat(i % 7) }));
    const wide = path.join(scratch, 'wide.tar');
    fs.writeFileSync(wide, savedArchive([{ repoTags: ['acc/wide:1'], layers: [tarOf(files), tarOf([{ name: 'many/.wh.f0000"\u00e9' }])] }]).bytes);
    const { code, stdout, stderr } = await runCli(['diff', wide, '--json'], noDaemon);
    assert.equal(code, 0, stderr);
    const diff = JSON.parse(stdout) as ImageDiffJson;
    assert.equal(diff.layers[0].added.length, 3000);
    assert.deepEqual(diff.layers[0].added[2], { path: '/many/f0002"\u00e9', size: 2 });
    assert.deepEqual([diff.layers[1].added, diff.layers[1].modified, diff.layers[1].deleted], [[], [], [{ path: '/many/f0000"\u00e9' }]]);
    assert.equal(stdout, `${JSON.stringify(diff, null, 2)}\n`);
  });

  it('prints names from an archive without terminal escapes', async () => {
    const { code, stdout } = await runCli(['ls', archive], noDaemon);
    assert.equal(code, 0);
    assert.match(stdout, /acc\/app:1/);
    const evil = path.join(scratch, 'evil.tar');
    fs.writeFileSync(evil, savedArchive([{ repoTags: ['acc/evil:1'], layers: [tarOf([{ name: 'bin/\u001b]0;pwned\u0007evil', content: 'x' }])] }]).bytes);
    const diff = await runCli(['diff', evil], noDaemon);
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /A \/bin\/\]0;pwnedevil/);
    assert.doesNotMatch(diff.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('says clearly when the archive is not one', async () => {
    const junk = path.join(scratch, 'junk.tar');
    fs.writeFileSync(junk, 'not a tar at all'.repeat(100));
    const { code, stderr } = await runCli(['diff', junk], noDaemon);
    assert.equal(code, 1);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.match(stderr, /is not a usable image archive: not a tar archive, or corrupt/);
  });

  it('says in one line that a cut .tar.gz is truncated, and keeps no decompressed copy of it', async () => {
    const whole = fs.readFileSync(archive);
    const copies = path.join(noDaemon.XDG_CACHE_HOME, 'docker-layer-explorer', 'files', 'archives');
    const cases = [
      // The gzip stream itself ends early.
      { name: 'cut-gzip.tar.gz', bytes: zlib.gzipSync(whole).subarray(0, 600), message: /cut-gzip\.tar\.gz is not a usable image archive: cannot decompress the gzip archive \(truncated or corrupt\): unexpected end of file$/ },
      // A whole gzip stream of a tar that ends inside an entry.
      { name: 'cut-tar.tar.gz', bytes: zlib.gzipSync(whole.subarray(0, 1800)), message: /cut-tar\.tar\.gz is not a usable image archive: the archive is truncated: it ends inside an entry at byte \d+$/ },
    ];
    for (const { name, bytes, message } of cases) {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, bytes);
      const { code, stderr } = await runCli(['ls', file], noDaemon);
      assert.equal(code, 1, name);
      assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
      assert.match(stderr.trimEnd(), message);
      assert.deepEqual(fs.existsSync(copies) ? fs.readdirSync(copies) : [], [], `${name}: no copy of it is left in the cache`);
    }
  });
});
