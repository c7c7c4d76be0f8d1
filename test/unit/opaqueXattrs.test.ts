/**
 * Opaque folders from getfattr's dump: the parsing, on output recorded from getfattr 2.5.1 (Debian
 * 12's attr) over a folder with both attribute namespaces, an escaped name and a non-opaque value.
 * The run of getfattr itself on real folders is in test/integration/opaqueXattrs.test.ts.
 */
import * as assert from 'node:assert/strict';
import { opaqueDirectoriesFromDump } from '../../src/core/storage/opaqueXattrs';

const ROOT = '/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/12/fs';

function dump(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\n'), 'utf8');
}

describe('opaque folders from getfattr', () => {
  it('takes the folders marked y in either namespace, as in-layer paths', () => {
    const found = opaqueDirectoriesFromDump(
      dump(`# file: ${ROOT}/app/old`, 'trusted.overlay.opaque="y"', '', `# file: ${ROOT}/srv/a/b`, 'user.overlay.opaque="y"', ''),
      ROOT,
    );
    assert.deepEqual([...found].sort(), ['/app/old', '/srv/a/b']);
  });

  it('decodes the octal escapes getfattr writes for backslashes and newlines, and UTF-8 names it writes as they are', () => {
    // "we ird\nx" and "back\\slash" come escaped; "café" comes as its UTF-8 bytes.
    const found = opaqueDirectoriesFromDump(
      dump(
        `# file: ${ROOT}/we ird\\012x`,
        'trusted.overlay.opaque="y"',
        `# file: ${ROOT}/back\\134slash`,
        'trusted.overlay.opaque="y"',
        `# file: ${ROOT}/café`,
        'trusted.overlay.opaque="y"',
      ),
      ROOT,
    );
    assert.deepEqual([...found].sort(), ['/back\\slash', '/café', '/we ird\nx']);
  });

  it("ignores other values (overlay's x marks a folder with whiteouts inside, not an opaque one), other attributes and paths outside the folder", () => {
    const found = opaqueDirectoriesFromDump(
      dump(
        `# file: ${ROOT}/x-marked`,
        'trusted.overlay.opaque="x"',
        `# file: ${ROOT}/other`,
        'trusted.overlay.origin="y"',
        `# file: ${ROOT}-sibling/d`,
        'trusted.overlay.opaque="y"',
        `# file: /etc`,
        'trusted.overlay.opaque="y"',
        'trusted.overlay.opaque="y"',
      ),
      `${ROOT}/`,
    );
    assert.deepEqual([...found], []);
  });

  it('marks the root itself when the layer replaced the whole file system', () => {
    assert.deepEqual([...opaqueDirectoriesFromDump(dump(`# file: ${ROOT}`, 'user.overlay.opaque="y"'), ROOT)], ['/']);
  });

  it('keeps a name with .. inside the layer', () => {
    assert.deepEqual([...opaqueDirectoriesFromDump(dump(`# file: ${ROOT}/a/../../../etc`, 'user.overlay.opaque="y"'), ROOT)], ['/etc']);
  });
});
