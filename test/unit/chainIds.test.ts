import * as assert from 'node:assert/strict';
import { chainIdsOf } from '../../src/core/model/chainIds';
import { digestHex, shortId } from '../../src/core/digest';
import { IMAGE_FIXTURE_NAMES, imageFixture, layerdbChainIds } from './helpers/fixtures';

describe('chainIdsOf', () => {
  for (const name of IMAGE_FIXTURE_NAMES) {
    it(`gives the layerdb folder names of the recorded ${name} image, bottom first`, () => {
      const fixture = imageFixture(name);
      const diffIds = fixture.inspect.RootFS?.Layers ?? [];
      assert.ok(diffIds.length > 0);
      assert.deepEqual(chainIdsOf(diffIds), layerdbChainIds(fixture));
    });
  }

  it('chains each layerdb entry to its parent (parent file = previous chain ID, diff file = the diff ID)', () => {
    const fixture = imageFixture('dle-app');
    const diffIds = fixture.inspect.RootFS?.Layers ?? [];
    const chainIds = chainIdsOf(diffIds);
    chainIds.forEach((chainId, index) => {
      const entry = fixture.layerdb[digestHex(chainId)];
      assert.ok(entry, `layerdb has chain ${chainId}`);
      assert.equal(entry.diff, diffIds[index]);
      assert.equal(entry.parent, index === 0 ? null : chainIds[index - 1]);
    });
  });

  it('gives different chain IDs to the two dle-app COPY layers that share one diff ID', () => {
    const diffIds = imageFixture('dle-app').inspect.RootFS?.Layers ?? [];
    assert.equal(diffIds.length, 6);
    assert.equal(diffIds[2], diffIds[3], 'fixture: layers 2 and 3 have the same diff ID');
    const chainIds = chainIdsOf(diffIds);
    const recorded = layerdbChainIds(imageFixture('dle-app'));
    assert.equal(chainIds[2], recorded[2]);
    assert.equal(chainIds[3], recorded[3]);
    assert.notEqual(chainIds[2], chainIds[3]);
    assert.equal(new Set(chainIds).size, chainIds.length, 'chain IDs are unique per position');
  });

  it('uses the diff ID itself as the bottom chain ID, and gives [] for no layers', () => {
    const [base] = imageFixture('dle-base').inspect.RootFS?.Layers ?? [];
    assert.deepEqual(chainIdsOf([base]), [base]);
    assert.deepEqual(chainIdsOf([]), []);
  });

  it('shares the bottom chain ID between images built on the same base', () => {
    const app = chainIdsOf(imageFixture('dle-app').inspect.RootFS?.Layers ?? []);
    const shared = chainIdsOf(imageFixture('dle-shared').inspect.RootFS?.Layers ?? []);
    assert.equal(app[0], shared[0]);
    assert.notEqual(app[1], shared[1]);
  });
});

describe('digestHex / shortId', () => {
  it('strips the algorithm and shortens to 12 characters', () => {
    assert.equal(digestHex('sha256:abc123'), 'abc123');
    assert.equal(digestHex('abc123'), 'abc123');
    assert.equal(shortId('sha256:a0e99c0e2b9b8ed68138d13c858c71dfb72691579b97e0f2291e8cc2f8b0b1ff'), 'a0e99c0e2b9b');
    assert.equal(shortId('a0e99c0e2b9b8ed68138d13c858c71dfb72691579b97e0f2291e8cc2f8b0b1ff'), 'a0e99c0e2b9b');
  });
});
