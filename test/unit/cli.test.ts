import * as assert from 'node:assert/strict';
import { formatImagesText, toImageJson } from '../../src/cli/lsCommand';
import { parseArguments } from '../../src/cli/main';
import { chainIdsOf, digestHex } from '../../src/core/model/chainIds';
import { layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';
import { ImageLayers, buildImageLayers } from '../../src/core/model/imageLayers';
import { layerDirectoriesFromGraphDriver } from '../../src/core/storage/graphDriverDirectories';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { ImageFixtureName, LOCAL_SOCKET_ENDPOINT, imageFixture, infoFixture, recordedCacheIds } from './helpers/fixtures';

function imageLayersOf(name: ImageFixtureName, historyFrom: 'config' | 'engine' = 'config', info = infoFixture()): ImageLayers {
  const fixture = imageFixture(name);
  const diffIds = fixture.inspect.RootFS?.Layers ?? [];
  return buildImageLayers({
    inspect: fixture.inspect,
    history: historyFrom === 'config' ? layerHistoryFromConfig(fixture.config, diffIds.length) : layerHistoryFromEngine(fixture.history, diffIds.length),
    storage: storageProfileOf(info, LOCAL_SOCKET_ENDPOINT),
    layerdb: chainIdsOf(diffIds).map((chainId) => {
      const raw = fixture.layerdb[digestHex(chainId)];
      return { chainId, cacheId: raw.cacheId, diffId: raw.diff, parentChainId: raw.parent ?? undefined, size: Number(raw.size) };
    }),
    graphDriver: layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, diffIds.length),
  });
}

describe('CLI parseArguments', () => {
  const defaults = { command: undefined, images: [], json: false, host: undefined, verbose: false, help: false };

  it('parses ls with images and every option', () => {
    assert.deepEqual(parseArguments(['ls', 'dle-app', '--json', '-H', 'unix:///x.sock', 'a0e99c0e2b9b', '-v']), {
      command: 'ls',
      images: ['dle-app', 'a0e99c0e2b9b'],
      json: true,
      host: 'unix:///x.sock',
      verbose: true,
      help: false,
    });
  });

  it('parses the long forms, --host=VALUE and help', () => {
    assert.deepEqual(parseArguments(['--host=tcp://a:2375', 'ls', '--verbose']), { ...defaults, command: 'ls', host: 'tcp://a:2375', verbose: true });
    assert.deepEqual(parseArguments(['--host', 'ssh://me@b', 'ls']), { ...defaults, command: 'ls', host: 'ssh://me@b' });
    assert.deepEqual(parseArguments(['-h']), { ...defaults, help: true });
    assert.deepEqual(parseArguments(['ls', '--help']), { ...defaults, command: 'ls', help: true });
    assert.deepEqual(parseArguments([]), defaults);
  });

  it('rejects an unknown option and a -H without a value', () => {
    assert.throws(() => parseArguments(['ls', '--jsn']), /unknown option --jsn/);
    assert.throws(() => parseArguments(['ls', '-H']), /-H needs a value/);
    assert.throws(() => parseArguments(['ls', '--host']), /--host needs a value/);
  });
});

describe('CLI toImageJson (the --json contract)', () => {
  it('has exactly the keys id, tags, layers[{index, diffId, chainId, cacheId, diffDir, size, createdBy}]', () => {
    const json = toImageJson(imageLayersOf('dle-app'));
    assert.deepEqual(Object.keys(json), ['id', 'tags', 'layers']);
    for (const layer of json.layers) {
      assert.deepEqual(Object.keys(layer), ['index', 'diffId', 'chainId', 'cacheId', 'diffDir', 'size', 'createdBy']);
    }
  });

  it('gives the recorded dle-app values', () => {
    const fixture = imageFixture('dle-app');
    const json = toImageJson(imageLayersOf('dle-app'));
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
        diffDir: `/var/lib/docker/overlay2/${raw.cacheId}/diff`,
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

  it('gives null, not a missing key, for folders and sizes the Engine did not report', () => {
    const fixture = imageFixture('dle-base');
    const json = toImageJson(
      buildImageLayers({
        inspect: { ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } },
        history: layerHistoryFromEngine([], 1),
        storage: storageProfileOf({ Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] }, LOCAL_SOCKET_ENDPOINT),
      }),
    );
    assert.deepEqual(json.layers, [
      { index: 0, diffId: fixture.inspect.RootFS?.Layers?.[0], chainId: fixture.inspect.RootFS?.Layers?.[0], cacheId: null, diffDir: null, size: null, createdBy: null },
    ]);
  });
});

describe('CLI formatImagesText', () => {
  it('lists each image with its tags, short ID, size, layers, chain IDs and folders', () => {
    const app = imageFixture('dle-app');
    const appCacheIds = recordedCacheIds(app);
    const text = formatImagesText([imageLayersOf('dle-app'), imageLayersOf('dangling')]);
    const lines = text.split('\n');
    assert.equal(lines[0], `dle-app:1.0, dle-app:latest  ${app.inspect.Id.slice(7, 19)}  1.98 MB  6 layers`);
    assert.match(lines[1], /^ {2}0 {2}dle-base: busybox rootfs {2,}1\.98 MB$/);
    assert.equal(lines[2], '     chain sha256:ac1a9c4485d1ebe70f9bd328fa8bbcca0d59dd83311e7e97696c5b5353f6bc1b');
    assert.equal(lines[3], `     /var/lib/docker/overlay2/${appCacheIds[0]}/diff`);
    assert.ok(text.includes('  5  RUN touch /empty'), text);
    assert.ok(text.includes(`/var/lib/docker/overlay2/${appCacheIds[5]}/diff`));
    const danglingId = imageFixture('dangling').inspect.Id.slice(7, 19);
    assert.ok(lines.includes(`<none>  ${danglingId}  1.98 MB  2 layers`), 'the dangling image is listed as <none>');
    assert.ok(!text.includes('note:'), 'exact history and all folders: no notes');
    // Long steps are cut to 60 characters with an ellipsis.
    const runLine = lines.find((line) => line.startsWith('  1  RUN mkdir'));
    assert.ok(runLine?.includes('…'), runLine);
  });

  it('says "1 layer" for a one-layer image', () => {
    const id = imageFixture('dle-base').inspect.Id.slice(7, 19);
    assert.equal(formatImagesText([imageLayersOf('dle-base')]).split('\n')[0], `dle-base:latest  ${id}  1.98 MB  1 layer`);
  });

  it('notes an inferred or unmatched history and missing folders', () => {
    assert.match(formatImagesText([imageLayersOf('dle-app', 'engine')]), /note: steps matched to layers from the Engine history \(a guess/);
    const fixture = imageFixture('dle-shared');
    const unmatched = buildImageLayers({
      inspect: { ...fixture.inspect, GraphDriver: { Name: 'overlayfs', Data: null } },
      history: layerHistoryFromEngine(fixture.history, 9),
      storage: storageProfileOf({ Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] }, LOCAL_SOCKET_ENDPOINT),
    });
    const text = formatImagesText([unmatched]);
    assert.match(text, /\(step unknown\)/);
    assert.match(text, /note: the history could not be matched to the layers; steps are unknown/);
    assert.match(text, /no folder: This daemon uses the containerd image store/);
    assert.match(text, /note: This daemon uses the containerd image store/);
  });
});
