/** The image list's sort orders (stable on ties) and Filter Images…'s matching. */
import * as assert from 'node:assert/strict';
import { ImageSummary } from '../../src/core/model/image';
import { filterImages, sortImages } from '../../src/core/model/imageListOrder';

const image = (tags: string[], id: string, created: number, size: number): ImageSummary => ({ id: `sha256:${id.padEnd(64, '0')}`, tags, digests: [], created, size });

describe('image list order', () => {
  const images = [
    image(['perf/b:1'], 'bb', 100, 10),
    image(['perf/a:1'], 'aa', 100, 30),
    image([], 'cc', 200, 20),
    image(['app:1.0', 'app:latest'], 'dd', 50, 30),
    image(['perf/a:2'], 'ee', 100, 10),
  ];
  const names = (list: ImageSummary[]) => list.map((each) => each.tags[0] ?? each.id.slice(7, 9));

  it('sorts newest first, images of the same second by name then ID, the same way every time', () => {
    assert.deepEqual(names(sortImages(images, 'created')), ['cc', 'perf/a:1', 'perf/a:2', 'perf/b:1', 'app:1.0']);
    assert.deepEqual(names(sortImages([...images].reverse(), 'created')), names(sortImages(images, 'created')), 'whatever order the Engine listed them in');
  });

  it('sorts by name, and by size largest first', () => {
    assert.deepEqual(names(sortImages(images, 'name')), ['cc', 'app:1.0', 'perf/a:1', 'perf/a:2', 'perf/b:1'], '<none> first, as < sorts before letters');
    assert.deepEqual(names(sortImages(images, 'size')), ['app:1.0', 'perf/a:1', 'cc', 'perf/a:2', 'perf/b:1']);
  });

  it('filters by repository, tag or ID, every word, case-insensitively; nothing to filter shows all', () => {
    assert.deepEqual(names(filterImages(images, 'perf/')), ['perf/b:1', 'perf/a:1', 'perf/a:2']);
    assert.deepEqual(names(filterImages(images, 'PERF :2')), ['perf/a:2']);
    assert.deepEqual(names(filterImages(images, 'latest')), ['app:1.0'], 'any of its tags');
    assert.deepEqual(names(filterImages(images, 'sha256:dd')), ['app:1.0']);
    assert.deepEqual(names(filterImages(images, 'cc0')), ['cc'], 'an ID without sha256:');
    assert.deepEqual(names(filterImages(images, '<none>')), ['cc']);
    assert.equal(filterImages(images, '  ').length, images.length);
    assert.deepEqual(filterImages(images, 'nothing-like-this'), []);
  });
});
