/**
 * `node bin/docker-layers.js` (the bundled CLI, dist/cli.js) as a child process against the real
 * dockerd: same answers as the core, name/ID resolution, exit codes.
 */
import * as assert from 'node:assert/strict';
import { ImageJson, toImageJson } from '../../src/cli/commands/ls';
import { shortId } from '../../src/core/digest';
import { Daemon, ensureCliBuilt, requireDaemon, runCli } from './helpers/daemon';

function parseJson(stdout: string): ImageJson[] {
  const parsed = JSON.parse(stdout) as ImageJson[];
  assert.ok(Array.isArray(parsed), 'ls --json prints an array');
  return parsed;
}

describe('docker-layers CLI against the real dockerd', function () {
  let daemon: Daemon;

  before(async function () {
    daemon = await requireDaemon(this);
    await ensureCliBuilt();
  });

  it('ls --json gives exactly what the core gives, for every image', async () => {
    const result = await runCli(['ls', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const cli = parseJson(result.stdout);
    const catalog = daemon.catalog();
    const listed = await catalog.listImages();
    assert.deepEqual(
      cli.map((image) => image.id),
      listed.map((image) => image.id),
      'every image, in the catalog order',
    );
    const core = await Promise.all(listed.map(async (image) => toImageJson(await catalog.imageLayers(image.id))));
    assert.deepEqual(cli, core);
    for (const role of ['base', 'app', 'shared', 'danglingSuccessor', 'dangling'] as const) {
      assert.ok(cli.some((image) => image.id === daemon.images[role].Id), `${role} is listed`);
    }
    // Root reads the layerdb: every layer has a folder and a size.
    for (const image of cli) {
      for (const layer of image.layers) {
        assert.ok(layer.cacheId && layer.diffDir && typeof layer.size === 'number', `${image.id} layer ${layer.index}`);
      }
    }
  });

  it('resolves dle-app, dle-app:1.0, the short ID and the full ID to the same image', async () => {
    const id = daemon.images.app.Id;
    const references = ['dle-app', 'dle-app:1.0', 'dle-app:latest', shortId(id), id];
    const results = await Promise.all(references.map((reference) => runCli(['ls', reference, '--json'])));
    const expected = toImageJson(await daemon.catalog().imageLayers(id));
    results.forEach((result, index) => {
      assert.equal(result.code, 0, `${references[index]}: ${result.stderr}`);
      assert.deepEqual(parseJson(result.stdout), [expected], references[index]);
    });
    assert.equal(expected.layers.length, 6);
    assert.deepEqual([...expected.tags].sort(), ['dle-app:1.0', 'dle-app:latest']);
  });

  it('keeps the order of the images asked for', async () => {
    const result = await runCli(['ls', '--json', 'dle-shared', 'dle-base']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      parseJson(result.stdout).map((image) => image.id),
      [daemon.images.shared.Id, daemon.images.base.Id],
    );
  });

  it('ls nosuch exits 1 with a message on stderr and nothing on stdout', async () => {
    const result = await runCli(['ls', 'nosuch']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^docker-layers: .*nosuch/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'a known error, not a stack trace');
  });

  it('ls -H unix:///nonexistent.sock exits 1 naming the socket', async () => {
    const result = await runCli(['ls', '-H', 'unix:///nonexistent.sock']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Cannot connect to the Docker Engine at unix:\/\/\/nonexistent\.sock \(from --host\)/);
    assert.match(result.stderr, /ENOENT/);
  });

  it('ls lists one line per image, every image the Engine lists, and --sort orders them', async () => {
    const result = await runCli(['ls']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    const listed = (await daemon.catalog().listImages()).map((image) => shortId(image.id));
    assert.deepEqual(lines.map((line) => /\b([0-9a-f]{12})\b/.exec(line)?.[1]), listed, 'newest first, as the catalog lists them');
    assert.match(lines.find((line) => line.includes(shortId(daemon.images.app.Id))) ?? '', /^dle-app:(1\.0|latest), dle-app:(1\.0|latest) +[0-9a-f]{12} +\S+ \S+ {2}(\S.* ago|just now)$/);
    const bySize = await runCli(['ls', '--sort', 'size']);
    const sizes = (await daemon.catalog().listImages()).sort((a, b) => b.size - a.size);
    assert.equal(bySize.stdout.split('\n')[0].includes(shortId(sizes[0].id)), true, bySize.stdout);
    assert.equal((await runCli(['ls', '--sort', 'age'])).code, 2);
  });

  it('ls -l lists the images with their layers and folders', async () => {
    const result = await runCli(['ls', '-l']);
    assert.equal(result.code, 0, result.stderr);
    const { images } = daemon;
    const lines = result.stdout.split('\n');
    const header = (image: { Id: string }) => lines.find((line) => !line.startsWith(' ') && line.includes(`  ${shortId(image.Id)}  `));
    assert.match(header(images.app) ?? '', /^dle-app:(1\.0|latest), dle-app:(1\.0|latest) {2}[0-9a-f]{12} {2}\S+ \S+ {2}6 layers$/);
    assert.match(header(images.base) ?? '', /^dle-base:latest {2}[0-9a-f]{12} .* 1 layer$/);
    assert.match(header(images.shared) ?? '', /^dle-shared:latest .* 2 layers$/);
    assert.match(header(images.dangling) ?? '', /^<none> {2}[0-9a-f]{12} .* 2 layers$/);
    assert.ok(result.stdout.includes('RUN touch /empty'));
    const app = await daemon.catalog().imageLayers(images.app.Id);
    for (const layer of app.layers) {
      assert.ok(result.stdout.includes(`chain ${layer.chainId}`), layer.chainId);
      assert.ok(result.stdout.includes(layer.diffDir as string), layer.diffDir as string);
    }
  });

  it('exits 2 for bad usage and 0 for --help', async () => {
    const bad = await runCli(['ls', '--nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --nope/);
    const unknownCommand = await runCli(['rm']);
    assert.equal(unknownCommand.code, 2);
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: docker-layers ls/);
  });
});
