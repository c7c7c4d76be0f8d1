import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readMountEntry } from '../../src/core/storage/overlay2/layerdb';
import { skipBecause } from '../helpers/skip';
import { CONTAINER_FIXTURE_NAMES, containerFixture } from './helpers/containerFixtures';
import { DATA_ROOT_FIXTURE, dataRootManifest } from './helpers/fixtures';

const recordedContainers = () => dataRootManifest()?.containers ?? [];

describe('readMountEntry (layerdb/mounts/<container id>)', () => {
  describe('against test/fixtures/data-root-overlay2', function () {
    before(function () {
      const manifest = dataRootManifest();
      if (!manifest) {
        skipBecause(this, `no ${DATA_ROOT_FIXTURE}/fixture-manifest.json: the data-root fixture is not recorded`);
      }
      if (!fs.existsSync(path.join(DATA_ROOT_FIXTURE, 'image', 'overlay2', 'layerdb', 'mounts'))) {
        skipBecause(this, 'the data-root fixture has no image/overlay2/layerdb/mounts (recorded without containers)');
      }
    });

    for (const name of CONTAINER_FIXTURE_NAMES) {
      it(`reads ${name}'s mount-id, init-id and parent as recorded`, async () => {
        const { inspect, mounts } = containerFixture(name);
        assert.ok(
          recordedContainers().some((container) => container.id === inspect.Id && container.name === `/${name}`),
          `fixture-manifest.json lists ${name}`,
        );
        const entry = await readMountEntry(DATA_ROOT_FIXTURE, 'overlay2', inspect.Id);
        assert.deepEqual(entry, { containerId: inspect.Id, mountId: mounts.mountId, initId: mounts.initId, parentChainId: mounts.parent });
        assert.equal(entry?.initId, `${entry?.mountId}-init`);
        assert.ok(fs.statSync(path.join(DATA_ROOT_FIXTURE, 'overlay2', entry?.mountId ?? '')).isDirectory(), 'the mount ID names an overlay2 folder');
      });
    }

    it("the parent is the chain ID of the image's top layer", async () => {
      const { inspect } = containerFixture('dle-container');
      const entry = await readMountEntry(DATA_ROOT_FIXTURE, 'overlay2', inspect.Id);
      const hex = entry?.parentChainId?.replace(/^sha256:/, '') ?? '';
      assert.match(entry?.parentChainId ?? '', /^sha256:[0-9a-f]{64}$/);
      assert.ok(fs.existsSync(path.join(DATA_ROOT_FIXTURE, 'image', 'overlay2', 'layerdb', 'sha256', hex, 'cache-id')));
    });

    it('gives undefined for a container that has no mount entry', async () => {
      assert.equal(await readMountEntry(DATA_ROOT_FIXTURE, 'overlay2', 'f'.repeat(64)), undefined);
    });

    it('gives undefined for another driver and a data root that does not exist', async () => {
      const { inspect } = containerFixture('dle-exited');
      assert.equal(await readMountEntry(DATA_ROOT_FIXTURE, 'btrfs', inspect.Id), undefined);
      assert.equal(await readMountEntry(path.join(os.tmpdir(), 'dle-no-such-data-root'), 'overlay2', inspect.Id), undefined);
    });
  });

  describe('on hand-made mount folders', () => {
    let dataRoot: string;
    // Container IDs as the Engine gives them: only those may become part of a path.
    const [C1, C2, C3, C4] = ['1', '2', '3', '4'].map((digit) => digit.repeat(64));
    const mountsDir = () => path.join(dataRoot, 'image', 'overlay2', 'layerdb', 'mounts');
    const write = (id: string, files: Record<string, string>) => {
      fs.mkdirSync(path.join(mountsDir(), id), { recursive: true });
      for (const [file, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(mountsDir(), id, file), text);
      }
    };
    before(() => {
      dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-mounts-'));
    });
    after(() => fs.rmSync(dataRoot, { recursive: true, force: true }));

    it('trims newlines and treats a missing init-id or parent as undefined', async () => {
      write(C1, { 'mount-id': 'abc\n' });
      assert.deepEqual(await readMountEntry(dataRoot, 'overlay2', C1), { containerId: C1, mountId: 'abc', initId: undefined, parentChainId: undefined });
    });

    it('gives undefined when mount-id is missing or blank', async () => {
      write(C2, { 'init-id': 'abc-init', parent: 'sha256:' + '1'.repeat(64) });
      write(C3, { 'mount-id': ' \n', 'init-id': 'abc-init' });
      assert.equal(await readMountEntry(dataRoot, 'overlay2', C2), undefined);
      assert.equal(await readMountEntry(dataRoot, 'overlay2', C3), undefined);
    });

    it('reads nothing for a container ID that is not 64 hex digits', async () => {
      write('c5', { 'mount-id': 'abc' });
      assert.equal(await readMountEntry(dataRoot, 'overlay2', 'c5'), undefined);
      assert.equal(await readMountEntry(dataRoot, 'overlay2', '../../../../etc'), undefined);
    });

    it('gives undefined when the mount folder is a file (ENOTDIR)', async () => {
      fs.mkdirSync(mountsDir(), { recursive: true });
      fs.writeFileSync(path.join(mountsDir(), C4), 'not a folder');
      assert.equal(await readMountEntry(dataRoot, 'overlay2', C4), undefined);
    });
  });
});
