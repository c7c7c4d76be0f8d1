import * as assert from 'node:assert/strict';
import { ImageSummary } from '../../src/core/model/image';
import { groupImages, isImageGroup, repositoryGroupOf } from '../../src/core/model/imageGroups';

const image = (id: string, tags: string[], size = 10): ImageSummary => ({ id: `sha256:${id.padEnd(64, '0')}`, tags, digests: [], created: 0, size });

describe('Group by repository', () => {
  it('names the group by namespace, a registry port and digests included', () => {
    assert.equal(repositoryGroupOf({ tags: ['perf/app-1:1'] }), 'perf/*');
    assert.equal(repositoryGroupOf({ tags: ['localhost:5000/team/app:2.0'] }), 'localhost:5000/team/*');
    assert.equal(repositoryGroupOf({ tags: ['localhost:5000/app'] }), 'localhost:5000/*');
    assert.equal(repositoryGroupOf({ tags: ['app:1'] }), 'app');
    assert.equal(repositoryGroupOf({ tags: ['app@sha256:abc'] }), 'app');
    assert.equal(repositoryGroupOf({ tags: [] }), '<none>');
    assert.equal(repositoryGroupOf({ tags: ['perf/app:1', 'other:2'] }), 'perf/*', 'the display name (first tag) decides');
  });

  it('folds two or more images of a namespace into one group where its first image was, with count and total', () => {
    const images = [image('a', ['solo:1']), image('b', ['perf/x:1'], 5), image('c', []), image('d', ['perf/y:1'], 7), image('e', ['app:1']), image('f', ['app:2']), image('g', [])];
    const grouped = groupImages(images);
    assert.deepEqual(
      grouped.map((entry) => (isImageGroup(entry) ? `${entry.key} (${entry.images.map((member) => member.id[7]).join('')}, ${entry.totalSize})` : entry.id[7])),
      ['a', 'perf/* (bd, 12)', '<none> (cg, 20)', 'app (ef, 20)'],
    );
  });

  it('leaves a namespace of one image as a row of its own', () => {
    const images = [image('a', ['perf/x:1']), image('b', ['dev/y:1'])];
    assert.deepEqual(groupImages(images), images);
  });
});
