/**
 * BuildKit provenance through the Engine's archive, on Docker 26 with the containerd store (the
 * store that keeps attestations): a `--provenance=mode=max` build of the multi-stage test
 * Dockerfile gives each layer its Dockerfile line, once the archive is at hand.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArchiveCache } from '../../src/core/archive/archiveCache';
import { EngineClient } from '../../src/core/engine/engineClient';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { requireContainerdDaemon, run } from './helpers/daemon';

let HOST: string | undefined;
const CONTEXT = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dockerfiles', 'multistage');
const TAG = `dle-provenance:${process.pid}`;

describe('BuildKit provenance from the Engine archive (Docker 26, containerd store)', function () {
  this.timeout(180_000);
  let scratch: string;

  before(async function () {
    HOST = requireContainerdDaemon(this);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-provenance-'));
    const build = await run('docker', ['buildx', 'build', '-q', '--network', 'none', '--provenance=mode=max', '--load', '-t', TAG, CONTEXT], { env: { ...process.env, DOCKER_HOST: HOST } });
    assert.equal(build.code, 0, build.stderr);
  });
  after(async () => {
    if (HOST) {
      await run('docker', ['-H', HOST, 'rmi', '-f', TAG]);
    }
    if (scratch) {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("names each layer's Dockerfile line once the archive is here, and nothing before", async () => {
    const engine = await EngineClient.connect({ host: HOST!, source: '--host' }, silentLogger);
    const archives = new ArchiveCache({ dir: scratch, maxBytes: 1e9, log: silentLogger });
    const catalog = new ImageCatalog(engine, silentLogger, { archives });
    const image = await catalog.imageLayers(TAG);
    assert.equal(await catalog.provenance(image.image.id), undefined, 'no archive downloaded yet: a lens never starts a download');
    // As a docker-group user reading the layers would: the Engine's archive, downloaded into the cache.
    await archives.imageArchive(engine, image.image.id);
    const lines = await catalog.provenance(image.image.id);
    assert.ok(lines, 'the archive holds the provenance statement');
    assert.equal(lines.filename, 'Dockerfile');
    const top = image.layers.length - 1;
    assert.deepEqual(
      [...lines.layers].map(([index, [first]]) => [top - index, first + 1]),
      [[3, 12], [2, 13], [1, 14], [0, 15]],
      'counted from the top: WORKDIR (line 12), COPY --from (13), COPY (14), RUN (15)',
    );
    assert.deepEqual(lines.fromLines, [6, 6], 'the final stage\'s FROM, line 7');
  });
});
