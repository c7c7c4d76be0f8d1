import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readOverlay2Links } from '../../src/core/storage/overlay2/overlay2Links';
import { skipBecause } from '../helpers/skip';
import { containerFixture } from './helpers/containerFixtures';
import { DATA_ROOT_FIXTURE, dataRootManifest, imageFixture, recordedCacheIds } from './helpers/fixtures';

/** A made-up overlay2 folder: layers with diff/, link, lower, and l/<short> → ../<cacheId>/diff. */
class Overlay2Tree {
  readonly driverDir: string;

  constructor(readonly root: string) {
    this.driverDir = path.join(root, 'overlay2');
    fs.mkdirSync(path.join(this.driverDir, 'l'), { recursive: true });
  }

  /** Adds a layer whose lower file lists `below` (cache IDs, top to bottom) by their short links. */
  layer(cacheId: string, short: string, below: string[] = []): string {
    const layerDir = path.join(this.driverDir, cacheId);
    fs.mkdirSync(path.join(layerDir, 'diff'), { recursive: true });
    fs.writeFileSync(path.join(layerDir, 'link'), short);
    fs.symlinkSync(`../${cacheId}/diff`, path.join(this.driverDir, 'l', short));
    if (below.length > 0) {
      fs.writeFileSync(path.join(layerDir, 'lower'), below.map((id) => `l/${this.shortOf(id)}`).join(':'));
    }
    return layerDir;
  }

  shortOf(cacheId: string): string {
    return fs.readFileSync(path.join(this.driverDir, cacheId, 'link'), 'utf8');
  }

  writeLower(cacheId: string, lower: string): string {
    const layerDir = path.join(this.driverDir, cacheId);
    fs.mkdirSync(layerDir, { recursive: true });
    fs.writeFileSync(path.join(layerDir, 'lower'), lower);
    return layerDir;
  }
}

const id = (n: number) => String(n).repeat(64).slice(0, 64);

describe('readOverlay2Links', () => {
  let tree: Overlay2Tree;
  let tempRoot: string;

  beforeEach(() => {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-overlay2-'));
    tree = new Overlay2Tree(tempRoot);
  });
  afterEach(() => fs.rmSync(tempRoot, { recursive: true, force: true }));

  it('resolves every lower entry to the cache ID of the layer below, top to bottom', async () => {
    tree.layer(id(1), 'AAAAAAAAAAAAAAAAAAAAAAAAA1');
    tree.layer(id(2), 'BBBBBBBBBBBBBBBBBBBBBBBBB2', [id(1)]);
    tree.layer(id(3), 'CCCCCCCCCCCCCCCCCCCCCCCCC3', [id(2), id(1)]);
    const top = tree.layer(id(4), 'DDDDDDDDDDDDDDDDDDDDDDDDD4', [id(3), id(2), id(1)]);
    const links = await readOverlay2Links(top);
    assert.deepEqual(links, {
      link: 'DDDDDDDDDDDDDDDDDDDDDDDDD4',
      lower: [
        { link: 'l/CCCCCCCCCCCCCCCCCCCCCCCCC3', cacheId: id(3) },
        { link: 'l/BBBBBBBBBBBBBBBBBBBBBBBBB2', cacheId: id(2) },
        { link: 'l/AAAAAAAAAAAAAAAAAAAAAAAAA1', cacheId: id(1) },
      ],
    });
  });

  it('resolves an -init layer name (container init layers are <mount ID>-init)', async () => {
    tree.layer(id(1), 'AAAAAAAAAAAAAAAAAAAAAAAAA1');
    tree.layer(`${id(5)}-init`, 'IIIIIIIIIIIIIIIIIIIIIIIII5', [id(1)]);
    const readWrite = tree.layer(id(5), 'RRRRRRRRRRRRRRRRRRRRRRRRR5', [`${id(5)}-init`, id(1)]);
    const links = await readOverlay2Links(readWrite);
    assert.deepEqual(
      links.lower?.map((lower) => lower.cacheId),
      [`${id(5)}-init`, id(1)],
    );
  });

  it('gives lower null for the bottom layer (no lower file), and link null when link is missing', async () => {
    const bottom = tree.layer(id(1), 'AAAAAAAAAAAAAAAAAAAAAAAAA1');
    assert.deepEqual(await readOverlay2Links(bottom), { link: 'AAAAAAAAAAAAAAAAAAAAAAAAA1', lower: null });
    const bare = path.join(tree.driverDir, id(9));
    fs.mkdirSync(bare);
    assert.deepEqual(await readOverlay2Links(bare), { link: null, lower: null });
  });

  it('gives link and lower null for a layer folder that does not exist', async () => {
    assert.deepEqual(await readOverlay2Links(path.join(tree.driverDir, id(7))), { link: null, lower: null });
    assert.deepEqual(await readOverlay2Links(path.join(tempRoot, 'nowhere', 'at', 'all')), { link: null, lower: null });
  });

  it('gives cacheId null for a lower entry whose l/ link is missing, but keeps the others', async () => {
    tree.layer(id(1), 'AAAAAAAAAAAAAAAAAAAAAAAAA1');
    const top = tree.writeLower(id(2), 'l/MISSINGMISSINGMISSING0000:l/AAAAAAAAAAAAAAAAAAAAAAAAA1');
    const links = await readOverlay2Links(top);
    assert.equal(links.link, null);
    assert.deepEqual(links.lower, [
      { link: 'l/MISSINGMISSINGMISSING0000', cacheId: null },
      { link: 'l/AAAAAAAAAAAAAAAAAAAAAAAAA1', cacheId: id(1) },
    ]);
  });

  it('ignores empty entries (a trailing ":" or "::") and surrounding whitespace', async () => {
    tree.layer(id(1), 'AAAAAAAAAAAAAAAAAAAAAAAAA1');
    const top = tree.writeLower(id(2), 'l/AAAAAAAAAAAAAAAAAAAAAAAAA1::\n');
    const links = await readOverlay2Links(top);
    assert.deepEqual(links.lower, [{ link: 'l/AAAAAAAAAAAAAAAAAAAAAAAAA1', cacheId: id(1) }]);
  });

  describe('hostile lower entries are listed but never followed', () => {
    // Decoys: links shaped like l/ links (../<id>/diff) where ../etc, l/../x, l/../../x and the bare
    // name would land if they were followed, so cacheId null shows they were not.
    beforeEach(() => {
      fs.symlinkSync(`../${id(6)}/diff`, path.join(tempRoot, 'x'));
      fs.symlinkSync(`../${id(6)}/diff`, path.join(tree.driverDir, 'x'));
      fs.symlinkSync(`../${id(6)}/diff`, path.join(tempRoot, 'etc'));
      fs.symlinkSync(`../${id(6)}/diff`, path.join(tree.driverDir, 'DECOYINDRIVERDIR0000000000'));
    });

    /** [what, the lower entry given the temp root]. */
    const hostile: [string, (root: string) => string][] = [
      ['a parent-relative path', () => '../etc'],
      ['a deeper parent-relative path', () => '../../etc'],
      ['l/ followed by ..', () => 'l/../x'],
      ['l/ followed by ../..', () => 'l/../../x'],
      ['an absolute path', () => '/etc'],
      ['an absolute path to a link shaped like an l/ link', (root) => path.join(root, 'x')],
      ['a name outside l/', () => 'DECOYINDRIVERDIR0000000000'],
      ['l/ with a nested path', () => 'l/AAAAAAAAAAAAAAAAAAAAAAAAA1/../../x'],
      ['l/ with a dot name', () => 'l/.'],
    ];

    for (const [what, entryFor] of hostile) {
      it(`${what} (${entryFor('<temp>')}): cacheId null`, async () => {
        const entry = entryFor(tempRoot);
        tree.layer(id(1), 'AAAAAAAAAAAAAAAAAAAAAAAAA1');
        const top = tree.writeLower(id(2), `${entry}:l/AAAAAAAAAAAAAAAAAAAAAAAAA1`);
        const links = await readOverlay2Links(top);
        assert.deepEqual(links.lower, [
          { link: entry, cacheId: null },
          { link: 'l/AAAAAAAAAAAAAAAAAAAAAAAAA1', cacheId: id(1) },
        ]);
      });
    }

    it('an l/ link whose target leaves the driver folder or is absolute: cacheId null', async () => {
      const targets = ['../../etc/diff', `/var/lib/docker/overlay2/${id(1)}/diff`, '../../../x', `../${id(1)}/diff/../../..`, `../${id(1)}/merged`, `${id(1)}/diff`];
      targets.forEach((target, n) => fs.symlinkSync(target, path.join(tree.driverDir, 'l', `EVIL${n}`.padEnd(26, '0'))));
      const top = tree.writeLower(id(2), targets.map((_, n) => `l/${`EVIL${n}`.padEnd(26, '0')}`).join(':'));
      const links = await readOverlay2Links(top);
      assert.deepEqual(
        links.lower?.map((lower) => lower.cacheId),
        targets.map(() => null),
        `targets ${targets.join(', ')}`,
      );
    });

    it('an l/ entry that is a regular file, not a link: cacheId null', async () => {
      fs.writeFileSync(path.join(tree.driverDir, 'l', 'PLAINFILE00000000000000000'), `../${id(1)}/diff`);
      const top = tree.writeLower(id(2), 'l/PLAINFILE00000000000000000');
      assert.deepEqual((await readOverlay2Links(top)).lower, [{ link: 'l/PLAINFILE00000000000000000', cacheId: null }]);
    });
  });

  describe('on the recorded data root (test/fixtures/data-root-overlay2)', () => {
    before(function () {
      if (!dataRootManifest()) {
        skipBecause(this, `no ${DATA_ROOT_FIXTURE}/fixture-manifest.json: the data-root fixture is not recorded`);
      }
    });

    it("dle-app's top layer lists the five layers below it, top to bottom, by cache ID", async () => {
      const cacheIds = recordedCacheIds(imageFixture('dle-app'));
      const links = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', cacheIds[5]));
      assert.match(links.link ?? '', /^[A-Z0-9]{26}$/);
      assert.deepEqual(
        links.lower?.map((lower) => lower.cacheId),
        cacheIds.slice(0, 5).reverse(),
      );
    });

    it("dle-exited's read-write layer sits on its -init layer, then the image's layers", async () => {
      const { mounts } = containerFixture('dle-exited');
      const cacheIds = recordedCacheIds(imageFixture('dle-app'));
      const links = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', mounts.mountId));
      assert.deepEqual(
        links.lower?.map((lower) => lower.cacheId),
        [mounts.initId, ...[...cacheIds].reverse()],
      );
    });

    it("each layer's own link is the short name the layer above uses for it", async () => {
      const cacheIds = recordedCacheIds(imageFixture('dle-app'));
      const top = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', cacheIds[5]));
      for (const [position, lower] of (top.lower ?? []).entries()) {
        const below = await readOverlay2Links(path.join(DATA_ROOT_FIXTURE, 'overlay2', cacheIds[4 - position]));
        assert.equal(lower.link, `l/${below.link}`);
      }
    });
  });
});
