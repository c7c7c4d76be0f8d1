/**
 * ImageCatalog's container layers against the real dockerd: the read-write and init folders must be
 * the ones Docker itself records (layerdb/mounts/<id>/mount-id) and reports (GraphDriver.Data).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ContainerLayers } from '../../src/core/model/container';
import { skipBecause } from '../helpers/skip';
import { Daemon, REPO_ROOT, requireDaemon, run } from './helpers/daemon';

/** `docker container inspect NAME` through the docker CLI, parsed. */
async function dockerInspect(name: string): Promise<{ Id: string; GraphDriver: { Name: string; Data: Record<string, string> | null } }> {
  const result = await run('docker', ['container', 'inspect', name]);
  assert.equal(result.code, 0, `docker container inspect ${name} failed:\n${result.stderr}`);
  return (JSON.parse(result.stdout) as { Id: string; GraphDriver: { Name: string; Data: Record<string, string> | null } }[])[0];
}

const DOCKER_RUN_UNAVAILABLE = path.join(REPO_ROOT, 'test-results', 'docker-run-unavailable');

describe('container layers against the real dockerd', function () {
  let daemon: Daemon;

  before(async function () {
    daemon = await requireDaemon(this);
  });

  it('lists dle-container (created) and dle-exited (exited) on dle-app:1.0', async function () {
    const containers = await daemon.catalog().listContainers();
    const byName = new Map(containers.map((container) => [container.name, container]));
    const created = byName.get('dle-container');
    assert.ok(created, `dle-container is listed (run bash test/setup/build-test-images.sh); listed: ${[...byName.keys()].join(', ')}`);
    assert.equal(created.state, 'created');
    assert.equal(created.imageId, daemon.images.app.Id);
    const exited = byName.get('dle-exited');
    if (!exited && fs.existsSync(DOCKER_RUN_UNAVAILABLE)) {
      skipBecause(this, `dle-exited was not made: ${fs.readFileSync(DOCKER_RUN_UNAVAILABLE, 'utf8').split('\n')[0]}`);
    }
    assert.ok(exited, 'dle-exited is listed');
    assert.equal(exited.state, 'exited');
    assert.equal(exited.imageId, daemon.images.app.Id);
  });

  for (const name of ['dle-container', 'dle-exited']) {
    describe(name, () => {
      let layers: ContainerLayers;
      let inspect: Awaited<ReturnType<typeof dockerInspect>>;

      before(async function () {
        if (name === 'dle-exited' && (await run('docker', ['container', 'inspect', name])).code !== 0 && fs.existsSync(DOCKER_RUN_UNAVAILABLE)) {
          skipBecause(this, `dle-exited was not made: docker run does not work here (${DOCKER_RUN_UNAVAILABLE})`);
        }
        [layers, inspect] = await Promise.all([daemon.catalog().containerLayers(name), dockerInspect(name)]);
      });

      it("the read-write layer's folder is dirname of `docker inspect` GraphDriver.Data.UpperDir", () => {
        const upperDir = inspect.GraphDriver.Data?.UpperDir;
        assert.ok(upperDir, `docker inspect ${name} has GraphDriver.Data.UpperDir`);
        assert.ok(layers.readWrite);
        assert.equal(layers.readWrite.layerDir, path.posix.dirname(upperDir));
        assert.equal(layers.readWrite.diffDir, upperDir);
        assert.equal(layers.container.id, inspect.Id);
      });

      it("the init layer's diff is the first LowerDir entry, <read-write cache ID>-init", () => {
        assert.ok(layers.readWrite && layers.init);
        assert.equal(layers.init.cacheId, `${layers.readWrite.cacheId}-init`);
        assert.equal(layers.init.diffDir, inspect.GraphDriver.Data?.LowerDir?.split(':')[0]);
      });

      describe('as root, against layerdb/mounts on disk', () => {
        let mountDir: string;
        before(function () {
          if (process.getuid?.() !== 0) {
            skipBecause(this, `not root (uid ${process.getuid?.()}): ${daemon.info.DockerRootDir} cannot be read`);
          }
          mountDir = path.join(daemon.info.DockerRootDir ?? '', 'image', 'overlay2', 'layerdb', 'mounts', inspect.Id);
        });

        it('layerDir is <data root>/overlay2/<cat layerdb/mounts/<id>/mount-id>, read from the layerdb', () => {
          const mountId = fs.readFileSync(path.join(mountDir, 'mount-id'), 'utf8').trim();
          assert.ok(layers.readWrite);
          assert.equal(layers.readWrite.source, 'layerdb');
          assert.equal(layers.readWrite.cacheId, mountId);
          assert.equal(layers.readWrite.layerDir, `${daemon.info.DockerRootDir}/overlay2/${mountId}`);
          assert.equal(layers.readWrite.layerDir, path.posix.dirname(inspect.GraphDriver.Data?.UpperDir ?? ''));
          assert.ok(fs.statSync(layers.readWrite.diffDir).isDirectory(), `${layers.readWrite.diffDir} exists`);
        });

        it('init is mount-id + "-init", as layerdb/mounts/<id>/init-id says', () => {
          const mountId = fs.readFileSync(path.join(mountDir, 'mount-id'), 'utf8').trim();
          const initId = fs.readFileSync(path.join(mountDir, 'init-id'), 'utf8').trim();
          assert.equal(initId, `${mountId}-init`);
          assert.ok(layers.init);
          assert.equal(layers.init.source, 'layerdb');
          assert.equal(layers.init.cacheId, initId);
          assert.equal(layers.init.layerDir, `${daemon.info.DockerRootDir}/overlay2/${initId}`);
          assert.ok(fs.existsSync(path.join(layers.init.diffDir, 'etc', 'hosts')), 'the init layer holds /etc/hosts');
        });

        it(name === 'dle-exited' ? "the read-write diff holds rw.txt, the file the run wrote" : 'the read-write diff is empty (never run)', () => {
          assert.ok(layers.readWrite);
          const entries = fs.readdirSync(layers.readWrite.diffDir);
          if (name === 'dle-exited') {
            assert.ok(entries.includes('rw.txt'), `${layers.readWrite.diffDir} holds ${entries.join(', ')}`);
            assert.equal(fs.readFileSync(path.join(layers.readWrite.diffDir, 'rw.txt'), 'utf8'), 'x\n');
          } else {
            assert.deepEqual(entries, []);
          }
        });
      });
    });
  }

  it('the two containers have their own read-write and init folders', async function () {
    if ((await run('docker', ['container', 'inspect', 'dle-exited'])).code !== 0) {
      skipBecause(this, 'dle-exited does not exist');
    }
    const catalog = daemon.catalog();
    const [created, exited] = await Promise.all([catalog.containerLayers('dle-container'), catalog.containerLayers('dle-exited')]);
    assert.notEqual(created.readWrite?.layerDir, exited.readWrite?.layerDir);
    assert.notEqual(created.init?.layerDir, exited.init?.layerDir);
  });
});
