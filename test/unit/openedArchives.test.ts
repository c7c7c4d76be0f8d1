/**
 * Saved archives opened in the Images view: closing one while the view refreshes neither leaves a
 * copy of it open nor remembers it again.
 */
import { MemoryMemento } from './helpers/vscodeStub';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { OpenedArchives } from '../../src/connection/openedArchives';
import { ArchiveCache } from '../../src/core/archive/archiveCache';
import { silentLogger } from '../../src/core/logger';
import { savedArchive } from './helpers/archiveBuilder';
import { tarOf } from './helpers/tarBuilder';

describe('OpenedArchives', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-opened-'));
  });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  const copiesIn = (cache: ArchiveCache) =>
    fs.existsSync(cache.filesDir) ? (fs.readdirSync(cache.filesDir, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(cache.filesDir, name)).isFile()) : [];

  it('refuses to open an archive again while it closes: no copy is left open, and it is not remembered again', async () => {
    const saved = path.join(scratch, 'saved.tar.gz');
    fs.writeFileSync(saved, zlib.gzipSync(savedArchive([{ repoTags: ['acc/saved:1'], layers: [tarOf([{ name: 'a.txt', content: 'a' }])] }]).bytes));
    const cache = new ArchiveCache({ dir: path.join(scratch, 'cache'), maxBytes: 1024 ** 3, log: silentLogger });
    const archives = new OpenedArchives(new MemoryMemento(), cache, silentLogger);
    await archives.open(saved);
    assert.deepEqual(archives.paths, [saved]);
    const closing = archives.close(saved);
    // A tree refresh while it closes asks for its catalog.
    const refreshed = archives.catalogOfOpened(saved).then(
      () => 'opened',
      () => 'refused',
    );
    await closing;
    assert.equal(await refreshed, 'refused');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(archives.paths, [], 'not remembered again');
    assert.deepEqual(copiesIn(cache), [], 'no copy of it is left open');
    const again = await archives.open(saved);
    assert.equal(again.archive.images[0].repoTags[0], 'acc/saved:1', 'it opens again once closed');
    await archives.close(saved);
    archives.dispose();
  });
});
