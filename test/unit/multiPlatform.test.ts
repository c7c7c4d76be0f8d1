/**
 * Multi-platform images (an image index of several platforms): in a saved archive (a bare OCI
 * layout, and `docker save` of Docker 26's containerd store, which adds manifest.json for one), and
 * on the containerd store read as root from a content store and the recorded bolt files: which
 * platform is shown, picking another (the view's choosePlatform, the CLI's --platform), files
 * that follow, and what is said when a platform is not here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import * as zlib from 'zlib';
import { ImageDiffJson } from '../../src/cli/commands/diff';
import { ImageJson } from '../../src/cli/commands/ls';
import { knownErrorMessage } from '../../src/cli/knownErrors';
import { limitationText } from '../../src/cli/limitationText';
import { ArchiveCache } from '../../src/core/archive/archiveCache';
import { ArchiveEngine } from '../../src/core/archive/archiveEngine';
import { ImageArchive } from '../../src/core/archive/imageArchive';
import { EngineApi } from '../../src/core/engine/engineApi';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { ImageInspect } from '../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { LayerFileSystem } from '../../src/core/layerfs/layerFileSystem';
import { silentLogger } from '../../src/core/logger';
import { Platform, PlatformNotFoundError, formatPlatform, hostPlatform, matchPlatform, parsePlatform } from '../../src/core/model/platform';
import { ArchiveStore } from '../../src/core/storage/archive/archiveStore';
import { LayerUnavailableError } from '../../src/core/storage/openLocation';
import { containerdInfoFixture } from './helpers/containerFixtures';
import { MultiPlatformImage, layerTar, multiPlatformArchive, multiPlatformImage } from './helpers/multiPlatformBuilder';
import { runCli } from './helpers/runCli';

const AMD64 = 'linux/amd64';
const ARM64 = 'linux/arm64/v8';

function twoPlatforms(options: { amd64DiffIds?: string[] } = {}): MultiPlatformImage {
  return multiPlatformImage(
    [
      { os: 'linux', architecture: 'amd64', layers: [layerTar({ 'etc/platform': 'linux/amd64\n' }), layerTar({ 'only-amd64.txt': 'amd64' })], diffIds: options.amd64DiffIds },
      { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [layerTar({ 'etc/platform': 'linux/arm64\n' }), layerTar({ 'only-arm64.txt': 'arm64!' })] },
    ],
    { attestation: true },
  );
}

/** The platform an archive shows by default: this machine's when the image has it, else the first. */
function defaultPlatformName(image: MultiPlatformImage): string {
  return image.platforms.find((each) => matchPlatform(hostPlatform(), [{ platform: parsePlatform(each.name)! }]))?.name ?? image.platforms[0].name;
}

async function names(files: LayerFileSystem, folder = '/'): Promise<string[]> {
  return (await files.readDirectory(folder)).map((entry) => entry.name).sort();
}

describe('multi-platform images in a saved archive', () => {
  let scratch: string;
  const image = twoPlatforms();
  const [amd64, arm64] = image.platforms;

  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-multi-platform-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const write = (name: string, bytes: Buffer) => {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const open = (file: string) => ImageArchive.open(file, { cacheDir: path.join(scratch, 'cache') });
  const catalogOf = (archive: ImageArchive, platform?: Platform) => new ImageCatalog(new ArchiveEngine(archive), silentLogger, { store: new ArchiveStore(archive), ...(platform ? { platform } : {}) });

  it('lists an index of two platforms as one image that names both (a bare OCI layout)', async () => {
    const archive = await open(write('layout.tar', multiPlatformArchive(image, { tag: 'acc/mp:1' })));
    assert.equal(archive.images.length, 1, 'one image, not one per platform');
    const [listed] = archive.images;
    assert.deepEqual(listed.repoTags, ['acc/mp:1'], 'the tag index.json names');
    assert.deepEqual(
      listed.platforms?.map((each) => [formatPlatform(each.platform), each.manifestDigest, each.present, each.image?.diffIds]),
      [
        [AMD64, amd64.manifestDigest, true, amd64.diffIds],
        [ARM64, arm64.manifestDigest, true, arm64.diffIds],
      ],
      'the attestation manifest is no platform',
    );
    assert.equal(formatPlatform(listed.platform!), defaultPlatformName(image));
  });

  it('reads what docker save writes on the containerd store: manifest.json names the platform shown, index.json all', async () => {
    const archive = await open(write('saved.tar', multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: AMD64 })));
    assert.equal(archive.images.length, 1);
    const [listed] = archive.images;
    assert.equal(listed.id, amd64.configDigest, "manifest.json's image");
    assert.deepEqual(listed.repoTags, ['acc/mp:1']);
    assert.equal(formatPlatform(listed.platform!), AMD64);
    assert.equal(listed.manifestDigest, amd64.manifestDigest);
    assert.deepEqual(listed.platforms?.map((each) => each.image?.id), [amd64.configDigest, arm64.configDigest]);
  });

  it('shows the default platform, then the one picked: layers, files and history follow', async () => {
    const archive = await open(write('pick.tar', multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: AMD64 })));
    const catalog = catalogOf(archive);
    const id = archive.images[0].id;
    const shown = await catalog.imageLayers(id);
    assert.equal(formatPlatform(shown.platform!), AMD64);
    assert.deepEqual(shown.layers.map((layer) => layer.diffId), amd64.diffIds);
    assert.equal(shown.platforms?.shown, amd64.manifestDigest);
    assert.deepEqual(await names(await catalog.openLayer({ owner: 'image', imageId: id, index: 1 }, 'files')), ['only-amd64.txt']);
    assert.equal((await catalog.fileHistory(id)).changes[1].added[0].path, '/only-amd64.txt');

    const armChoice = shown.platforms.choices.find((choice) => choice.manifestDigest === arm64.manifestDigest)!;
    catalog.choosePlatform(id, armChoice);
    assert.equal(formatPlatform(catalog.platformShown(id)!), ARM64, 'the row names it before the layers are read again');
    const picked = await catalog.imageLayers(id);
    assert.equal(picked.image.id, id, 'the same image');
    assert.equal(formatPlatform(picked.platform!), ARM64);
    assert.deepEqual(picked.layers.map((layer) => layer.diffId), arm64.diffIds);
    assert.equal(picked.platforms?.shown, arm64.manifestDigest);
    assert.equal(picked.layers[1].step?.createdBy, '/bin/sh -c step 1 # arm64', "the platform's own history");
    assert.deepEqual(await names(await catalog.openLayer({ owner: 'image', imageId: id, index: 1 }, 'files')), ['only-arm64.txt']);
    assert.equal((await catalog.fileHistory(id)).changes[1].added[0].path, '/only-arm64.txt');
    assert.equal((await catalog.imageEfficiency(id)).sizeBytes, 'linux/arm64\n'.length + 'arm64!'.length);

    catalog.choosePlatform(id, undefined);
    assert.deepEqual((await catalog.imageLayers(id)).layers.map((layer) => layer.diffId), amd64.diffIds, 'back to the default');
  });

  it('takes a wanted platform (--platform): arm64 is arm64/v8; one not there is an error naming those there', async () => {
    const archive = await open(write('wanted.tar', multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: AMD64 })));
    const id = archive.images[0].id;
    const arm = await catalogOf(archive, { os: 'linux', architecture: 'arm64' }).imageLayers(id);
    assert.deepEqual(arm.layers.map((layer) => layer.diffId), arm64.diffIds);
    await assert.rejects(catalogOf(archive, { os: 'linux', architecture: 's390x' }).imageLayers(id), (error: unknown) => {
      assert.ok(error instanceof PlatformNotFoundError);
      assert.equal(error.message, `${id} has no linux/s390x here (platforms: ${AMD64}, ${ARM64})`);
      return true;
    });
  });

  it('lists a platform the archive does not hold as not present, and says so when it is wanted', async () => {
    const archive = await open(write('partial.tar', multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: AMD64, omit: [ARM64] })));
    const [listed] = archive.images;
    assert.deepEqual(listed.platforms?.map((each) => [formatPlatform(each.platform), each.present]), [
      [AMD64, true],
      [ARM64, false],
    ]);
    await assert.rejects(catalogOf(archive, { os: 'linux', architecture: 'arm64' }).imageLayers(listed.id), /has no linux\/arm64 here \(platforms: linux\/amd64; named in its index but not here: linux\/arm64\/v8\)/);
  });

  it('refuses an index none of whose platforms is in the archive', async () => {
    const file = write('none.tar', multiPlatformArchive(image, { tag: 'acc/mp:1', omit: [AMD64, ARM64] }));
    await assert.rejects(open(file), /none of the platforms its image index names is in it/);
  });

  describe('docker-layers --platform on an archive', () => {
    let env: Record<string, string>;
    let file: string;
    before(() => {
      env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', XDG_CACHE_HOME: path.join(scratch, 'cli-cache') };
      file = write('cli.tar', multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: AMD64 }));
    });

    it('ls --json names each image\'s platform, and --platform picks the layers', async () => {
      const plain = await runCli(['ls', file, '--json'], env);
      assert.equal(plain.code, 0, plain.stderr);
      const [shown] = JSON.parse(plain.stdout) as ImageJson[];
      assert.deepEqual(Object.keys(shown), ['id', 'tags', 'platform', 'layers']);
      assert.equal(shown.platform, AMD64);
      const picked = await runCli(['ls', file, '--json', '--platform', 'linux/arm64'], env);
      assert.equal(picked.code, 0, picked.stderr);
      const [arm] = JSON.parse(picked.stdout) as ImageJson[];
      assert.equal(arm.platform, ARM64);
      assert.deepEqual(arm.layers.map((layer) => layer.diffId), arm64.diffIds);
      const text = await runCli(['ls', file, '--platform', ARM64], env);
      assert.match(text.stdout.split('\n')[0], /^acc\/mp:1 {2}[0-9a-f]{12} {2}linux\/arm64\/v8 {2}/, 'the text names the platform of a multi-platform image');
    });

    it('diff --platform gives that platform\'s changes, with "platform" in the JSON', async () => {
      const { code, stdout, stderr } = await runCli(['diff', file, '--json', '--platform', 'linux/arm64/v8'], env);
      assert.equal(code, 0, stderr);
      const diff = JSON.parse(stdout) as ImageDiffJson;
      assert.deepEqual(Object.keys(diff), ['image', 'platform', 'layers']);
      assert.equal(diff.platform, ARM64);
      assert.deepEqual(diff.layers[1].added, [{ path: '/only-arm64.txt', size: 6 }]);
    });

    it('analyze --platform reads that platform; a platform not there is one line naming those there', async () => {
      const analyzed = await runCli(['analyze', file, '--json', '--platform', 'linux/arm64'], env);
      assert.equal(analyzed.code, 0, analyzed.stderr);
      const json = JSON.parse(analyzed.stdout) as { platform: string; sizeBytes: number };
      assert.equal(json.platform, ARM64);
      assert.equal(json.sizeBytes, 'linux/arm64\n'.length + 'arm64!'.length);
      const missing = await runCli(['analyze', file, '--platform', 'linux/riscv64'], env);
      assert.equal(missing.code, 2, 'analyze: it could not run');
      assert.equal(missing.stderr, `docker-layers: ${amd64.configDigest} has no linux/riscv64 here (platforms: ${AMD64}, ${ARM64})\n`);
    });

    it('checks --platform when it parses the arguments: a usage error, exit 2', async () => {
      for (const command of ['ls', 'diff', 'analyze']) {
        const { code, stderr } = await runCli([command, file, '--platform', 'arm64'], env);
        assert.equal(code, 2, command);
        assert.equal(stderr.split('\n')[0], 'docker-layers: --platform takes os/arch[/variant] (linux/amd64, linux/arm64/v8), given "arm64"');
      }
      const compare = await runCli(['compare', file, file, '--platform', 'linux/arm64', '--json'], env);
      assert.equal(compare.code, 0, compare.stderr);
      const json = JSON.parse(compare.stdout) as { fromPlatform: string; toPlatform: string };
      assert.deepEqual([json.fromPlatform, json.toPlatform], [ARM64, ARM64]);
    });
  });
});

/** The containerd store as root: the recorded bolt files, and a content store made for the test. */
describe('multi-platform images on the containerd store (content store and snapshots)', () => {
  const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'containerd');
  /** A layer containerd unpacked in the recording (snapshots/1): its chain ID is its diff ID. */
  const UNPACKED = 'sha256:ac1a9c4485d1ebe70f9bd328fa8bbcca0d59dd83311e7e97696c5b5353f6bc1b';
  let dataRoot: string;
  let containerdRoot: string;
  const image = multiPlatformImage([
    { os: 'linux', architecture: 'amd64', layers: [layerTar({ 'bin/sh': 'x' })], diffIds: [UNPACKED] },
    { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [layerTar({ 'etc/platform': 'linux/arm64\n' }), layerTar({ 'only-arm64.txt': 'arm64!' })] },
    { os: 'linux', architecture: 's390x', layers: [layerTar({ 's390x.txt': 's' })] },
  ]);
  const [amd64, arm64, s390x] = image.platforms;

  before(() => {
    dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-containerd-platforms-'));
    containerdRoot = path.join(dataRoot, 'containerd', 'daemon');
    const put = (relative: string, data: Buffer) => {
      fs.mkdirSync(path.dirname(path.join(containerdRoot, relative)), { recursive: true });
      fs.writeFileSync(path.join(containerdRoot, relative), data);
    };
    put('io.containerd.metadata.v1.bolt/meta.db', zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'meta.db.gz'))));
    put('io.containerd.snapshotter.v1.overlayfs/metadata.db', zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'metadata.db.gz'))));
    const blobs = path.join('io.containerd.content.v1.content', 'blobs', 'sha256');
    put(path.join(blobs, image.indexDigest.slice(7)), image.index);
    // s390x is named in the index only, as after a pull of the others.
    for (const platform of [amd64, arm64]) {
      for (const [hex, data] of platform.blobs) {
        put(path.join(blobs, hex), data);
      }
    }
  });
  after(() => fs.rmSync(dataRoot, { recursive: true, force: true }));

  /** The Engine as Docker 26 answers for the index: its default platform, amd64 here. */
  function engine(endpoint: EngineEndpoint, saved: string[]): EngineApi {
    const inspect: ImageInspect = {
      Id: image.indexDigest,
      RepoTags: ['acc/mp:1'],
      Created: '2026-01-02T03:04:05Z',
      Architecture: 'amd64',
      Os: 'linux',
      Size: 1000,
      GraphDriver: { Name: 'overlayfs', Data: null },
      RootFS: { Type: 'layers', Layers: amd64.diffIds },
    };
    const unexpected = () => Promise.reject(new Error('not asked in this test'));
    return {
      endpoint,
      info: async () => ({ ...containerdInfoFixture(), DockerRootDir: dataRoot }),
      version: async () => ({ Version: '26.1.5' }),
      listImages: async () => [{ Id: image.indexDigest, RepoTags: ['acc/mp:1'], Created: 1_767_322_000, Size: 1000 }],
      inspectImage: async () => inspect,
      imageHistory: async () => [],
      listContainers: async () => [],
      inspectContainer: unexpected,
      saveImage: async (_reference: string, file: string) => {
        saved.push(file);
        const bytes = multiPlatformArchive(image, { tag: 'acc/mp:1', manifestJsonFor: AMD64, omit: [s390x.name] });
        fs.writeFileSync(file, bytes);
        return bytes.length;
      },
      events: async () => Readable.from([]),
    };
  }
  const LOCAL: EngineEndpoint = { host: 'unix:///var/run/docker.sock', source: 'default socket' };

  it("lists the index's platforms from the content store: each present or not, attestations left out", async () => {
    const catalog = new ImageCatalog(engine(LOCAL, []), silentLogger, { platform: { os: 'linux', architecture: 'amd64' } });
    await catalog.listImages();
    const shown = await catalog.imageLayers(image.indexDigest);
    assert.equal(formatPlatform(shown.platform!), AMD64);
    assert.deepEqual(
      shown.platforms?.choices.map((choice) => [formatPlatform(choice.platform), choice.manifestDigest, choice.present]),
      [
        [AMD64, amd64.manifestDigest, true],
        [ARM64, arm64.manifestDigest, true],
        ['linux/s390x', s390x.manifestDigest, false],
      ],
    );
    assert.deepEqual(shown.layers.map((layer) => layer.diffDir), [path.join(containerdRoot, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots', '1', 'fs')], 'the unpacked layer is a snapshot folder');
  });

  it("shows another platform's layers from its config; without snapshots its files come from the Engine's archive", async () => {
    const saved: string[] = [];
    const catalog = new ImageCatalog(engine(LOCAL, saved), silentLogger, { archives: new ArchiveCache({ dir: path.join(dataRoot, 'cache'), maxBytes: 1024 ** 3, log: silentLogger }) });
    await catalog.listImages();
    const shown = await catalog.imageLayers(image.indexDigest);
    const armChoice = shown.platforms!.choices.find((choice) => choice.manifestDigest === arm64.manifestDigest)!;
    catalog.choosePlatform(image.indexDigest, armChoice);
    const arm = await catalog.imageLayers(image.indexDigest);
    assert.equal(formatPlatform(arm.platform!), ARM64);
    assert.deepEqual(arm.layers.map((layer) => layer.diffId), arm64.diffIds);
    assert.deepEqual(arm.layers[0].location, { kind: 'unavailable', limitation: { code: 'platformNotUnpacked', platform: ARM64 } });
    assert.deepEqual(arm.folderLimitation, { code: 'platformNotUnpacked', platform: ARM64 });
    assert.match(limitationText(arm.folderLimitation), /containerd has not unpacked the linux\/arm64\/v8 layers of this image here/);
    assert.deepEqual(await names(await catalog.openLayer({ owner: 'image', imageId: image.indexDigest, index: 1 }, 'files')), ['only-arm64.txt']);
    assert.equal(saved.length, 1, "read from the Engine's archive, which holds every platform it has");
  });

  it('says why a platform not unpacked cannot be read where no archive can be fetched', async () => {
    const catalog = new ImageCatalog(engine(LOCAL, []), silentLogger, { platform: { os: 'linux', architecture: 'arm64' } });
    await assert.rejects(catalog.openLayer({ owner: 'image', imageId: image.indexDigest, index: 0 }, 'files'), (error: unknown) => {
      assert.ok(error instanceof LayerUnavailableError);
      assert.deepEqual(error.limitation, { code: 'platformNotUnpacked', platform: ARM64 });
      return true;
    });
  });

  it('names the platforms there when the one wanted is only in the index', async () => {
    const catalog = new ImageCatalog(engine(LOCAL, []), silentLogger, { platform: { os: 'linux', architecture: 's390x' } });
    await assert.rejects(catalog.imageLayers(image.indexDigest), {
      message: `${image.indexDigest} has no linux/s390x here (platforms: ${AMD64}, ${ARM64}; named in its index but not here: linux/s390x)`,
    });
  });

  it("where the content store is not here (a remote daemon), shows the Engine's platform and says why no other", async () => {
    const remote: EngineEndpoint = { host: 'tcp://builder:2376', source: 'DOCKER_HOST' };
    const shown = await new ImageCatalog(engine(remote, []), silentLogger).imageLayers(image.indexDigest);
    assert.equal(formatPlatform(shown.platform!), AMD64);
    assert.equal(shown.platforms, undefined);
    assert.deepEqual(shown.platformsLimitation, { code: 'platformsUnlisted', host: 'tcp://builder:2376' });
    const wanted = new ImageCatalog(engine(remote, []), silentLogger, { platform: { os: 'linux', architecture: 'arm64' } });
    const error = await wanted.imageLayers('acc/mp:1').catch((caught: unknown) => caught);
    assert.ok(error instanceof PlatformNotFoundError);
    assert.equal(
      knownErrorMessage(error),
      "acc/mp:1: only its default platform (linux/amd64) can be read here, not linux/arm64. Only the Engine's default platform can be shown: an image's other platforms are listed in containerd's content store, on the daemon's machine (tcp://builder:2376), not this one.",
    );
  });
});
