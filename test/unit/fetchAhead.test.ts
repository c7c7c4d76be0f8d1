/**
 * Fetching ahead (EngineClient.fetchImagesAhead, ImageCatalog.fetchAhead): the requests go out
 * at once, the next inspect and history of each image take their answers without asking again,
 * failures reach whoever takes them, and nothing is asked where root reads configs from disk.
 */
import * as assert from 'node:assert/strict';
import { renderAllImages } from '../../src/cli/commands/ls';
import { EngineApi } from '../../src/core/engine/engineApi';
import { EngineClient } from '../../src/core/engine/engineClient';
import { EngineNotFoundError } from '../../src/core/engine/engineErrors';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { FakeEngine } from './helpers/fakeEngine';
import { imageFixture } from './helpers/fixtures';
import { recordedCatalog } from './helpers/recordedEngine';

const APP = imageFixture('dle-app').inspect;
const pathOf = (url: string) => new URL(url, 'http://engine').pathname;

describe('fetching image answers ahead', function () {
  this.timeout(20_000);
  let engine: FakeEngine;
  let client: EngineClient;

  beforeEach(async () => {
    engine = await FakeEngine.start();
    client = await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger);
  });
  afterEach(async () => {
    await engine.stop();
  });

  it('asks once: the next inspect and history take the answers fetched ahead, and a later one asks again', async () => {
    await client.fetchImagesAhead([APP.Id]);
    const asked = engine.requests.map(pathOf);
    assert.deepEqual(asked.sort(), [`/images/${APP.Id}/history`, `/images/${APP.Id}/json`]);
    const [inspect, history] = await Promise.all([client.inspectImage(APP.Id), client.imageHistory(APP.Id)]);
    assert.equal(inspect.Id, APP.Id);
    assert.ok(history.length > 0);
    assert.equal(engine.requests.length, 2, 'taken, not asked again');
    await client.inspectImage(APP.Id);
    assert.equal(engine.requests.length, 3, 'an answer is taken once');
  });

  it('drops answers not taken by its next call (an empty list only drops them)', async () => {
    await client.fetchImagesAhead([APP.Id]);
    await client.fetchImagesAhead([]);
    await client.imageHistory(APP.Id);
    assert.equal(engine.requests.length, 3);
  });

  it("keeps to the taker's signal: an aborted taker gets no answer; an answer the listing cancelled is asked again", async () => {
    await client.fetchImagesAhead([APP.Id]);
    const taker = new AbortController();
    taker.abort(new Error('the taker gave up'));
    await assert.rejects(client.inspectImage(APP.Id, taker.signal), /the taker gave up/);

    const listing = new AbortController();
    engine.misbehave = (request) => pathOf(request.url ?? '') === `/images/${APP.Id}/history` && engine.requests.length <= 4;
    const ahead = client.fetchImagesAhead([APP.Id], listing.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    listing.abort(new Error('the listing stopped'));
    await ahead;
    engine.misbehave = () => false;
    const history = await client.imageHistory(APP.Id);
    assert.ok(history.length > 0);
    assert.equal(engine.requests.filter((url) => pathOf(url).endsWith('/history')).length, 3, 'asked again, not failed with the listing');
  });

  it('a listing drops what it fetched ahead and did not take when it ends, failing or not, and the next load asks anew', async () => {
    const catalog = new ImageCatalog(client, silentLogger);
    let dropped = 0;
    const drop = catalog.dropFetchedAhead.bind(catalog);
    catalog.dropFetchedAhead = () => {
      dropped++;
      drop();
    };
    await renderAllImages(catalog, (image) => image.image.id);
    assert.equal(dropped, 1);
    await assert.rejects(
      renderAllImages(catalog, () => {
        throw new Error('render failed');
      }),
      /render failed/,
    );
    assert.equal(dropped, 2);
    const listed = (await catalog.listImages()).map((image) => image.id);
    const before = engine.requests.length;
    await Promise.all(listed.map((id) => catalog.imageLayersUncached(id)));
    assert.equal(engine.requests.length - before, listed.length * 2, 'inspect and history of each asked anew');
  });

  it('keeps a failure for its taker: a 404 is EngineNotFoundError there, and no unhandled rejection before', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      engine.misbehave = (request, response) => {
        if (pathOf(request.url ?? '').startsWith(`/images/${APP.Id}/`)) {
          response.writeHead(404, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ message: `No such image: ${APP.Id}` }));
          return true;
        }
        return false;
      };
      await client.fetchImagesAhead([APP.Id]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, []);
      await assert.rejects(client.inspectImage(APP.Id), EngineNotFoundError);
      await assert.rejects(client.imageHistory(APP.Id), EngineNotFoundError);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('refuses an ID that is not a digest before asking anything', async () => {
    await assert.rejects(client.fetchImagesAhead(['../../containers/x']));
    assert.deepEqual(engine.requests, []);
  });

  it('the catalog fetches ahead for images it will ask the Engine about, and its layers are those of a plain load', async () => {
    const catalog = new ImageCatalog(client, silentLogger);
    const listed = (await catalog.listImages()).map((image) => image.id);
    const plain = await Promise.all(listed.map((id) => new ImageCatalog(client, silentLogger).imageLayersUncached(id)));
    const before = engine.requests.length;
    await catalog.fetchAhead(listed);
    const fetched = engine.requests.length - before;
    assert.equal(fetched, listed.length * 2 + 1, 'inspect and history of each, and /info for the backend');
    const ahead = await Promise.all(listed.map((id) => catalog.imageLayersUncached(id)));
    assert.equal(engine.requests.length - before, fetched, 'every answer was taken from those fetched ahead');
    assert.deepEqual(ahead, plain);
  });
});

describe('ImageCatalog.fetchAhead over the recorded daemon', () => {
  for (const [as, expected] of [['user', true], ['root', false]] as const) {
    it(`${expected ? 'fetches ahead' : 'asks the Engine nothing'} as ${as}${expected ? '' : ', who reads the image configs and layerdb from disk'}`, async () => {
      const { engine, catalog } = recordedCatalog(as);
      const asked: string[][] = [];
      (engine as EngineApi).fetchImagesAhead = async (imageIds) => void asked.push([...imageIds]);
      const listed = (await catalog.listImages()).map((image) => image.id);
      await catalog.fetchAhead(listed);
      assert.deepEqual(asked, expected ? [listed] : []);
    });
  }
});
