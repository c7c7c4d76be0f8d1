/**
 * Image archives in both layouts `docker save` writes (before and from Engine 25), an OCI layout
 * folder, gzip and zstd blobs, a gzipped archive, and broken ones.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { ArchiveFormatError, ImageArchive, decompressedCopyLimit } from '../../src/core/archive/imageArchive';
import { ArchivePreindex, StreamingArchiveIndexer } from '../../src/core/archive/streamingArchiveIndexer';
import { fileIdentity } from '../../src/core/archive/tarFile';
import { FIXTURES_DIR } from './helpers/fixtures';
import { imageConfigOf, ociArchive, savedArchive, sha256 } from './helpers/archiveBuilder';
import { TarSpec, tarOf } from './helpers/tarBuilder';


/** The layer tar of test/fixtures/archives/layer-zstd.tar.zst, before compression (see test/fixtures/README.md). */
const ZSTD_LAYER = fs.readFileSync(path.join(FIXTURES_DIR, 'archives', 'layer-zstd.tar.zst'));
const ZSTD_LAYER_DIFF_ID = 'sha256:de2c00815b366d24a6cd350aec66a3996a589a54a9cf17e34ab0e450a6a396bd';

const baseLayer = tarOf([
  { name: 'etc/', type: 'dir' },
  { name: 'etc/os-release', content: 'ID=test\n' },
  { name: 'data/doomed.txt', content: 'doomed' },
]);
const copyLayer = tarOf([{ name: 'payload.txt', content: 'payload\n' }]);
const deleteLayer = tarOf([{ name: 'data/.wh.doomed.txt' }]);

let scratch: string;
let cacheDir: string;
before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-archive-'));
  cacheDir = path.join(scratch, 'cache');
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function write(name: string, data: Buffer): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, data);
  return file;
}

/** `docker save` before Engine 25: <id>/layer.tar, <config hex>.json, a repeated layer as a symlink. */
function classicArchive(leading: TarSpec[] = []): { file: string; configHex: string; bytes: Buffer } {
  const layers = [baseLayer, copyLayer, copyLayer, deleteLayer];
  const diffIds = layers.map((layer) => `sha256:${sha256(layer)}`);
  const config = imageConfigOf(diffIds);
  const configHex = sha256(config);
  const ids = ['aaa', 'bbb', 'ccc', 'ddd'].map((prefix) => prefix.padEnd(64, '0'));
  const specs: TarSpec[] = [...leading];
  layers.forEach((layer, index) => {
    specs.push({ name: `${ids[index]}/`, type: 'dir' }, { name: `${ids[index]}/VERSION`, content: '1.0' });
    // The second copy of the same layer is a symlink to the first, as docker save writes it.
    specs.push(index === 2 ? { name: `${ids[2]}/layer.tar`, type: 'symlink', linkName: `../${ids[1]}/layer.tar` } : { name: `${ids[index]}/layer.tar`, content: layer });
  });
  specs.push(
    { name: `${configHex}.json`, content: config },
    { name: 'repositories', content: '{}' },
    { name: 'manifest.json', content: JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ['acc/classic:1'], Layers: ids.map((id) => `${id}/layer.tar`) }]) },
  );
  const bytes = tarOf(specs);
  return { file: write('classic.tar', bytes), configHex, bytes };
}

/** `docker save` from Engine 25 (OCI layout with manifest.json), blobs gzip and zstd as the containerd store keeps them. */
function ociSpecs(attestation?: object, withManifestJson = false): { specs: TarSpec[]; configHex: string } {
  const gzipped = zlib.gzipSync(baseLayer);
  const config = imageConfigOf([`sha256:${sha256(baseLayer)}`, ZSTD_LAYER_DIFF_ID]);
  const configHex = sha256(config);
  const blobs = new Map<string, Buffer>([
    [sha256(gzipped), gzipped],
    [sha256(ZSTD_LAYER), ZSTD_LAYER],
    [configHex, config],
  ]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configHex}` },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${sha256(gzipped)}` },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: `sha256:${sha256(ZSTD_LAYER)}` },
      ],
    }),
  );
  blobs.set(sha256(manifest), manifest);
  let index = { schemaVersion: 2, manifests: [{ digest: `sha256:${sha256(manifest)}`, annotations: { 'io.containerd.image.name': 'docker.io/acc/oci:2' } }] };
  if (attestation) {
    // As Docker 26's containerd store saves a BuildKit image with provenance: index.json → an image
    // index → the image's manifest and an attestation manifest for platform unknown/unknown.
    const statement = Buffer.from(JSON.stringify(attestation));
    const attestationConfig = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(statement)}`] } }));
    const attestationManifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(attestationConfig)}` },
        layers: [{ mediaType: 'application/vnd.in-toto+json', digest: `sha256:${sha256(statement)}`, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }],
      }),
    );
    const imageIndex = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256(manifest)}`, platform: { architecture: 'amd64', os: 'linux' } },
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${sha256(attestationManifest)}`,
            annotations: { 'vnd.docker.reference.digest': `sha256:${sha256(manifest)}`, 'vnd.docker.reference.type': 'attestation-manifest' },
            platform: { architecture: 'unknown', os: 'unknown' },
          },
        ],
      }),
    );
    for (const blob of [statement, attestationConfig, attestationManifest, imageIndex]) {
      blobs.set(sha256(blob), blob);
    }
    index = { schemaVersion: 2, manifests: [{ digest: `sha256:${sha256(imageIndex)}`, annotations: { 'io.containerd.image.name': 'docker.io/acc/oci:2' } }] };
  }
  const specs: TarSpec[] = [{ name: 'blobs/', type: 'dir' }, { name: 'blobs/sha256/', type: 'dir' }];
  for (const [hex, data] of blobs) {
    specs.push({ name: `blobs/sha256/${hex}`, content: data });
  }
  specs.push({ name: 'index.json', content: JSON.stringify(index) }, { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' });
  if (withManifestJson) {
    // Engine 25+'s docker save: manifest.json as well, which names no attestation.
    const layers = [sha256(zlib.gzipSync(baseLayer)), sha256(ZSTD_LAYER)].map((hex) => `blobs/sha256/${hex}`);
    specs.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `blobs/sha256/${configHex}`, RepoTags: ['acc/oci:2'], Layers: layers }]) });
  }
  return { specs, configHex };
}

describe('ImageArchive', () => {
  it('opens the classic layout: images, tags, diff IDs, layers through a symlinked layer.tar', async () => {
    const { file, configHex } = classicArchive();
    const archive = await ImageArchive.open(file, { cacheDir });
    assert.equal(archive.images.length, 1);
    const [image] = archive.images;
    assert.equal(image.id, `sha256:${configHex}`);
    assert.deepEqual(image.repoTags, ['acc/classic:1']);
    assert.equal(image.diffIds.length, 4);
    assert.equal(image.diffIds[1], image.diffIds[2], 'the same COPY twice');
    const base = await archive.layer(image, 0);
    assert.equal((await base.readFile('/etc/os-release')).toString(), 'ID=test\n');
    const repeated = await archive.layer(image, 2);
    assert.equal((await repeated.readFile('/payload.txt')).toString(), 'payload\n', 'the symlinked copy reads the first one');
    const removal = await archive.layer(image, 3);
    assert.deepEqual((await removal.readDirectory('/data')).map((entry) => [entry.name, entry.kind]), [['doomed.txt', 'whiteout']]);
    assert.equal(await archive.layer(image, 0), base, 'a layer is indexed once');
    assert.deepEqual(fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [], [], 'an uncompressed archive is read in place: nothing cached');
  });

  it('opens the OCI layout of Engine 25+ with gzip and zstd layer blobs, naming the image from index.json', async () => {
    const { specs, configHex } = ociSpecs();
    const file = write('oci.tar', tarOf(specs));
    const archive = await ImageArchive.open(file, { cacheDir });
    const [image] = archive.images;
    assert.equal(image.id, `sha256:${configHex}`);
    assert.deepEqual(image.repoTags, ['docker.io/acc/oci:2']);
    assert.equal((await (await archive.layer(image, 0)).readFile('/etc/os-release')).toString(), 'ID=test\n', 'gzip blob');
    const zstd = await archive.layer(image, 1);
    assert.equal((await zstd.readFile('/app/hello.txt')).toString(), 'zstd layer\n', 'zstd blob');
    assert.equal((await zstd.stat('/app/gone')).kind, 'whiteout');
    const decompressed = fs.readdirSync(path.join(cacheDir, 'layers'));
    assert.equal(decompressed.length >= 2, true, 'compressed blobs are decompressed once into the cache');
    assert.ok(decompressed.every((name) => name.endsWith('.tar')), 'no partial files are left');
    assert.equal(`sha256:${sha256(fs.readFileSync(path.join(cacheDir, 'layers', decompressed.find((name) => fs.statSync(path.join(cacheDir, 'layers', name)).size === 10240)!)))}`, ZSTD_LAYER_DIFF_ID);
  });

  for (const withManifestJson of [false, true]) {
    it(`keeps BuildKit attestations with the image they describe, not as an image of their own (${withManifestJson ? 'docker save with manifest.json' : 'OCI index only'})`, async () => {
      const statement = { _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2', predicate: { builder: { id: '' } } };
      const { specs, configHex } = ociSpecs(statement, withManifestJson);
      const archive = await ImageArchive.open(write(`attested-${withManifestJson}.tar`, tarOf(specs)), { cacheDir });
      assert.deepEqual(archive.images.map((image) => image.id), [`sha256:${configHex}`], 'no unknown/unknown image');
      const [image] = archive.images;
      assert.equal(image.attestations.length, 1);
      assert.equal(image.attestations[0].predicateType, 'https://slsa.dev/provenance/v0.2');
      assert.deepEqual(await archive.attestation(image.attestations[0].entry), statement);
      assert.equal(await archive.attestation('blobs/sha256/0000'), undefined);
    });
  }

  it('opens an OCI layout folder (no manifest.json) and a gzipped docker save', async () => {
    const { specs } = ociSpecs();
    const folder = path.join(scratch, 'oci-folder');
    for (const spec of specs) {
      const target = path.join(folder, spec.name);
      if (spec.type === 'dir') {
        fs.mkdirSync(target, { recursive: true });
      } else {
        fs.writeFileSync(target, spec.content ?? '');
      }
    }
    const fromFolder = await ImageArchive.open(folder, { cacheDir });
    assert.equal((await (await fromFolder.layer(fromFolder.images[0], 1)).readFile('/etc/one')).toString(), 'x');
    const gzipped = write('classic.tar.gz', zlib.gzipSync(fs.readFileSync(classicArchive().file)));
    const fromGzip = await ImageArchive.open(gzipped, { cacheDir });
    assert.equal((await (await fromGzip.layer(fromGzip.images[0], 1)).readFile('/payload.txt')).toString(), 'payload\n');
  });

  it('says clearly what is wrong with a truncated, foreign or inconsistent archive', async () => {
    const { file } = classicArchive();
    const whole = fs.readFileSync(file);
    const expectFormatError = async (name: string, data: Buffer, message: RegExp) => {
      const broken = write(name, data);
      await assert.rejects(ImageArchive.open(broken, { cacheDir }), (error: unknown) => {
        assert.ok(error instanceof ArchiveFormatError, String(error));
        assert.match(error.message, message);
        assert.ok(error.message.startsWith(broken), 'it names the archive');
        return true;
      });
    };
    await expectFormatError('truncated.tar', whole.subarray(0, Math.floor(whole.length / 2) + 100), /: the archive is truncated: it ends inside an entry at byte \d+$/);
    await expectFormatError('foreign.tar', tarOf([{ name: 'hello.txt', content: 'hi' }]), /neither manifest\.json .* nor index\.json/);
    await expectFormatError('not-json.tar', tarOf([{ name: 'manifest.json', content: '{oops' }]), /manifest\.json is not JSON/);
    await expectFormatError('missing-config.tar', tarOf([{ name: 'manifest.json', content: JSON.stringify([{ Config: 'nope.json', Layers: [] }]) }]), /config nope\.json is not in it/);
    await expectFormatError('garbage.tar', Buffer.alloc(2048, 0x41), /bad header checksum/);
    await assert.rejects(ImageArchive.open(path.join(scratch, 'nowhere.tar'), { cacheDir }), /does not exist/);
  });

  it('says a layer named in the manifest is missing, and reads nothing for a corrupt gzip blob', async () => {
    const config = imageConfigOf([`sha256:${'1'.repeat(64)}`]);
    const hex = sha256(config);
    const missing = write('missing-layer.tar', tarOf([{ name: `${hex}.json`, content: config }, { name: 'manifest.json', content: JSON.stringify([{ Config: `${hex}.json`, Layers: ['gone/layer.tar'] }]) }]));
    const archive = await ImageArchive.open(missing, { cacheDir });
    await assert.rejects(archive.layer(archive.images[0], 0), /the layer gone\/layer\.tar named in its manifest is not in it/);
    const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(200, 0x55)]);
    const broken = write('corrupt-gzip.tar', tarOf([{ name: `${hex}.json`, content: config }, { name: 'layer', content: corrupt }, { name: 'manifest.json', content: JSON.stringify([{ Config: `${hex}.json`, Layers: ['layer'] }]) }]));
    const brokenArchive = await ImageArchive.open(broken, { cacheDir });
    await assert.rejects(brokenArchive.layer(brokenArchive.images[0], 0), (error: unknown) => {
      assert.ok(error instanceof ArchiveFormatError, 'a corrupt blob is a format error (the CLI prints it as one line), not a bug');
      assert.match(error.message, /^\S+corrupt-gzip\.tar is not a usable image archive: layer layer: cannot decompress its gzip blob \(truncated or corrupt\): [^\n]+$/);
      return true;
    });
    assert.ok(fs.readdirSync(path.join(cacheDir, 'layers')).every((name) => !name.includes('partial')), 'the partial copy is removed');
  });
});

describe('decompressedCopyLimit (a small hostile .gz or .zst cannot fill the disk)', () => {
  const MiB = 1024 * 1024;
  it("is the cache's limit; without one (or 0, keep nothing), 200 times the compressed size, at least 1 GiB", () => {
    assert.equal(decompressedCopyLimit(5 * MiB, 10 * MiB), 5 * MiB);
    assert.equal(decompressedCopyLimit(undefined, 10 * MiB), 2000 * MiB);
    assert.equal(decompressedCopyLimit(0, 10 * MiB), 2000 * MiB);
    assert.equal(decompressedCopyLimit(Number.POSITIVE_INFINITY, 1000), 1024 * MiB);
    assert.equal(decompressedCopyLimit(Number.NaN, 1000), 1024 * MiB);
  });
});

describe('ImageArchive: the empty layer blob (dive #575)', () => {
  /** What an empty layer is stored as: nothing at all, or just the end-of-archive marker; plain, or gzip as pulled. */
  const emptyBlobs = {
    '0 bytes': Buffer.alloc(0),
    'two zero blocks': Buffer.alloc(1024),
    'gzip of 0 bytes': zlib.gzipSync(Buffer.alloc(0)),
    'gzip of two zero blocks': zlib.gzipSync(Buffer.alloc(1024)),
  };
  const layers = [baseLayer, ...Object.values(emptyBlobs), copyLayer];
  const diffIds = [baseLayer, Buffer.alloc(0), Buffer.alloc(1024), Buffer.alloc(0), Buffer.alloc(1024), copyLayer].map((layer) => `sha256:${sha256(layer)}`);
  const layouts = {
    'classic <id>/layer.tar': savedArchive([{ repoTags: ['acc/empty:1'], layers, diffIds }]).bytes,
    'OCI blobs/sha256/<hex>': ociArchive([{ repoTags: ['acc/empty:1'], layers, diffIds }]).bytes,
  };

  for (const [layout, bytes] of Object.entries(layouts)) {
    for (const preindexed of [false, true]) {
      it(`reads each as a layer with no files, between two that have some (${layout}${preindexed ? ', indexed while downloaded' : ''})`, async () => {
        const file = write(`empty-${layout.split(' ')[0]}-${preindexed}.tar`, bytes);
        let index: ArchivePreindex | undefined;
        if (preindexed) {
          const indexer = new StreamingArchiveIndexer();
          indexer.write(bytes);
          index = indexer.finish();
          assert.ok(index, 'the archive is a whole tar');
        }
        const archive = await ImageArchive.open(file, { cacheDir: path.join(scratch, `empty-cache-${layout.split(' ')[0]}-${preindexed}`), preindexed: index });
        const [image] = archive.images;
        assert.equal(image.layerEntries.length, 6);
        for (const [at, name] of Object.keys(emptyBlobs).entries()) {
          const layer = await archive.layer(image, at + 1);
          assert.deepEqual([...layer.index.all()], [], name);
          assert.deepEqual(await layer.readDirectory('/'), [], name);
          assert.equal(layer.index.tarContentBytes, 0, name);
        }
        assert.equal((await (await archive.layer(image, 0)).readFile('/etc/os-release')).toString(), 'ID=test\n');
        assert.equal((await (await archive.layer(image, 5)).readFile('/payload.txt')).toString(), 'payload\n', 'the layer after the empty ones');
      });
    }
  }
});

describe('StreamingArchiveIndexer (the archive indexed while it downloads)', () => {
  function preindex(bytes: Buffer, chunkSize: number): ArchivePreindex | undefined {
    const indexer = new StreamingArchiveIndexer();
    for (let at = 0; at < bytes.length; at += chunkSize) {
      indexer.write(bytes.subarray(at, at + chunkSize));
    }
    return indexer.finish();
  }

  async function listing(archive: ImageArchive): Promise<string[]> {
    const lines: string[] = [];
    for (const image of archive.images) {
      for (let index = 0; index < image.layerEntries.length; index++) {
        const layer = await archive.layer(image, index);
        for (const entry of [...layer.index.all()].sort((a, b) => a.path.localeCompare(b.path))) {
          lines.push(`${index} ${entry.path} ${entry.kind} ${entry.size} ${entry.kind === 'file' ? (await layer.readFile(entry.path)).toString('hex') : ''}`);
        }
      }
    }
    return lines;
  }

  it('gives the same images and layers as reading the file, however the stream is cut', async () => {
    const { file } = classicArchive();
    const bytes = fs.readFileSync(file);
    const expected = await listing(await ImageArchive.open(file, { cacheDir }));
    for (const chunkSize of [1, 511, 4096, bytes.length]) {
      const indexed = preindex(bytes, chunkSize);
      assert.ok(indexed, `chunks of ${chunkSize}`);
      assert.equal(indexed.layers.size, 3, 'the three layer.tar files (the fourth is a symlink); no JSON, no VERSION file');
      assert.deepEqual(await listing(await ImageArchive.open(file, { cacheDir, preindexed: indexed })), expected, `chunks of ${chunkSize}`);
    }
  });

  it('reads no tar header of the file again: a layer whose headers were wiped on disk still lists', async () => {
    const { file } = classicArchive();
    const bytes = fs.readFileSync(file);
    const indexed = preindex(bytes, 1000)!;
    assert.equal(indexed.layers.size, 3);
    const expected = await listing(await ImageArchive.open(file, { cacheDir, preindexed: indexed }));
    // Wipe the first header of every indexed layer tar: only a re-read would notice.
    const wiped = Buffer.from(bytes);
    for (const offset of indexed.layers.keys()) {
      wiped.fill(0x20, offset, offset + 512);
    }
    const copy = write('wiped.tar', wiped);
    await assert.rejects(listing(await ImageArchive.open(copy, { cacheDir })), /not a usable image archive/);
    const again = preindex(bytes, 1000)!;
    const lines = await listing(await ImageArchive.open(copy, { cacheDir, preindexed: again }));
    assert.deepEqual(lines.map((line) => line.split(' ').slice(0, 4).join(' ')), expected.map((line) => line.split(' ').slice(0, 4).join(' ')));
  });

  it("stands only for the file it was written to: another file in its place (another process's download) is read itself", async () => {
    const { bytes } = classicArchive();
    const target = write('replaced.tar', bytes);
    const indexed = { ...preindex(bytes, 4096)!, identity: fileIdentity(fs.statSync(target)) };
    // Another download of the same image, laid out otherwise (a file first), renamed into its place.
    const shifted = classicArchive([{ name: 'filler', content: 'f'.repeat(1500) }]).bytes;
    fs.writeFileSync(path.join(scratch, 'replaced.tar.other'), shifted);
    fs.renameSync(path.join(scratch, 'replaced.tar.other'), target);
    const archive = await ImageArchive.open(target, { cacheDir, preindexed: indexed });
    assert.equal((await (await archive.layer(archive.images[0], 1)).readFile('/payload.txt')).toString(), 'payload\n');
  });

  it('leaves compressed blobs to decompression, and gives nothing for a stream that is not a whole tar', async () => {
    const { specs } = ociSpecs();
    const bytes = tarOf(specs);
    const file = write('oci-stream.tar', bytes);
    const indexed = preindex(bytes, 777)!;
    assert.equal(indexed.layers.size, 0, 'gzip and zstd blobs are not tars');
    assert.deepEqual(await listing(await ImageArchive.open(file, { cacheDir, preindexed: indexed })), await listing(await ImageArchive.open(file, { cacheDir })));
    assert.equal(preindex(bytes.subarray(0, bytes.length - 3000), 4096), undefined, 'truncated');
    assert.equal(preindex(Buffer.from('not a tar at all'.repeat(64)), 100), undefined, 'not a tar');
  });
});
