import * as assert from 'node:assert/strict';
import { describeBuildStep, instructionOf, isMetadataOnlyStep } from '../../src/core/model/buildStep';
import { imageFixture } from './helpers/fixtures';

describe('describeBuildStep', () => {
  const cases: [string, string | undefined, string | undefined, string][] = [
    // [what, created_by, comment, expected]
    ['legacy ENV (#(nop) with two spaces)', '/bin/sh -c #(nop)  ENV APP_HOME=/app GREETING=hello', undefined, 'ENV APP_HOME=/app GREETING=hello'],
    ['legacy LABEL', '/bin/sh -c #(nop)  LABEL a=1 b=2', undefined, 'LABEL a=1 b=2'],
    ['legacy WORKDIR (#(nop) with one space)', '/bin/sh -c #(nop) WORKDIR /app', undefined, 'WORKDIR /app'],
    ['legacy CMD', '/bin/sh -c #(nop)  CMD ["cat" "/app/hello.txt"]', undefined, 'CMD ["cat" "/app/hello.txt"]'],
    [
      'legacy COPY (trailing space)',
      '/bin/sh -c #(nop) COPY file:786054113198dac4e0948b74faac587b0140d5cdd2d9fb8e323a6932f8dfa895 in /payload.txt ',
      undefined,
      'COPY file:786054113198dac4e0948b74faac587b0140d5cdd2d9fb8e323a6932f8dfa895 in /payload.txt',
    ],
    ['legacy ADD', '/bin/sh -c #(nop) ADD file:abc in / ', undefined, 'ADD file:abc in /'],
    ['legacy RUN', '/bin/sh -c touch /empty', undefined, 'RUN touch /empty'],
    ['legacy RUN, continuation whitespace collapsed', '/bin/sh -c rm /data/doomed.txt  && rm -rf /app/old', undefined, 'RUN rm /data/doomed.txt && rm -rf /app/old'],
    ['legacy RUN with build args', '|2 A=1 B=2 /bin/sh -c make install', undefined, 'RUN make install'],
    ['legacy RUN with one empty build arg', '|1 A= /bin/sh -c make', undefined, 'RUN make'],
    ['BuildKit RUN', 'RUN /bin/sh -c apk add --no-cache curl # buildkit', undefined, 'RUN apk add --no-cache curl'],
    ['BuildKit ENV', 'ENV A=b', undefined, 'ENV A=b'],
    ['BuildKit COPY', 'COPY app.js /srv/app.js # buildkit', undefined, 'COPY app.js /srv/app.js'],
    ['BuildKit WORKDIR', 'WORKDIR /app', undefined, 'WORKDIR /app'],
    ['Windows RUN', 'cmd /S /C echo hi', undefined, 'RUN echo hi'],
    ['imported image: comment only', undefined, 'dle-base: busybox rootfs', 'dle-base: busybox rootfs'],
    ['imported image: empty created_by', '', 'Imported from -', 'Imported from -'],
    ['nothing recorded', undefined, undefined, '(no build step recorded)'],
    ['nothing recorded, blank comment', '  ', '  ', '(no build step recorded)'],
  ];
  for (const [what, createdBy, comment, expected] of cases) {
    it(`${what}: ${JSON.stringify(createdBy)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(describeBuildStep(createdBy, comment), expected);
    });
  }

  it('describes every recorded dle-app config step as its Dockerfile instruction, in order', () => {
    const steps = (imageFixture('dle-app').config.history ?? []).map((entry) => describeBuildStep(entry.created_by, entry.comment));
    assert.deepEqual(steps.map(instructionOf), [undefined, 'LABEL', 'ENV', 'RUN', 'COPY', 'COPY', 'RUN', 'RUN', 'WORKDIR', 'CMD']);
    assert.equal(steps[0], 'dle-base: busybox rootfs');
    assert.equal(steps[7], 'RUN touch /empty');
  });
});

describe('isMetadataOnlyStep', () => {
  const metadataOnly = [
    '/bin/sh -c #(nop)  ENV A=b',
    '/bin/sh -c #(nop)  LABEL a=1',
    '/bin/sh -c #(nop)  CMD ["sh"]',
    '/bin/sh -c #(nop)  ENTRYPOINT ["x"]',
    '/bin/sh -c #(nop)  EXPOSE 80/tcp',
    '/bin/sh -c #(nop)  USER nobody',
    '/bin/sh -c #(nop)  ARG V=1',
    'ENV A=b',
    'LABEL a=1',
    'CMD ["sh"]',
  ];
  for (const createdBy of metadataOnly) {
    it(`true for ${JSON.stringify(createdBy)}`, () => assert.equal(isMetadataOnlyStep(createdBy), true));
  }
  const writesFiles: (string | undefined)[] = [
    '/bin/sh -c touch /empty',
    '|2 A=1 B=2 /bin/sh -c make',
    '/bin/sh -c #(nop) COPY file:abc in /payload.txt ',
    '/bin/sh -c #(nop) ADD file:abc in / ',
    'RUN /bin/sh -c make # buildkit',
    'COPY a /b # buildkit',
    // WORKDIR creates its folder when missing, and both builders then commit a real layer.
    'WORKDIR /app',
    '/bin/sh -c #(nop) WORKDIR /app',
    // An imported image's layer has no created_by.
    undefined,
    '',
  ];
  for (const createdBy of writesFiles) {
    it(`false for ${JSON.stringify(createdBy)}`, () => assert.equal(isMetadataOnlyStep(createdBy), false));
  }

  it('agrees with the recorded empty_layer flags of every dle-app config step but WORKDIR', () => {
    // WORKDIR /app made no layer here because /app existed; it is "either", resolved by the layer count.
    for (const entry of imageFixture('dle-app').config.history ?? []) {
      if (/WORKDIR/.test(entry.created_by ?? '')) {
        assert.equal(entry.empty_layer, true);
        assert.equal(isMetadataOnlyStep(entry.created_by), false);
        continue;
      }
      assert.equal(isMetadataOnlyStep(entry.created_by), entry.empty_layer === true, entry.created_by ?? entry.comment);
    }
  });
});

/**
 * Regression: the `|N A=1 …` build-argument prefix is only stripped at the
 * start of created_by (legacy builder). BuildKit records a RUN with build args as
 * `RUN |1 VERSION=1.0 /bin/sh -c … # buildkit`, which is left as is.
 */
describe('describeBuildStep, BuildKit RUN with build args', () => {
  it('"RUN |1 VERSION=1.0 /bin/sh -c echo $VERSION # buildkit" → "RUN echo $VERSION"', () => {
    assert.equal(describeBuildStep('RUN |1 VERSION=1.0 /bin/sh -c echo $VERSION # buildkit'), 'RUN echo $VERSION');
  });
  it('"RUN |2 A=1 B=2 /bin/sh -c make # buildkit" → "RUN make"', () => {
    assert.equal(describeBuildStep('RUN |2 A=1 B=2 /bin/sh -c make # buildkit'), 'RUN make');
  });
});
