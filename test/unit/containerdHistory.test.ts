/**
 * Docker 26 with the containerd image store (recorded): a repeated COPY there is an empty_layer, and
 * history sizes are disk usage. The inferred mapping must still equal the config's exact one.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ImageConfig, ImageHistoryEntry, ImageInspect } from '../../src/core/engine/engineTypes';
import { layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';
import { FIXTURES_DIR } from './helpers/fixtures';

interface ContainerdImageFixture {
  inspect: ImageInspect;
  history: ImageHistoryEntry[];
  config: ImageConfig;
}

const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'daemon-26-containerd', 'image-dle-app.json'), 'utf8')) as ContainerdImageFixture;

describe('history mapping on the containerd image store (Docker 26 fixture)', () => {
  const layerCount = fixture.inspect.RootFS?.Layers?.length ?? 0;

  it('has 5 layers: the second identical COPY made none there', () => {
    assert.equal(layerCount, 5);
  });

  it('infers from the Engine history the same step for every layer as the config says', () => {
    const exact = layerHistoryFromConfig(fixture.config, layerCount);
    const inferred = layerHistoryFromEngine(fixture.history, layerCount);
    assert.equal(exact.source, 'image config');
    assert.equal(inferred.source, 'engine history (inferred)');
    const mapping = (steps: typeof exact.steps) => steps.filter((step) => step.layerIndex !== undefined).map((step) => [step.position, step.layerIndex]);
    assert.deepEqual(mapping(inferred.steps), mapping(exact.steps));
    assert.equal(inferred.steps.find((step) => step.layerIndex === 4)?.step, 'RUN touch /empty');
  });
});
