import * as assert from 'node:assert/strict';
import { fitStep, formatImageLines, formatImagesText, toImageJson } from '../../src/cli/commands/ls';
import { ParsedArguments, parseArguments } from '../../src/cli/main';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { digestHex } from '../../src/core/digest';
import { ImageLayers } from '../../src/core/model/imageLayers';
import { ImageFixtureName, imageFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';
import { dataRootAs, recordedCatalog, recordedImageLayers } from './helpers/recordedEngine';

/** As the catalog builds it: `config` for root (layerdb, image config), `engine` for a docker-group user. */
function imageLayersOf(name: ImageFixtureName, historyFrom: 'config' | 'engine' = 'config'): Promise<ImageLayers> {
  return recordedImageLayers(name, historyFrom === 'config' ? 'root' : 'user');
}

/** What the ls subcommand gets: its operands and options, and the global options. */
function lsArguments(parsed: ParsedArguments) {
  return { command: parsed.command?.name, images: parsed.operands, json: parsed.options.json === true, host: parsed.host, verbose: parsed.verbose, help: parsed.help };
}

describe('CLI parseArguments', () => {
  const defaults = { command: undefined, images: [], json: false, host: undefined, verbose: false, help: false };
  const parse = (argv: string[]) => lsArguments(parseArguments(argv));

  it('parses ls with images and every option', () => {
    assert.deepEqual(parse(['ls', 'dle-app', '--json', '-H', 'unix:///x.sock', 'a0e99c0e2b9b', '-v']), {
      command: 'ls',
      images: ['dle-app', 'a0e99c0e2b9b'],
      json: true,
      host: 'unix:///x.sock',
      verbose: true,
      help: false,
    });
  });

  it('parses the long forms, --host=VALUE and help', () => {
    assert.deepEqual(parse(['--host=tcp://a:2375', 'ls', '--verbose']), { ...defaults, command: 'ls', host: 'tcp://a:2375', verbose: true });
    assert.deepEqual(parse(['--host', 'ssh://me@b', 'ls']), { ...defaults, command: 'ls', host: 'ssh://me@b' });
    assert.deepEqual(parse(['-h']), { ...defaults, help: true });
    assert.deepEqual(parse(['ls', '--help']), { ...defaults, command: 'ls', help: true });
    assert.deepEqual(parse([]), defaults);
  });

  it('rejects an unknown option, a -H without a value and an unknown command', () => {
    assert.throws(() => parseArguments(['ls', '--jsn']), /unknown option --jsn/);
    assert.throws(() => parseArguments(['ls', '-H']), /-H needs a value/);
    assert.throws(() => parseArguments(['ls', '--host']), /--host needs a value/);
    assert.throws(() => parseArguments(['lls']), /unknown command "lls"/);
  });
});

describe('CLI toImageJson (the --json contract)', () => {
  it('has exactly the keys id, tags, platform, layers[{index, diffId, chainId, cacheId, diffDir, size, createdBy}]', async () => {
    const json = toImageJson(await imageLayersOf('dle-app'));
    assert.deepEqual(Object.keys(json), ['id', 'tags', 'platform', 'layers']);
    assert.equal(json.platform, 'linux/amd64');
    for (const layer of json.layers) {
      assert.deepEqual(Object.keys(layer), ['index', 'diffId', 'chainId', 'cacheId', 'diffDir', 'size', 'createdBy']);
    }
  });

  it('gives the recorded dle-app values', async () => {
    const fixture = imageFixture('dle-app');
    const json = toImageJson(await imageLayersOf('dle-app'));
    assert.equal(json.id, fixture.inspect.Id);
    assert.deepEqual(json.tags, ['dle-app:1.0', 'dle-app:latest']);
    assert.equal(json.layers.length, 6);
    const chainIds = chainIdsOf(fixture.inspect.RootFS?.Layers ?? []);
    json.layers.forEach((layer, index) => {
      const raw = fixture.layerdb[digestHex(chainIds[index])];
      assert.deepEqual(layer, {
        index,
        diffId: raw.diff,
        chainId: chainIds[index],
        cacheId: raw.cacheId,
        diffDir: `${dataRootAs('root')}/overlay2/${raw.cacheId}/diff`,
        size: Number(raw.size),
        createdBy: layer.createdBy,
      });
    });
    assert.deepEqual(
      json.layers.map((layer) => layer.createdBy),
      [
        null, // the imported base layer has no created_by
        fixture.config.history?.[3].created_by,
        fixture.config.history?.[4].created_by,
        fixture.config.history?.[5].created_by,
        fixture.config.history?.[6].created_by,
        '/bin/sh -c touch /empty',
      ],
    );
    // The JSON survives a round trip unchanged (no undefined values that JSON would drop).
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  });

  it('gives null, not a missing key, for folders and sizes the Engine did not report', async () => {
    const fixture = imageFixture('dle-base');
    const json = toImageJson(await containerdStore({ ...fixture, inspect: { ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } }, history: [] }));
    assert.deepEqual(json.layers, [
      { index: 0, diffId: fixture.inspect.RootFS?.Layers?.[0], chainId: fixture.inspect.RootFS?.Layers?.[0], cacheId: null, diffDir: null, size: null, createdBy: null },
    ]);
  });
});

describe('CLI formatImagesText', () => {
  it('lists each image with its tags, short ID, size, layers, chain IDs and folders', async () => {
    const app = imageFixture('dle-app');
    const appCacheIds = recordedCacheIds(app);
    const dataRoot = dataRootAs('root');
    const text = formatImagesText([await imageLayersOf('dle-app'), await imageLayersOf('dangling')]);
    const lines = text.split('\n');
    assert.equal(lines[0], `dle-app:1.0, dle-app:latest  ${app.inspect.Id.slice(7, 19)}  1.98 MB  6 layers`);
    assert.match(lines[1], /^ {2}0 {2}dle-base: busybox rootfs {2,}1\.98 MB$/);
    assert.equal(lines[2], '     chain sha256:ac1a9c4485d1ebe70f9bd328fa8bbcca0d59dd83311e7e97696c5b5353f6bc1b');
    assert.equal(lines[3], `     ${dataRoot}/overlay2/${appCacheIds[0]}/diff`);
    assert.ok(text.includes('  5  RUN touch /empty'), text);
    assert.ok(text.includes(`${dataRoot}/overlay2/${appCacheIds[5]}/diff`));
    const danglingId = imageFixture('dangling').inspect.Id.slice(7, 19);
    assert.ok(lines.includes(`<none>  ${danglingId}  1.98 MB  2 layers`), 'the dangling image is listed as <none>');
    assert.ok(!text.includes('note:'), 'exact history and all folders: no notes');
    // Piped (no terminal width), a long step is shown whole.
    const runLine = lines.find((line) => line.startsWith('  1  RUN mkdir'));
    assert.ok(runLine?.includes('echo old > /app/old/old.txt '), runLine);
  });

  it("cuts to a terminal's width, but never a folder, and keeps where a COPY put its files", async () => {
    const text = formatImagesText([await imageLayersOf('dle-app')], 50);
    const lines = text.split('\n').filter(Boolean);
    const folders = lines.filter((line) => line.includes('/overlay2/'));
    assert.equal(folders.length, 6);
    for (const line of lines.filter((each) => !folders.includes(each) && !each.includes('note:'))) {
      assert.ok(line.length <= 50, `${line.length}: ${line}`);
    }
    assert.match(lines.find((line) => line.startsWith('  1  RUN mkdir')) ?? '', /…\s+22 B$/);
    assert.equal(fitStep('COPY file:3e1f0c5e8b2f0c9d5a1b7c3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a in /app/hello.txt', 30), 'COPY → /app/hello.txt');
    assert.equal(fitStep('COPY src/a src/b /srv/app/', 20), 'COPY → /srv/app/');
    assert.equal(fitStep('ADD https://example.com/a.tgz /opt/a', 12), 'ADD → /opt/a');
    assert.equal(fitStep('RUN make && make install', 12), 'RUN make &&…');
    assert.equal(fitStep('COPY a /b', 40), 'COPY a /b', 'what fits is left alone');
  });

  it('lists one line per image: names, short ID, size and age, newest first, cut to the width', async () => {
    const { catalog } = recordedCatalog('user');
    const images = await catalog.listImages();
    const now = Date.parse('2026-12-03T12:00:00Z');
    const lines = formatImageLines(images, undefined, now).trimEnd().split('\n');
    assert.equal(lines.length, images.length);
    const app = images.find((image) => image.tags.includes('dle-app:1.0'))!;
    const appLine = lines.find((line) => line.includes(app.id.slice(7, 19)))!;
    assert.match(appLine, /^dle-app:1\.0, dle-app:latest +[0-9a-f]{12} +1\.98 MB {2}\d+ \w+ ago$/);
    assert.ok(lines.some((line) => line.startsWith('<none> ')), 'the untagged image');
    for (const line of formatImageLines(images, 40, now).trimEnd().split('\n')) {
      assert.ok(line.length <= 40, line);
    }
  });

  it('says "1 layer" for a one-layer image', async () => {
    const id = imageFixture('dle-base').inspect.Id.slice(7, 19);
    assert.equal(formatImagesText([await imageLayersOf('dle-base')]).split('\n')[0], `dle-base:latest  ${id}  1.98 MB  1 layer`);
  });

  it('notes an inferred or unmatched history and missing folders', async () => {
    assert.match(formatImagesText([await imageLayersOf('dle-app', 'engine')]), /note: steps matched to layers from the Engine history \(a guess/);
    const fixture = imageFixture('dle-shared');
    // Half the history for all the layers: nothing fits.
    const unmatched = await containerdStore({ ...fixture, inspect: { ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } }, history: fixture.history.slice(0, 2) });
    const text = formatImagesText([unmatched]);
    assert.match(text, /\(step unknown\)/);
    assert.match(text, /note: the history could not be matched to the layers; steps are unknown/);
    assert.match(text, /no folder: This daemon uses the containerd image store/);
    assert.match(text, /note: This daemon uses the containerd image store/);
  });
});

/** An image's layers as the catalog builds them on a containerd-image-store daemon. */
function containerdStore(fixture: ReturnType<typeof imageFixture>): Promise<ImageLayers> {
  const info = { ...infoFixture(), Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] as [string, string][] };
  return recordedCatalog('user', info, undefined, { images: [fixture] }).catalog.imageLayers(fixture.inspect.Id);
}
