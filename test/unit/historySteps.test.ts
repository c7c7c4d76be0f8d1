import * as assert from 'node:assert/strict';
import { ImageHistoryEntry } from '../../src/core/engine/engineTypes';
import { LayerHistory, layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';
import { IMAGE_FIXTURE_NAMES, imageFixture } from './helpers/fixtures';

/** step position → layer index, for the steps that made a layer. */
function layerMapping(history: LayerHistory): [number, number][] {
  return history.steps.filter((step) => step.layerIndex !== undefined).map((step) => [step.position, step.layerIndex as number]);
}

describe('layerHistoryFromConfig (exact, from empty_layer flags)', () => {
  it('maps the 6 dle-app layers to the non-empty steps and leaves metadata steps without a layer', () => {
    const fixture = imageFixture('dle-app');
    const history = layerHistoryFromConfig(fixture.config, 6);
    assert.equal(history.source, 'image config');
    assert.equal(history.steps.length, 10);
    assert.deepEqual(layerMapping(history), [
      [0, 0], // imported base
      [3, 1], // RUN mkdir …
      [4, 2], // COPY payload.txt
      [5, 3], // COPY payload.txt again
      [6, 4], // RUN rm … (whiteouts)
      [7, 5], // RUN touch /empty
    ]);
    const empty = history.steps.filter((step) => step.layerIndex === undefined);
    assert.deepEqual(
      empty.map((step) => step.step.split(' ')[0]),
      ['LABEL', 'ENV', 'WORKDIR', 'CMD'],
    );
    assert.ok(empty.every((step) => step.emptyLayer));
    assert.equal(history.steps[7].step, 'RUN touch /empty');
    assert.equal(history.steps[7].emptyLayer, false);
    assert.equal(history.steps[0].step, 'dle-base: busybox rootfs');
    assert.equal(history.steps[0].comment, 'dle-base: busybox rootfs');
    assert.equal(history.steps[0].created, fixture.config.history?.[0].created);
    assert.match(history.steps[0].created ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(history.steps[0].size, undefined, 'the config carries no sizes');
  });

  it('gives source "unmatched" and no layer indexes when the layer count does not fit', () => {
    const fixture = imageFixture('dle-app');
    for (const wrongCount of [5, 7, 0]) {
      const history = layerHistoryFromConfig(fixture.config, wrongCount);
      assert.equal(history.source, 'unmatched', `layer count ${wrongCount}`);
      assert.equal(history.steps.length, 10);
      assert.ok(history.steps.every((step) => step.layerIndex === undefined));
    }
  });

  it('copes with a config without history', () => {
    assert.deepEqual(layerHistoryFromConfig({}, 0), { steps: [], source: 'image config' });
    assert.equal(layerHistoryFromConfig({}, 1).source, 'unmatched');
  });
});

describe('layerHistoryFromEngine (inferred, from /images/{id}/history)', () => {
  for (const name of IMAGE_FIXTURE_NAMES) {
    it(`gives the same layer↔step mapping as the image config for the recorded ${name} image`, () => {
      const fixture = imageFixture(name);
      const layerCount = fixture.inspect.RootFS?.Layers?.length ?? 0;
      const exact = layerHistoryFromConfig(fixture.config, layerCount);
      const inferred = layerHistoryFromEngine(fixture.history, layerCount);
      assert.equal(exact.source, 'image config');
      assert.equal(inferred.source, 'engine history (inferred)');
      assert.deepEqual(layerMapping(inferred), layerMapping(exact));
      assert.deepEqual(
        inferred.steps.map((step) => step.step),
        exact.steps.map((step) => step.step),
        'same step texts, oldest first',
      );
      assert.deepEqual(
        inferred.steps.map((step) => step.emptyLayer),
        exact.steps.map((step) => step.emptyLayer),
      );
    });
  }

  it('orders steps oldest first, keeps the Engine sizes and maps the size-0 "RUN touch /empty" layer', () => {
    const fixture = imageFixture('dle-app');
    const history = layerHistoryFromEngine(fixture.history, 6);
    assert.equal(history.steps[0].step, 'dle-base: busybox rootfs');
    assert.equal(history.steps[0].size, 1982557);
    const oldest = fixture.history[fixture.history.length - 1];
    assert.equal(history.steps[0].created, new Date(oldest.Created * 1000).toISOString());
    const touch = history.steps[7];
    assert.equal(touch.step, 'RUN touch /empty');
    assert.equal(touch.size, 0);
    assert.equal(touch.layerIndex, 5);
    const workdir = history.steps[8];
    assert.equal(workdir.step, 'WORKDIR /app');
    assert.equal(workdir.layerIndex, undefined);
    assert.deepEqual(
      history.steps.filter((step) => step.layerIndex !== undefined).map((step) => step.size),
      [1982557, 22, 76, 76, 4, 0],
    );
  });

  it('gives source "unmatched" when no choice of steps fits the layer count', () => {
    // 5 sure layers (a size) and 2 unsure (a size-0 RUN, a WORKDIR): 5, 6 and 7 layers fit, 4 and 9 cannot.
    const fixture = imageFixture('dle-app');
    for (const wrongCount of [4, 9]) {
      const history = layerHistoryFromEngine(fixture.history, wrongCount);
      assert.equal(history.source, 'unmatched', `layer count ${wrongCount}`);
      assert.equal(history.steps.length, 10);
      assert.ok(history.steps.every((step) => step.layerIndex === undefined));
    }
  });

  it('counts a size-0 legacy WORKDIR as a layer only when that is the only way to fit the layer count', () => {
    // dle-app has 6 sure layers; with 7 layers the #(nop) WORKDIR is the only candidate left.
    const history = layerHistoryFromEngine(imageFixture('dle-app').history, 7);
    assert.equal(history.source, 'engine history (inferred)');
    assert.equal(history.steps[8].step, 'WORKDIR /app');
    assert.equal(history.steps[8].layerIndex, 6);
  });

  it('does not mutate the Engine history it is given', () => {
    const fixture = imageFixture('dle-app');
    const before = JSON.stringify(fixture.history);
    layerHistoryFromEngine(fixture.history, 6);
    assert.equal(JSON.stringify(fixture.history), before);
  });
});

/**
 * Regression: a BuildKit `WORKDIR /app` of size 0 is counted as
 * "sure" (isMetadataOnlyStep is false for it) AND as "unsure", although the comment above says it is
 * unsure. So an image whose BuildKit WORKDIR made no layer is never matched, and one that needs every
 * candidate counts that step twice.
 */
describe('layerHistoryFromEngine with BuildKit WORKDIR', () => {
  const newestFirst = (entries: Omit<ImageHistoryEntry, 'Id' | 'Comment' | 'Tags'>[]): ImageHistoryEntry[] =>
    entries.map((entry) => ({ ...entry, Id: '<missing>', Comment: '', Tags: null })).reverse();
  const buildkitHistory = newestFirst([
    { Created: 1, CreatedBy: '/bin/sh -c #(nop) ADD file:abc in / ', Size: 1000 },
    { Created: 2, CreatedBy: 'WORKDIR /app', Size: 0 },
    { Created: 3, CreatedBy: 'RUN /bin/sh -c make # buildkit', Size: 10 },
  ]);

  it('matches 2 layers when the size-0 BuildKit WORKDIR made no layer', () => {
    const history = layerHistoryFromEngine(buildkitHistory, 2);
    assert.equal(history.source, 'engine history (inferred)');
    assert.deepEqual(layerMapping(history), [[0, 0], [2, 1]]);
  });

  it('matches 3 layers when it did, giving each layer exactly one step', () => {
    const history = layerHistoryFromEngine(buildkitHistory, 3);
    assert.equal(history.source, 'engine history (inferred)');
    assert.deepEqual(layerMapping(history), [[0, 0], [1, 1], [2, 2]]);
  });

  it('never assigns one step to two layers (4 layers cannot be matched from 3 steps)', () => {
    const history = layerHistoryFromEngine(buildkitHistory, 4);
    assert.equal(history.source, 'unmatched');
  });
});
