import * as assert from 'node:assert/strict';
import * as path from 'path';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { digestHex } from '../../src/core/digest';
import { directoryOfDiff, layerDirectoriesFromGraphDriver } from '../../src/core/storage/graphDriverDirectories';
import { IMAGE_FIXTURE_NAMES, imageFixture, recordedCacheIds } from './helpers/fixtures';

describe('layerDirectoriesFromGraphDriver', () => {
  for (const name of IMAGE_FIXTURE_NAMES) {
    it(`agrees with the layerdb cache IDs, layer by layer, for the recorded ${name} image`, () => {
      const fixture = imageFixture(name);
      const diffIds = fixture.inspect.RootFS?.Layers ?? [];
      const directories = layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, diffIds.length);
      assert.ok(directories, 'GraphDriver data describes every layer');
      const expectedCacheIds = chainIdsOf(diffIds).map((chainId) => fixture.layerdb[digestHex(chainId)].cacheId);
      assert.deepEqual(
        directories.map((directory) => directory.cacheId),
        expectedCacheIds,
      );
      assert.deepEqual(
        directories.map((directory) => directory.diffDir),
        expectedCacheIds.map((cacheId) => `/var/lib/docker/overlay2/${cacheId}/diff`),
      );
      assert.deepEqual(
        directories.map((directory) => directory.layerDir),
        expectedCacheIds.map((cacheId) => `/var/lib/docker/overlay2/${cacheId}`),
      );
    });
  }

  it('puts UpperDir on top and LowerDir reversed below it (dle-app, 6 layers)', () => {
    const fixture = imageFixture('dle-app');
    const directories = layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, 6);
    assert.ok(directories);
    const upper = fixture.inspect.GraphDriver?.Data?.UpperDir;
    const lower = (fixture.inspect.GraphDriver?.Data?.LowerDir ?? '').split(':');
    assert.equal(lower.length, 5);
    assert.equal(directories[5].diffDir, upper);
    assert.deepEqual(
      directories.slice(0, 5).map((directory) => directory.diffDir),
      [...lower].reverse(),
    );
    const cacheIds = recordedCacheIds(fixture);
    assert.equal(directories[0].cacheId, cacheIds[0]);
    // The two COPY layers share a diff ID but not a folder.
    assert.equal(directories[2].cacheId, cacheIds[2]);
    assert.equal(directories[3].cacheId, cacheIds[3]);
    assert.notEqual(directories[2].cacheId, directories[3].cacheId);
  });

  it('maps a one-layer image (no LowerDir) from UpperDir alone', () => {
    const fixture = imageFixture('dle-base');
    assert.equal(fixture.inspect.GraphDriver?.Data?.LowerDir, undefined, 'fixture: one-layer image has no LowerDir');
    const [cacheId] = recordedCacheIds(fixture);
    assert.deepEqual(layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, 1), [
      { cacheId, layerDir: `/var/lib/docker/overlay2/${cacheId}`, diffDir: `/var/lib/docker/overlay2/${cacheId}/diff` },
    ]);
  });

  it('gives undefined when the folders do not match the layer count', () => {
    const fixture = imageFixture('dle-app');
    assert.equal(layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, 5), undefined);
    assert.equal(layerDirectoriesFromGraphDriver(fixture.inspect.GraphDriver, 7), undefined);
    assert.equal(layerDirectoriesFromGraphDriver(imageFixture('dle-base').inspect.GraphDriver, 2), undefined);
  });

  it('gives undefined for the containerd image store ({"Name":"overlayfs","Data":null}) and missing data', () => {
    assert.equal(layerDirectoriesFromGraphDriver({ Name: 'overlayfs', Data: null }, 1), undefined);
    assert.equal(layerDirectoriesFromGraphDriver({ Name: 'overlay2', Data: {} }, 1), undefined);
    assert.equal(layerDirectoriesFromGraphDriver(null, 1), undefined);
    assert.equal(layerDirectoriesFromGraphDriver(undefined, 0), undefined);
  });
});

describe('directoryOfDiff', () => {
  it('splits a diff path into cache ID and layer folder', () => {
    assert.deepEqual(directoryOfDiff('/data/docker/overlay2/abc/diff'), {
      cacheId: 'abc',
      layerDir: '/data/docker/overlay2/abc',
      diffDir: '/data/docker/overlay2/abc/diff',
    });
  });

  it('says what path.posix.dirname and basename say, for odd paths too', () => {
    const odd = ['/data/docker/overlay2/abc/diff', 'abc/diff', '/diff', 'diff', '/', '', '//diff', '/a//b/diff', '/a/b//diff', '/a/b/diff/', '/a/b/diff//', '/a/./diff', '/a/../diff', 'a//diff', '///'];
    for (const diffDir of odd) {
      const layerDir = path.posix.dirname(diffDir);
      assert.deepEqual(directoryOfDiff(diffDir), { cacheId: path.posix.basename(layerDir), layerDir, diffDir }, diffDir);
    }
  });
});
