/**
 * Dockerfile instructions matched with image histories recorded from both builders
 * (test/setup/record-dockerfile-histories.sh): multi-stage builds and --target, build args,
 * heredocs, WORKDIR, SHELL with exec and shell forms, the escape directive, ONBUILD triggers of a
 * base image, and edited Dockerfiles (a partial match). Each history is read both ways the
 * extension reads one: from the image config (root, archives) and from the Engine's history API.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { buildTargets, parseDockerfile, stageChain } from '../../src/core/dockerfile/dockerfileStages';
import { matchHistory, recordedStep, sameStep } from '../../src/core/dockerfile/historyMatch';
import { CANDIDATE_IMAGES, FILTERED_IMAGES, bestTarget, findImageForDockerfile, isBuiltOn, matchQuality } from '../../src/core/dockerfile/imageForDockerfile';
import type { ImageConfig, ImageHistoryEntry } from '../../src/core/engine/engineTypes';
import { HistoryStep, layerHistoryFromConfig, layerHistoryFromEngine } from '../../src/core/model/historySteps';

const CASES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'dockerfiles');

interface Recording {
  builder: 'legacy' | 'buildkit';
  buildArguments: string[];
  layerCount: number;
  config: ImageConfig;
  engineHistory: ImageHistoryEntry[];
}

const recording = (name: string, variant: string): Recording => JSON.parse(fs.readFileSync(path.join(CASES, name, `${variant}.json`), 'utf8')) as Recording;
const dockerfile = (name: string, file = 'Dockerfile') => fs.readFileSync(path.join(CASES, name, file), 'utf8');

/** The history as the config gives it (exact) and as the Engine's history API does. */
function histories(record: Recording): [string, HistoryStep[]][] {
  return [
    ['image config', layerHistoryFromConfig(record.config, record.layerCount).steps],
    ['engine history', layerHistoryFromEngine(record.engineHistory, record.layerCount).steps],
  ];
}

/** 1-based line → what the lens would say: `layer N`, `no layer`, or `differs`. */
function lineReport(text: string, steps: HistoryStep[], target?: string): Record<number, string> {
  const chain = stageChain(parseDockerfile(text), target);
  assert.ok(chain, `stage ${target ?? '(last)'}`);
  const match = matchHistory(chain.instructions, steps);
  return Object.fromEntries(
    match.matches.map(({ instruction, step }) => [
      instruction.startLine + 1,
      !step ? 'differs' : step.layerIndex !== undefined ? `layer ${step.layerIndex}` : 'no layer',
    ]),
  );
}

describe('Dockerfile ↔ history matching', () => {
  for (const builder of ['legacy', 'buildkit'] as const) {
    for (const variant of [builder, `${builder}-args`]) {
      describe(`multi-stage, ${variant}`, () => {
        for (const [source, steps] of histories(recording('multistage', variant))) {
          it(`puts every instruction of the final stage on its step (${source})`, () => {
            const report = lineReport(dockerfile('multistage'), steps);
            const layer = (index: number) => `layer ${index}`;
            assert.deepEqual(report, {
              8: 'no layer', // ARG VERSION
              9: 'no layer', // ARG CHANNEL
              10: 'no layer', // ENV over two lines
              12: layer(1), // WORKDIR
              13: layer(2), // COPY --from=build
              14: layer(3), // COPY hello.txt
              15: layer(4), // RUN with args in scope, continued
              17: 'no layer', // LABEL
              18: 'no layer', // EXPOSE (BuildKit: map[8080/tcp:{}])
              19: 'no layer', // USER
              20: 'no layer', // CMD exec form
            });
          });
        }
      });
    }

    describe(`--target build, ${builder}`, () => {
      const steps = layerHistoryFromConfig(recording('multistage', `${builder}-target`).config, recording('multistage', `${builder}-target`).layerCount).steps;
      it('matches the target stage', () => {
        assert.deepEqual(lineReport(dockerfile('multistage'), steps, 'build'), { 4: 'no layer', 5: 'layer 1' });
      });
      it('finds which stage the image was built from, without being told the target', () => {
        const targets = buildTargets(parseDockerfile(dockerfile('multistage')));
        assert.deepEqual(targets.map((target) => target.stage.name), [undefined, 'build'], 'the last stage, then the named ones');
        assert.equal(bestTarget(targets, steps)?.chain.stage.name, 'build');
        const full = recording('multistage', builder);
        assert.equal(bestTarget(targets, layerHistoryFromConfig(full.config, full.layerCount).steps)?.chain.stage.name, undefined, 'a plain build: the last stage');
      });
      it('finds the final stage is not what the image was built from', () => {
        const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
        const match = matchHistory(chain.instructions, steps);
        assert.equal(match.matched, 0, JSON.stringify(match.matches.filter((m) => m.step).map((m) => m.instruction.args)));
        assert.deepEqual(match.differingLines, [[7, 19]], "lines 8–20: the ENV's second line joins its neighbours");
      });
    });

    describe(`SHELL, exec and shell forms, escape directive, ${builder}`, () => {
      for (const [source, steps] of histories(recording('shell-exec-escape', builder))) {
        it(`matches every instruction (${source})`, () => {
          assert.deepEqual(lineReport(dockerfile('shell-exec-escape'), steps), {
            4: 'no layer', // SHELL
            5: 'layer 1', // RUN under the new shell, continued with `
            7: 'layer 2', // RUN exec form: no shell
            8: 'no layer', // ENV with backslashes (not escapes under `)
            9: 'no layer', // ENTRYPOINT
          });
        });
      }
    });

    describe(`flags, an arg value with a space, shell-form CMD and ENTRYPOINT, ${builder}`, () => {
      for (const [source, steps] of histories(recording('flags-and-forms', builder))) {
        it(`matches every instruction (${source})`, () => {
          assert.deepEqual(lineReport(dockerfile('flags-and-forms'), steps), {
            3: 'no layer', // ARG GREETING="hello world": recorded unquoted
            4: 'layer 1', // COPY --chown (legacy: --chown=65534:65534file:<hash>)
            5: 'layer 2', // RUN |1 GREETING=hello world /bin/sh -c …
            6: 'no layer', // ENTRYPOINT, shell form: recorded with the shell
            7: 'no layer', // CMD, shell form
          });
        });
      }
    });

    describe(`ONBUILD triggers of the base image, ${builder}`, () => {
      for (const [source, steps] of histories(recording('onbuild', builder))) {
        it(`leaves the triggered steps to the FROM line and matches the stage's own (${source})`, () => {
          assert.deepEqual(lineReport(dockerfile('onbuild'), steps), { 3: 'layer 3' });
        });
      }
      it('matches the base Dockerfile, whose ONBUILD lines only the legacy builder records', () => {
        const steps = layerHistoryFromConfig(recording('onbuild', builder).config, recording('onbuild', builder).layerCount).steps;
        const chain = stageChain(parseDockerfile(dockerfile('onbuild', 'Dockerfile.base')))!;
        const baseSteps = steps.slice(0, steps.findIndex((step) => /echo base/.test(step.createdBy ?? '')) + (builder === 'legacy' ? 3 : 1));
        const match = matchHistory(chain.instructions, baseSteps);
        assert.deepEqual(match.differingLines, []);
        assert.equal(match.matches[0].step?.layerIndex, 1);
        assert.equal(match.matches.filter((m) => m.step).length, builder === 'legacy' ? 3 : 1);
        assert.equal(matchQuality(match), 'complete');
        const inChild = matchHistory(chain.instructions, steps);
        assert.equal(inChild.trailing, 3, 'the child image has its own steps after the base Dockerfile\'s');
        assert.equal(matchQuality(inChild), 'partial', 'an image built FROM this one is not taken as its own image');
      });
    });
  }

  describe('heredocs (BuildKit, Docker 26)', () => {
    for (const [source, steps] of histories(recording('heredoc', 'buildkit'))) {
      it(`matches RUN and COPY heredocs (${source})`, () => {
        assert.deepEqual(lineReport(dockerfile('heredoc'), steps), {
          3: 'layer 1', // WORKDIR
          4: 'layer 2', // RUN <<EOT: the body is recorded
          8: 'layer 3', // COPY <<EOT: the first line is
          12: 'layer 4',
          13: 'layer 5', // RUN cat <<EOF > file: the command, body and marker are
          16: 'layer 6', // COPY --chmod=0600 <<EOT
        });
      });
    }
  });

  describe('an edited Dockerfile', () => {
    const steps = layerHistoryFromConfig(recording('multistage', 'buildkit').config, recording('multistage', 'buildkit').layerCount).steps;
    const edited = dockerfile('multistage')
      .replace('RUN echo "v$VERSION $CHANNEL" > version.txt && \\\n    cat built.txt >> version.txt', 'RUN echo "version $VERSION" > version.txt && \\\n    cat built.txt >> version.txt')
      .replace('USER nobody', 'RUN echo added > /added.txt\nUSER nobody');

    it('says which lines differ, and still places the others', () => {
      const chain = stageChain(parseDockerfile(edited))!;
      const match = matchHistory(chain.instructions, steps);
      assert.deepEqual(match.differingLines, [[14, 15], [18, 18]], 'the edited RUN (lines 15–16) and the new one (line 19), 0-based');
      assert.equal(match.matched, match.recorded - 2);
      const report = lineReport(edited, steps);
      assert.equal(report[14], 'layer 3');
      assert.equal(report[20], 'no layer', 'USER, after the added line');
    });

    it('matches little of a Dockerfile the image was not built from', () => {
      const other = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'setup', 'images', 'dle-app', 'Dockerfile'), 'utf8');
      const chain = stageChain(parseDockerfile(other))!;
      const match = matchHistory(chain.instructions, steps);
      // Both files happen to say ENV APP_HOME=/app GREETING=hello, and WORKDIR /app.
      assert.ok(match.matched <= 2, `${match.matched} of ${match.recorded}`);
      assert.equal(matchQuality(match), 'none', 'not taken for the image of that file');
    });
  });

  describe('aligning', () => {
    const run = (command: string): HistoryStep => ({ position: 0, createdBy: `RUN /bin/sh -c ${command} # buildkit`, step: `RUN ${command}`, emptyLayer: false });
    const file = parseDockerfile('FROM base\nRUN a\nRUN b\n');
    const instructions = stageChain(file)!.instructions;

    for (const removed of [1, 2, 3]) {
      it(`keeps both ends of a stage when ${removed} step(s) between them are gone from the file`, () => {
        const steps = [run('base'), run('a'), ...Array.from({ length: removed }, (_, i) => run(`gone${i}`)), run('b')];
        const match = matchHistory(instructions, steps);
        assert.deepEqual(match.matches.map((each) => each.step?.createdBy), [steps[1].createdBy, steps[steps.length - 1].createdBy]);
        assert.deepEqual(match.differingLines, []);
      });
    }

    it('takes the last stretch that matches when the same steps come twice (a child image repeats its base\'s steps)', () => {
      const steps = [run('a'), run('b'), run('x'), run('a'), run('b')];
      const match = matchHistory(instructions, steps);
      assert.deepEqual(match.matches.map((each) => steps.indexOf(each.step!)), [3, 4]);
      assert.equal(match.trailing, 0);
    });
  });

  describe('finding the image of a Dockerfile', () => {
    const stepsOf = (name: string, variant: string) => {
      const record = recording(name, variant);
      return layerHistoryFromConfig(record.config, record.layerCount).steps;
    };
    const images: Record<string, HistoryStep[]> = {
      'child-of-base': stepsOf('onbuild', 'buildkit'),
      'target-build': stepsOf('multistage', 'buildkit-target'),
      'multistage-new': stepsOf('multistage', 'buildkit-args'),
      'multistage-old': stepsOf('multistage', 'legacy'),
    };
    const load = async (id: string) => {
      if (!(id in images)) {
        throw new Error(`No such image: ${id}`);
      }
      return { id, steps: images[id] };
    };

    it('takes the newest image that matches completely, skipping images that fail to load', async () => {
      const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
      const { found } = await findImageForDockerfile(chain.instructions, ['deleted-meanwhile', 'child-of-base', 'target-build', 'multistage-new', 'multistage-old'], load);
      assert.equal(found?.image.id, 'multistage-new');
    });

    it('takes only images built on the FROM image, when that image is here to compare', async () => {
      const steps = images['multistage-new'];
      const layers = (bottom: string) => [bottom, 'l1', 'l2', 'l3', 'l4'].map((chainId) => ({ chainId }));
      const candidates: Record<string, { steps: HistoryStep[]; layers: { chainId: string }[] }> = {
        impostor: { steps, layers: layers('sha256:other-base') },
        genuine: { steps, layers: layers('sha256:dle-base') },
      };
      const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
      assert.equal(chain.base, 'dle-base:latest', 'FROM ${BASE}, from the global ARG default');
      const { found } = await findImageForDockerfile(chain.instructions, ['impostor', 'genuine'], async (id) => ({ id, ...candidates[id] }), { base: { layers: [{ chainId: 'sha256:dle-base' }] } });
      assert.equal(found?.image.id, 'genuine');
      assert.equal(isBuiltOn({ layers: layers('x') }, { layers: [] }), true, 'FROM scratch: anything');
    });

    it('takes no image when none matches most of the file', async () => {
      const chain = stageChain(parseDockerfile(dockerfile('heredoc')))!;
      assert.deepEqual(await findImageForDockerfile(chain.instructions, Object.keys(images), load), { found: undefined, skipped: 0 });
    });

    it('takes a partial match when nothing matches completely, and says it is partial', async () => {
      const edited = dockerfile('multistage').replace('USER nobody', 'USER root');
      const chain = stageChain(parseDockerfile(edited))!;
      const { found } = await findImageForDockerfile(chain.instructions, ['multistage-old', 'target-build'], load);
      assert.equal(found?.image.id, 'multistage-old');
      assert.equal(matchQuality(found.match), 'partial');
    });

    describe('among many images', () => {
      const base = { layers: [{ chainId: 'sha256:dle-base' }] };
      // 100 images newer than the one the file was built into: 99 on another base, one on dle-base that matches nothing.
      const newer = Array.from({ length: 100 }, (_, i) => `newer-${i}`);
      const ids = [...newer, 'genuine'];
      const chainsOf = (id: string) => (id === 'newer-50' || id === 'genuine' ? ['sha256:dle-base', `sha256:${id}-top`] : [`sha256:other-${id}`, `sha256:${id}-top`]);

      it('filters the newest FILTERED_IMAGES by the FROM image\'s chain IDs and reads only those built on it, however old among them', async () => {
        const read: string[] = [];
        const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
        const search = await findImageForDockerfile(
          chain.instructions,
          ids,
          async (id) => {
            read.push(id);
            return { id, steps: id === 'genuine' ? images['multistage-new'] : images['child-of-base'], layers: chainsOf(id).map((chainId) => ({ chainId })) };
          },
          { base, chainIds: async (id) => chainsOf(id) },
        );
        assert.equal(search.found?.image.id, 'genuine', `the 101st newest image, beyond the newest ${CANDIDATE_IMAGES}`);
        assert.equal(search.skipped, 0);
        assert.deepEqual(read, ['newer-50', 'genuine'], 'the history of no image on another base is read');
      });

      it('filters no more than the newest FILTERED_IMAGES (an inspect each), and says how many it left', async () => {
        const many = [...Array.from({ length: FILTERED_IMAGES }, (_, i) => `newer-${i}`), 'genuine'];
        const asked: string[] = [];
        const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
        const search = await findImageForDockerfile(chain.instructions, many, async (id) => ({ id, steps: images['multistage-new'], layers: chainsOf(id).map((chainId) => ({ chainId })) }), {
          base,
          chainIds: async (id) => (asked.push(id), chainsOf(id)),
        });
        assert.equal(asked.length, FILTERED_IMAGES, 'one chain-ID lookup per image looked at');
        assert.equal(search.skipped, 1);
        assert.notEqual(search.found?.image.id, 'genuine', 'the image beyond the newest FILTERED_IMAGES is not looked at');
      });

      it('reads only the newest CANDIDATE_IMAGES without a FROM image to filter by, and says how many it left', async () => {
        const read: string[] = [];
        const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
        const search = await findImageForDockerfile(chain.instructions, ids, async (id) => {
          read.push(id);
          return { id, steps: id === 'genuine' ? images['multistage-new'] : images['child-of-base'] };
        });
        assert.equal(search.found, undefined);
        assert.equal(read.length, CANDIDATE_IMAGES);
        assert.equal(search.skipped, ids.length - CANDIDATE_IMAGES);
      });

      it('skips an image whose chain IDs cannot be read (deleted meanwhile)', async () => {
        const chain = stageChain(parseDockerfile(dockerfile('multistage')))!;
        const search = await findImageForDockerfile(chain.instructions, ['gone', 'genuine'], async (id) => ({ id, steps: images['multistage-new'], layers: chainsOf(id).map((chainId) => ({ chainId })) }), {
          base,
          chainIds: async (id) => (id === 'gone' ? Promise.reject(new Error('No such image: gone')) : chainsOf(id)),
        });
        assert.equal(search.found?.image.id, 'genuine');
      });
    });
  });

  describe('reading a history step', () => {
    it('removes each builder\'s noise', () => {
      assert.deepEqual(recordedStep('/bin/sh -c #(nop) COPY file:6c3c03411da0ae2533e83f47319e2c5fa75fa5d07070c4e0754479d85e177c0f in ./ '), { keyword: 'COPY', text: './', destinationOnly: true });
      assert.deepEqual(recordedStep('|2 CHANNEL=beta VERSION=2 /bin/sh -c echo hi'), { keyword: 'RUN', text: '/bin/sh -c echo hi', afterArgs: true });
      assert.deepEqual(recordedStep('RUN |1 A= /bin/sh -c make # buildkit'), { keyword: 'RUN', text: '/bin/sh -c make', afterArgs: true });
      assert.deepEqual(recordedStep('/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]'), { keyword: 'SHELL', text: '[/bin/sh -e -c]' });
      assert.deepEqual(recordedStep('EXPOSE map[8080/tcp:{}]'), { keyword: 'EXPOSE', text: 'map[8080/tcp:{}]' });
    });

    it('compares ARG by its names: BuildKit 0.14+ records the value in use, not the one written', () => {
      const [arg] = parseDockerfile('FROM x\nARG VERSION=1 CHANNEL\n').stages[0].instructions;
      assert.equal(sameStep(arg, recordedStep('ARG VERSION=2 CHANNEL=beta')!, []), true);
      assert.equal(sameStep(arg, recordedStep('ARG CHANNEL=beta VERSION=2')!, []), false, 'in order');
      assert.equal(sameStep(arg, recordedStep('ARG OTHER=1')!, []), false);
    });

    it('compares quoted values as the builders record them (quotes dropped)', () => {
      const [label] = parseDockerfile('FROM x\nLABEL a=1 title="my app"\n').stages[0].instructions;
      assert.equal(sameStep(label, recordedStep('/bin/sh -c #(nop)  LABEL a=1 title=my app')!, []), true);
      assert.equal(sameStep(label, recordedStep('LABEL a=1 title=other app')!, []), false);
      assert.equal(recordedStep(''), undefined);
    });
  });
});
