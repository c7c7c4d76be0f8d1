import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { digestHex } from '../../src/core/digest';
import { canReadLayerdb, layerdbDir, readImageConfig, readLayerdbEntry } from '../../src/core/storage/overlay2/layerdb';
import { skipBecause } from '../helpers/skip';
import { DATA_ROOT_FIXTURE, dataRootManifest, imageFixture } from './helpers/fixtures';

describe('layerdb (against test/fixtures/data-root-overlay2)', function () {
  const manifest = dataRootManifest();
  const app = imageFixture('dle-app');
  const diffIds = app.inspect.RootFS?.Layers ?? [];
  const chainIds = chainIdsOf(diffIds);

  before(function () {
    if (!manifest) {
      skipBecause(this, `no ${DATA_ROOT_FIXTURE}/fixture-manifest.json: the data-root fixture is not recorded`);
    }
    assert.equal(manifest?.driver, 'overlay2');
    assert.equal(manifest?.image, app.inspect.Id, 'the data-root fixture holds the recorded dle-app image');
  });

  it('layerdbDir is <data root>/image/<driver>/layerdb', () => {
    assert.equal(layerdbDir('/var/lib/docker', 'overlay2'), path.join('/var/lib/docker', 'image', 'overlay2', 'layerdb'));
  });

  it('canReadLayerdb is true for the fixture data root', async () => {
    assert.equal(await canReadLayerdb(DATA_ROOT_FIXTURE, 'overlay2'), true);
  });

  it('readLayerdbEntry reads every dle-app layer as recorded (cache-id, size)', async () => {
    const entries = await Promise.all(chainIds.map((chainId) => readLayerdbEntry(DATA_ROOT_FIXTURE, 'overlay2', chainId)));
    entries.forEach((entry, index) => {
      const recorded = app.layerdb[digestHex(chainIds[index])];
      assert.deepEqual(entry, {
        chainId: chainIds[index],
        cacheId: recorded.cacheId,
        size: Number(recorded.size),
      });
      // The layerdb's own diff and parent files agree with the chain computed from the image.
      assert.equal(recorded.diff, diffIds[index]);
      assert.equal(recorded.parent ?? undefined, index === 0 ? undefined : chainIds[index - 1]);
    });
    assert.equal(entries[5].size, 0, 'the "RUN touch /empty" layer has size 0, not undefined');
    assert.equal(entries[0].size, 1982557);
    assert.notEqual(entries[2].cacheId, entries[3].cacheId, 'same diff ID, different folders');
  });

  it('readLayerdbEntry accepts the chain ID with or without "sha256:"', async () => {
    const entry = await readLayerdbEntry(DATA_ROOT_FIXTURE, 'overlay2', digestHex(chainIds[1]));
    assert.equal(entry.cacheId, app.layerdb[digestHex(chainIds[1])].cacheId);
  });

  it('readLayerdbEntry fails clearly for a chain that is not in the layerdb', async () => {
    const missing = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';
    await assert.rejects(readLayerdbEntry(DATA_ROOT_FIXTURE, 'overlay2', missing), (error: Error) => {
      assert.match(error.message, /layerdb has no cache-id for chain sha256:0{64}/);
      assert.ok(error.message.includes(path.join(DATA_ROOT_FIXTURE, 'image', 'overlay2', 'layerdb', 'sha256', '0'.repeat(64))), error.message);
      return true;
    });
  });

  it('readImageConfig returns the stored config with its empty_layer flags', async () => {
    const config = await readImageConfig(DATA_ROOT_FIXTURE, 'overlay2', app.inspect.Id);
    assert.ok(config);
    assert.deepEqual(config.rootfs?.diff_ids, diffIds);
    assert.deepEqual(config.history, app.config.history);
    assert.deepEqual(
      config.history?.map((entry) => entry.empty_layer === true),
      [false, true, true, false, false, false, false, false, true, true],
    );
  });

  it('readImageConfig gives undefined for an unknown image', async () => {
    assert.equal(await readImageConfig(DATA_ROOT_FIXTURE, 'overlay2', 'sha256:' + 'f'.repeat(64)), undefined);
  });
});

describe('layerdb on unreadable data roots', () => {
  let tempRoot: string;
  before(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-layerdb-'));
  });
  after(() => {
    fs.chmodSync(tempRoot, 0o700);
    fs.rmSync(tempRoot, { recursive: true, force: true });
  });

  it('canReadLayerdb is false for a data root that does not exist', async () => {
    assert.equal(await canReadLayerdb(path.join(tempRoot, 'no-such-root'), 'overlay2'), false);
  });

  it('canReadLayerdb is false when the driver has no layerdb', async () => {
    assert.equal(await canReadLayerdb(DATA_ROOT_FIXTURE, 'btrfs'), false);
  });

  it('readImageConfig gives undefined for a config that is not JSON', async () => {
    const dir = path.join(tempRoot, 'image', 'overlay2', 'imagedb', 'content', 'sha256');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ab'.repeat(32)), '{not json');
    assert.equal(await readImageConfig(tempRoot, 'overlay2', 'sha256:' + 'ab'.repeat(32)), undefined);
  });

  it('canReadLayerdb is false for a data root without read permission (mode 000)', async function () {
    if (process.getuid?.() === 0) {
      // The nonexistent-root case above covers `false` for root.
      skipBecause(this, 'running as root (uid 0), and chmod 000 does not stop root from reading');
    }
    const root = path.join(tempRoot, 'locked');
    fs.mkdirSync(path.join(root, 'image', 'overlay2', 'layerdb', 'sha256'), { recursive: true });
    assert.equal(await canReadLayerdb(root, 'overlay2'), true);
    fs.chmodSync(root, 0o000);
    try {
      assert.equal(await canReadLayerdb(root, 'overlay2'), false);
    } finally {
      fs.chmodSync(root, 0o700);
    }
  });
});
