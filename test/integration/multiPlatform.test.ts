/**
 * Multi-platform images on the containerd image store (Docker 26): an OCI index of linux/amd64 and
 * linux/arm64/v8, each with its own config and layers, made offline (multiPlatformBuilder.ts) and
 * `docker load`ed under this run's own tags. Facts this rests on, checked on Docker 26.1.5: the
 * Engine (API 1.45) lists the index as one image whose ID is the index digest and inspects its
 * default platform only; `docker load` puts every platform's blobs into the content store and
 * unpacks each into snapshots; a pull of one platform (here: an archive without the other's blobs)
 * leaves the other named in the index only; `docker save` writes every platform it has. As root
 * the other platform is read from the content store and its snapshots; the docker-group user gets
 * the default platform and the reason. The daemon comes from DLE_CONTAINERD_DOCKER_HOST.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArchiveCache } from '../../src/core/archive/archiveCache';
import { EngineClient } from '../../src/core/engine/engineClient';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { formatPlatform, hostPlatform, samePlatform, parsePlatform } from '../../src/core/model/platform';
import { MultiPlatformImage, layerTar, multiPlatformArchive, multiPlatformImage } from '../unit/helpers/multiPlatformBuilder';
import { CLI, TEST_USER, ensureCliBuilt, requireContainerdDaemon, run } from './helpers/daemon';

const AMD64 = 'linux/amd64';
const ARM64 = 'linux/arm64/v8';

interface LsJson {
  id: string;
  platform?: string;
  layers: { diffId: string; chainId: string; diffDir: string | null }[];
}

describe('multi-platform images on the containerd image store (Docker 26)', function () {
  this.timeout(120_000);
  let HOST: string;
  let scratch: string;
  /** This run's own tags: content unique to the run, so nothing another run left is mistaken for it. */
  const salt = `${process.pid}-${Date.now()}`;
  const fullTag = `dle-mp-full-${process.pid}:1`;
  const partialTag = `dle-mp-partial-${process.pid}:1`;
  const platformsOf = (kind: string): MultiPlatformImage =>
    multiPlatformImage(
      [
        { os: 'linux', architecture: 'amd64', layers: [layerTar({ 'etc/platform': `linux/amd64 ${kind} ${salt}\n` }), layerTar({ 'only-amd64.txt': `amd64 ${salt}` })] },
        { os: 'linux', architecture: 'arm64', variant: 'v8', layers: [layerTar({ 'etc/platform': `linux/arm64 ${kind} ${salt}\n` }), layerTar({ 'only-arm64.txt': `arm64 ${salt}!` })] },
      ],
      { attestation: true },
    );
  const full = platformsOf('full');
  const partial = platformsOf('partial');
  /** The platform the Engine shows: this machine's (amd64 here). */
  const shownName = full.platforms.find((each) => samePlatform(hostPlatform(), parsePlatform(each.name)!))?.name ?? AMD64;
  const shownOf = (image: MultiPlatformImage) => image.platforms.find((each) => each.name === shownName)!;
  const otherOf = (image: MultiPlatformImage) => image.platforms.find((each) => each.name !== shownName)!;

  const cli = (args: string[], cache: string) => run(process.execPath, [CLI, ...args, '-H', HOST], { env: { ...process.env, XDG_CACHE_HOME: cache } });
  const userCli = async (args: string[], cache: string) => {
    fs.mkdirSync(cache, { recursive: true });
    await run('chown', ['-R', TEST_USER, cache]);
    return run('runuser', ['-u', TEST_USER, '--', 'env', `XDG_CACHE_HOME=${cache}`, process.execPath, CLI, ...args, '-H', HOST]);
  };
  const load = async (image: MultiPlatformImage, tag: string, omit: string[] = []) => {
    const file = path.join(scratch, `${tag.replace(/[:/]/g, '_')}.tar`);
    fs.writeFileSync(file, multiPlatformArchive(image, { tag, omit }));
    const loaded = await run('docker', ['-H', HOST, 'load', '-i', file]);
    assert.equal(loaded.code, 0, loaded.stderr);
  };

  before(async function () {
    HOST = requireContainerdDaemon(this);
    await ensureCliBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-multi-platform-'));
    fs.chmodSync(scratch, 0o755);
    await load(full, fullTag);
    // As a pull of one platform leaves the store: the other is named in the index, its blobs are not here.
    await load(partial, partialTag, [otherOf(partial).name]);
  });
  after(async () => {
    if (HOST) {
      await run('docker', ['-H', HOST, 'rmi', fullTag, partialTag]);
    }
    if (scratch) {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('the Engine lists the index as one image, its ID the index digest, and inspects one platform', async () => {
    const inspect = await run('docker', ['-H', HOST, 'image', 'inspect', fullTag, '--format', '{{.Id}} {{.Os}}/{{.Architecture}} {{json .RootFS.Layers}}']);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(inspect.stdout.trim(), `${full.indexDigest} ${shownName} ${JSON.stringify(shownOf(full).diffIds)}`);
  });

  it("as root, ls shows the default platform and --platform the other: each platform's diff IDs, in snapshot folders", async () => {
    const shown = await cli(['ls', fullTag, '--json'], path.join(scratch, 'ls'));
    assert.equal(shown.code, 0, shown.stderr);
    const [image] = JSON.parse(shown.stdout) as LsJson[];
    assert.equal(image.id, full.indexDigest);
    assert.equal(image.platform, shownName);
    assert.deepEqual(image.layers.map((layer) => layer.diffId), shownOf(full).diffIds);
    for (const wanted of ['linux/arm64', ARM64, AMD64]) {
      const platform = full.platforms.find((each) => samePlatform(parsePlatform(wanted)!, parsePlatform(each.name)!))!;
      const picked = await cli(['ls', fullTag, '--json', '--platform', wanted], path.join(scratch, 'ls'));
      assert.equal(picked.code, 0, picked.stderr);
      const [layers] = JSON.parse(picked.stdout) as LsJson[];
      assert.equal(layers.platform, platform.name, wanted);
      assert.deepEqual(layers.layers.map((layer) => layer.diffId), platform.diffIds, `${wanted}: the diff IDs of its config`);
      // docker load unpacked every platform: each layer has its snapshot folder, holding its own file.
      const top = layers.layers[1].diffDir;
      assert.ok(top && fs.existsSync(top), `${wanted}: ${top}`);
      assert.deepEqual(fs.readdirSync(top), [`only-${platform.spec.architecture}.txt`]);
    }
  });

  it("as root, the catalog lists both platforms with their manifests, and diff --platform gives that platform's files", async () => {
    const engine = await EngineClient.connect({ host: HOST, source: '--host' }, silentLogger);
    const layers = await new ImageCatalog(engine, silentLogger).imageLayers(fullTag);
    assert.deepEqual(
      layers.platforms?.choices.map((choice) => [formatPlatform(choice.platform), choice.manifestDigest, choice.present]),
      full.platforms.map((platform) => [platform.name, platform.manifestDigest, true]),
      'the attestation manifest is no platform',
    );
    const other = otherOf(full);
    const diff = await cli(['diff', fullTag, '--json', '--platform', other.name], path.join(scratch, 'diff'));
    assert.equal(diff.code, 0, diff.stderr);
    const parsed = JSON.parse(diff.stdout) as { platform: string; layers: { added: { path: string }[] }[] };
    assert.equal(parsed.platform, other.name);
    assert.deepEqual(parsed.layers[1].added.map((file) => file.path), [`/only-${other.spec.architecture}.txt`]);
  });

  it("docker save writes every platform the store has: the Engine's archive, which reads a platform not unpacked, holds both", async () => {
    const engine = await EngineClient.connect({ host: HOST, source: '--host' }, silentLogger);
    const cache = new ArchiveCache({ dir: path.join(scratch, 'engine-archive'), maxBytes: 1024 ** 3, log: silentLogger });
    const archive = await cache.imageArchive(engine, full.indexDigest);
    assert.equal(archive.images.length, 1);
    assert.deepEqual(
      archive.images[0].platforms?.map((each) => [formatPlatform(each.platform), each.image?.diffIds]),
      full.platforms.map((platform) => [platform.name, platform.diffIds]),
    );
    const partialArchive = await cache.imageArchive(engine, partial.indexDigest);
    assert.deepEqual(
      partialArchive.images[0].platforms?.map((each) => [formatPlatform(each.platform), each.present]),
      partial.platforms.map((platform) => [platform.name, platform.name === shownName]),
    );
  });

  it('as root, a platform named in the index but not pulled is one line naming the platforms there', async () => {
    const other = otherOf(partial);
    const missing = await cli(['ls', partialTag, '--platform', other.name], path.join(scratch, 'partial'));
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `docker-layers: ${partialTag} has no ${other.name} here (platforms: ${shownName}; named in its index but not here: ${other.name})\n`);
    const shown = await cli(['ls', partialTag, '--json'], path.join(scratch, 'partial'));
    const [image] = JSON.parse(shown.stdout) as LsJson[];
    assert.equal(image.platform, shownName);
    assert.deepEqual(image.layers.map((layer) => layer.diffId), shownOf(partial).diffIds);
  });

  it("as the docker-group user, the Engine's default platform, and the reason another cannot be picked", async () => {
    const shown = await userCli(['ls', fullTag, '--json'], path.join(scratch, 'user'));
    assert.equal(shown.code, 0, shown.stderr);
    const [image] = JSON.parse(shown.stdout) as LsJson[];
    assert.equal(image.platform, shownName);
    assert.deepEqual(image.layers.map((layer) => layer.diffId), shownOf(full).diffIds);
    const diff = await userCli(['diff', fullTag, '--json', '--platform', shownName], path.join(scratch, 'user'));
    assert.equal(diff.code, 0, diff.stderr);
    assert.deepEqual((JSON.parse(diff.stdout) as { layers: { added: { path: string }[] }[] }).layers[1].added.map((file) => file.path), [`/only-${shownOf(full).spec.architecture}.txt`]);
    const other = otherOf(full);
    const refused = await userCli(['ls', fullTag, '--platform', other.name], path.join(scratch, 'user'));
    assert.equal(refused.code, 1);
    const lines = refused.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, refused.stderr);
    assert.match(lines[0], new RegExp(`^docker-layers: ${fullTag}: only its default platform \\(${shownName}\\) can be read here, not ${other.name}\\. `));
    assert.match(lines[0], /other platforms are listed in containerd's content store \(\/.*io\.containerd\.content\.v1\.content\), which this user cannot read/);
  });
});
