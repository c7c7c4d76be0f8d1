/**
 * Dockerfile lines from BuildKit provenance, on statements recorded from Docker 26's BuildKit
 * (`--provenance=mode=max`, test/setup/record-dockerfile-histories.sh): a multi-stage build (the
 * final stage's COPY --from follows its own root, not the other stage) and heredocs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { parseDockerfile, stageChain } from '../../src/core/dockerfile/dockerfileStages';
import { matchHistory } from '../../src/core/dockerfile/historyMatch';
import { provenanceLines, withProvenance } from '../../src/core/dockerfile/provenance';
import type { ImageConfig } from '../../src/core/engine/engineTypes';
import { layerHistoryFromConfig } from '../../src/core/model/historySteps';

const CASES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dockerfiles');
interface Recording {
  layerCount: number;
  config: ImageConfig;
  provenance: { predicate: Record<string, unknown> };
}
const recording = (name: string): Recording => JSON.parse(fs.readFileSync(path.join(CASES, name, 'buildkit-provenance.json'), 'utf8')) as Recording;

describe('BuildKit provenance', () => {
  it("gives each layer of a multi-stage build its instruction's line, and the final FROM for the base", () => {
    const { provenance, layerCount } = recording('multistage');
    const lines = provenanceLines(provenance, layerCount)!;
    assert.equal(lines.filename, 'Dockerfile');
    // 1-based: WORKDIR 12, COPY --from 13, COPY 14, RUN 15; the final stage's FROM is line 7.
    assert.deepEqual([...lines.layers], [[1, [11, 11]], [2, [12, 12]], [3, [13, 13]], [4, [14, 14]]]);
    assert.deepEqual(lines.fromLines, [6, 6]);
  });

  it("takes the final stage's FROM when both stages share the base step, whichever order BuildKit lists them in", () => {
    const { provenance, layerCount } = recording('multistage');
    const metadata = provenance.predicate.metadata as Record<string, { source: { locations: Record<string, { locations?: unknown[] }> } }>;
    const buildkitKey = 'https://mobyproject.org/buildkit@v1#metadata';
    const locations = metadata[buildkitKey].source.locations;
    const shared = Object.keys(locations).filter((id) => (locations[id].locations?.length ?? 0) > 1);
    assert.equal(shared.length, 1, 'the recording has one step with two locations: the FROM both stages share');
    const reversed = Object.fromEntries(Object.entries(locations).map(([id, entry]) => [id, { ...entry, locations: [...(entry.locations ?? [])].reverse() }]));
    const swapped = { predicate: { ...provenance.predicate, metadata: { [buildkitKey]: { ...metadata[buildkitKey], source: { ...metadata[buildkitKey].source, locations: reversed } } } } };
    for (const statement of [provenance, swapped]) {
      const lines = provenanceLines(statement, layerCount)!;
      assert.deepEqual(lines.fromLines, [6, 6], 'line 7, not the build stage\'s line 3');
      assert.deepEqual([...lines.layers], [[1, [11, 11]], [2, [12, 12]], [3, [13, 13]], [4, [14, 14]]]);
    }
  });

  it('places heredoc instructions', () => {
    const { provenance, layerCount } = recording('heredoc');
    assert.deepEqual([...provenanceLines(provenance, layerCount)!.layers], [[1, [2, 2]], [2, [3, 3]], [3, [7, 7]], [4, [11, 11]], [5, [12, 12]], [6, [15, 15]]]);
  });

  it('reads SLSA v1 as well as v0.2', () => {
    const { provenance, layerCount } = recording('multistage');
    const { buildConfig, metadata, ...rest } = provenance.predicate;
    const v1 = { predicateType: 'https://slsa.dev/provenance/v1', predicate: { ...rest, buildDefinition: { internalParameters: { buildConfig } }, runDetails: { metadata } } };
    assert.deepEqual([...provenanceLines(v1, layerCount)!.layers], [...provenanceLines(provenance, layerCount)!.layers]);
  });

  it('gives nothing for mode=min, a statement that is no provenance, or more steps than layers', () => {
    const { provenance, layerCount } = recording('multistage');
    const modeMin = { ...provenance.predicate };
    delete modeMin.buildConfig;
    assert.equal(provenanceLines({ predicate: modeMin }, layerCount), undefined);
    const hostile = (predicate: Record<string, unknown>) => ({ predicate: { ...provenance.predicate, ...predicate } });
    const buildConfig = provenance.predicate.buildConfig as { llbDefinition: unknown[] };
    const metadata = provenance.predicate.metadata as Record<string, { source: { infos: unknown[] } }>;
    const buildkitKey = 'https://mobyproject.org/buildkit@v1#metadata';
    for (const junk of [
      undefined,
      null,
      'x',
      [],
      { predicate: 7 },
      { predicate: { buildConfig: { llbDefinition: 'no' } } },
      hostile({ buildConfig: { llbDefinition: buildConfig.llbDefinition.map((step) => ({ ...(step as object), op: { Op: 'exec' } })) } }),
      hostile({ buildConfig: { llbDefinition: buildConfig.llbDefinition.map((step) => ({ ...(step as object), inputs: [7] })) } }),
    ]) {
      assert.equal(provenanceLines(junk, layerCount), undefined, JSON.stringify(junk));
    }
    assert.equal(provenanceLines(provenance, 2), undefined, 'four layer steps cannot be on two layers');
    // A null step among good ones is passed over; a file name that is no string is not taken for one.
    assert.deepEqual(provenanceLines(hostile({ buildConfig: { llbDefinition: [null, ...buildConfig.llbDefinition] } }), layerCount), provenanceLines(provenance, layerCount));
    const numbered = { predicate: { ...provenance.predicate, metadata: { [buildkitKey]: { ...metadata[buildkitKey], source: { ...metadata[buildkitKey].source, infos: [{ filename: 42 }] } } } } };
    assert.equal(provenanceLines(numbered, layerCount)?.filename, 'Dockerfile');
  });

  it('corrects a history match with exact lines, and leaves it where the file changed since', () => {
    const record = recording('multistage');
    const steps = layerHistoryFromConfig(record.config, record.layerCount).steps;
    const lines = provenanceLines(record.provenance, record.layerCount)!;
    const text = fs.readFileSync(path.join(CASES, 'multistage', 'Dockerfile'), 'utf8');
    const chain = stageChain(parseDockerfile(text))!;
    const exact = withProvenance(matchHistory(chain.instructions, steps), lines, steps);
    assert.deepEqual(exact.differingLines, []);
    // The RUN's text no longer matches the history, but provenance still puts layer 4 on its line.
    const edited = stageChain(parseDockerfile(text.replace('RUN echo "v$VERSION', 'RUN echo "version $VERSION')))!;
    const fromHistory = matchHistory(edited.instructions, steps);
    assert.deepEqual(fromHistory.differingLines, [[14, 15]]);
    const corrected = withProvenance(fromHistory, lines, steps);
    assert.equal(corrected.matches.find((match) => match.instruction.startLine === 14)?.step?.layerIndex, 4);
    // A line that now holds another kind of instruction keeps the history's answer.
    const moved = stageChain(parseDockerfile(text.replace('WORKDIR /app', 'USER nobody')))!;
    const kept = withProvenance(matchHistory(moved.instructions, steps), lines, steps);
    assert.equal(kept.matches.find((match) => match.instruction.startLine === 11)?.step?.layerIndex, undefined);
  });
});
