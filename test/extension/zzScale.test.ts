/**
 * A thousand images in the Images view (issue: "1,000 images stay responsive"): the time from a
 * refresh to the rows, and to an image's layers, measured in the extension host and printed. The
 * images are the benchmark's 1,000-image corpus when it is loaded (`npm run bench -- --only tree`),
 * else a light one of the same size whose images share their layers (test/bench/corpora.ts), loaded
 * here and removed afterwards. Last of the suite (zz), so no other test meets a thousand images.
 * The bounds are loose on purpose: they catch a request per image or a quadratic sort, not a slow
 * machine; speed claims are npm run bench's.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { TreeNode } from '../../src/tree/nodes/treeNode';
import { SMALL_REPOSITORY_PREFIX, VIEW_REPOSITORY_PREFIX, ensureViewCorpus, removeBenchImages } from '../bench/corpora';
import { docker, openView, rootNodes } from './support';

const IMAGES = 1000;
const ROUNDS = 5;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('1,000 images in the Images view', function () {
  this.timeout(300_000);
  let api: DockerLayersApi;
  let loaded: string[] = [];
  let prefix = SMALL_REPOSITORY_PREFIX;

  before(async function () {
    api = await openView();
    // Loading and removing a thousand images is a storm of events; the test refreshes by hand.
    await vscode.workspace.getConfiguration('dockerLayers').update('autoRefresh', false, vscode.ConfigurationTarget.Global);
    const small = (await docker('image', 'ls', '--filter', `reference=${SMALL_REPOSITORY_PREFIX}*:1`, '--format', '{{.ID}}')).split('\n').filter(Boolean);
    if (small.length < IMAGES) {
      prefix = VIEW_REPOSITORY_PREFIX;
      const started = Date.now();
      loaded = await ensureViewCorpus(IMAGES, (line) => console.log(`      ${line}`));
      console.log(`      the light corpus (${IMAGES} images sharing their layers) is here after ${Date.now() - started} ms`);
    } else {
      console.log(`      the benchmark's corpus is loaded: ${small.length} ${SMALL_REPOSITORY_PREFIX}* images`);
    }
  });

  after(async function () {
    const started = Date.now();
    if (loaded.length > 0) {
      await removeBenchImages(() => undefined, loaded);
      console.log(`      the light corpus removed in ${Date.now() - started} ms`);
    }
    await vscode.workspace.getConfiguration('dockerLayers').update('autoRefresh', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('dockerLayers.images.refresh');
  });

  const corpusRows = (rows: TreeNode[]) => rows.filter((row) => (row as { image?: { tags: string[] } }).image?.tags.some((tag) => tag.startsWith(prefix)));

  it('refreshes to every row without a request per image, and reports the time', async function () {
    // Editors that follow images (inspect documents, size maps, Dockerfile lenses) ask for their own.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const { engine } = await api.connection.get();
    const asked: string[] = [];
    const inspect = engine.inspectImage.bind(engine);
    const history = engine.imageHistory.bind(engine);
    engine.inspectImage = (reference: string, signal?: AbortSignal) => (asked.push(reference), inspect(reference, signal));
    engine.imageHistory = (reference: string, signal?: AbortSignal) => (asked.push(reference), history(reference, signal));
    const samples: number[] = [];
    let rows: TreeNode[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        await vscode.commands.executeCommand('dockerLayers.images.refresh');
        rows = await rootNodes(api);
        // What VS Code asks of each row to draw it.
        rows.forEach((row) => row.getTreeItem());
        samples.push(performance.now() - started);
      }
    } finally {
      engine.inspectImage = inspect;
      engine.imageHistory = history;
    }
    const corpusImages = corpusRows(rows) as unknown as { image: { id: string; tags: string[] } }[];
    const corpus = corpusImages.length;
    const names = new Set(corpusImages.flatMap(({ image }) => [image.id, ...image.tags]));
    const perImage = asked.filter((reference) => names.has(reference)).length;
    console.log(`      refresh to ${rows.length} rows (${corpus} of the corpus): median ${median(samples).toFixed(0)} ms, min ${Math.min(...samples).toFixed(0)}, max ${Math.max(...samples).toFixed(0)} over ${ROUNDS} refreshes`);
    assert.ok(corpus >= IMAGES, `${corpus} corpus rows`);
    assert.equal(perImage, 0, `the list loads with one request, none per image of the corpus (asked: ${asked.slice(0, 5).join(', ')})`);
    assert.ok(median(samples) < 10_000, `refresh to rows took ${median(samples).toFixed(0)} ms`);
  });

  it("expands an image among them, and reports the time to its layers", async function () {
    const samples: number[] = [];
    let layers: TreeNode[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A cold expansion each time: the refresh forgets the layers cached by image ID.
      await vscode.commands.executeCommand('dockerLayers.images.refresh');
      const rows = corpusRows(await rootNodes(api));
      const image = rows[(round * 197) % rows.length];
      const started = performance.now();
      layers = await image.getChildren();
      layers.forEach((layer) => layer.getTreeItem());
      samples.push(performance.now() - started);
    }
    console.log(`      expanding one of ${IMAGES} images: median ${median(samples).toFixed(1)} ms, min ${Math.min(...samples).toFixed(1)}, max ${Math.max(...samples).toFixed(1)} over ${ROUNDS} cold expansions`);
    assert.equal(layers.length, 3, 'its three layers');
    assert.ok(median(samples) < 5_000, `expanding took ${median(samples).toFixed(0)} ms`);
  });
});
