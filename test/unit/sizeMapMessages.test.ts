/** What the size map webview may ask for: requests are checked before anything acts on them. */
import * as assert from 'node:assert/strict';
import { isArchiveOpened, parseSizeMapPanelState, parseSizeMapRequest } from '../../src/contracts/sizeMapMessages';

const ID = `sha256:${'ab'.repeat(32)}`;

describe('size map messages', () => {
  it('accepts the requests the webview sends, exactly as sent', () => {
    assert.deepEqual(parseSizeMapRequest({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseSizeMapRequest({ type: 'open', path: '/app/big.bin' }), { type: 'open', path: '/app/big.bin' });
    assert.deepEqual(parseSizeMapRequest({ type: 'revealLayer', layer: 3 }), { type: 'revealLayer', layer: 3 });
    assert.deepEqual(parseSizeMapRequest({ type: 'zoomIn', path: '/usr' }), { type: 'zoomIn', path: '/usr' });
    assert.deepEqual(parseSizeMapRequest({ type: 'statusShown', status: 'deleted' }), { type: 'statusShown', status: 'deleted' });
    const rendered = { type: 'rendered', zoom: '/', rectangles: 12, milliseconds: 3.5, largest: [{ path: '/a', bytes: 10, label: '/a, 10 B' }] };
    assert.deepEqual(parseSizeMapRequest(rendered), rendered);
  });

  it('drops extra fields, so nothing unchecked travels on', () => {
    assert.deepEqual(parseSizeMapRequest({ type: 'open', path: '/a', command: 'workbench.action.terminal.new' }), { type: 'open', path: '/a' });
  });

  it('refuses what a broken or hostile page could send', () => {
    const refused: unknown[] = [
      null,
      'open /etc/passwd',
      [],
      { type: 'open' },
      { type: 'open', path: 'relative/path' },
      { type: 'open', path: '/a\0b' },
      { type: 'open', path: `/${'x'.repeat(5000)}` },
      { type: 'open', path: { toString: () => '/a' } },
      { type: 'revealLayer', layer: -1 },
      { type: 'revealLayer', layer: 1.5 },
      { type: 'revealLayer', layer: '2' },
      { type: 'zoomIn', path: 7 },
      { type: 'statusShown', status: 'pwned' },
      { type: 'rendered', zoom: '/', rectangles: 1, milliseconds: 1, largest: 'many' },
      { type: 'rendered', zoom: '/', rectangles: 1, milliseconds: 1, largest: [{ path: 'nope', bytes: 1, label: '' }] },
      { type: 'rendered', zoom: '/', rectangles: 1, milliseconds: 1, largest: Array.from({ length: 21 }, () => ({ path: '/a', bytes: 1, label: '' })) },
      { type: 'runCommand', command: 'rm -rf /' },
      { type: '__proto__' },
    ];
    for (const message of refused) {
      assert.equal(parseSizeMapRequest(message), undefined, JSON.stringify(message));
    }
  });

  it("restores a panel's state only when it names an image, keeping the zoom and layer that are well formed", () => {
    assert.deepEqual(parseSizeMapPanelState({ imageId: ID, name: 'app:1', layer: 2, zoom: '/usr', extra: true }), { imageId: ID, name: 'app:1', layer: 2, zoom: '/usr' });
    assert.deepEqual(parseSizeMapPanelState({ imageId: ID, name: 'app:1', archive: '/tmp/app.tar', layer: 'x', zoom: 'usr' }), { imageId: ID, name: 'app:1', archive: '/tmp/app.tar' });
    assert.equal(parseSizeMapPanelState(undefined), undefined);
    assert.equal(parseSizeMapPanelState({ name: 'app:1' }), undefined);
    assert.equal(parseSizeMapPanelState({ imageId: '../../etc', name: 'x' }), undefined);
    assert.equal(parseSizeMapPanelState({ imageId: ID, name: 'x', archive: 42 }), undefined, 'an archive that is no path: not the Engine image of that ID either');
    assert.equal(parseSizeMapPanelState({ imageId: ID, name: 'x', archive: '' }), undefined);
  });

  it('lets a restored panel read an archive only when the user has it open, named exactly as remembered', () => {
    const opened = ['/home/me/images/app.tar'];
    assert.equal(isArchiveOpened({ archive: '/home/me/images/app.tar' }, opened), true);
    assert.equal(isArchiveOpened({}, opened), true, 'an Engine image');
    assert.equal(isArchiveOpened({ archive: '/etc/shadow' }, opened), false);
    assert.equal(isArchiveOpened({ archive: '/home/me/images/../images/app.tar' }, opened), false, 'no path resolution of what a webview kept');
    assert.equal(isArchiveOpened({ archive: '/home/me/images/app.tar' }, []), false, 'closed since');
  });
});
