/**
 * readOverlay2Links on the real overlay2 folder (root only): each layer's `lower` file, resolved
 * through overlay2/l/, must name exactly the layers below it, top to bottom.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ImageLayers } from '../../src/core/model/imageLayers';
import { readOverlay2Links } from '../../src/core/storage/overlay2/overlay2Links';
import { skipBecause } from '../helpers/skip';
import { Daemon, requireDaemon } from './helpers/daemon';

describe('readOverlay2Links on the real overlay2 folder', function () {
  let daemon: Daemon;
  let app: ImageLayers;

  before(async function () {
    daemon = await requireDaemon(this);
    if (process.getuid?.() !== 0) {
      skipBecause(this, `not root (uid ${process.getuid?.()}): ${daemon.info.DockerRootDir}/overlay2 cannot be read`);
    }
    app = await daemon.catalog().imageLayers(daemon.images.app.Id);
    assert.equal(app.layers.length, 6);
  });

  it("dle-app's top layer: every lower entry resolves to the cache IDs of the five layers below, in order", async () => {
    const top = app.layers[5];
    const links = await readOverlay2Links(top.layerDir ?? '');
    assert.ok(links.lower, `${top.layerDir}/lower was read`);
    assert.deepEqual(
      links.lower.map((lower) => lower.cacheId),
      app.layers
        .slice(0, 5)
        .reverse()
        .map((layer) => layer.cacheId),
    );
  });

  it('every dle-app layer: link is its own l/ name, lower lists the layers below top to bottom (none for the bottom one)', async () => {
    const driverDir = path.join(daemon.info.DockerRootDir ?? '', 'overlay2');
    for (const layer of app.layers) {
      const links = await readOverlay2Links(layer.layerDir ?? '');
      const where = `layer ${layer.index} (${layer.layerDir})`;
      assert.equal(links.link, fs.readFileSync(path.join(layer.layerDir ?? '', 'link'), 'utf8').trim(), where);
      assert.equal(fs.readlinkSync(path.join(driverDir, 'l', links.link ?? '')), `../${layer.cacheId}/diff`, `${where}: l/${links.link} points back at it`);
      if (layer.index === 0) {
        assert.equal(links.lower, null, `${where}: the bottom layer has no lower file`);
        continue;
      }
      assert.deepEqual(
        links.lower?.map((lower) => lower.cacheId),
        app.layers
          .slice(0, layer.index)
          .reverse()
          .map((below) => below.cacheId),
        where,
      );
      assert.ok(
        links.lower?.every((lower) => /^l\/[A-Z0-9]{26}$/.test(lower.link)),
        where,
      );
    }
  });

  it("dle-exited's read-write layer sits on its init layer, then dle-app's layers", async function () {
    const containers = await daemon.catalog().listContainers();
    if (!containers.some((container) => container.name === 'dle-exited')) {
      skipBecause(this, 'dle-exited does not exist (docker run may not work here)');
    }
    const layers = await daemon.catalog().containerLayers('dle-exited');
    const links = await readOverlay2Links(layers.readWrite?.layerDir ?? '');
    assert.deepEqual(
      links.lower?.map((lower) => lower.cacheId),
      [layers.init?.cacheId, ...[...app.layers].reverse().map((layer) => layer.cacheId)],
    );
  });
});
