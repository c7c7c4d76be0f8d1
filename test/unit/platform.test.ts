/** Platforms: `--platform` parsing, matching with containerd's variant defaults, and reading an image index. */
import * as assert from 'node:assert/strict';
import { platformManifests } from '../../src/core/model/imageIndex';
import { formatPlatform, hostPlatform, matchPlatform, normalizePlatform, parsePlatform, platformOf, samePlatform } from '../../src/core/model/platform';

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe('platforms', () => {
  it('parses os/arch[/variant] and refuses anything else', () => {
    assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(parsePlatform(' Linux/ARM/v7 '), { os: 'linux', architecture: 'arm', variant: 'v7' });
    for (const bad of ['', 'linux', 'linux/', '/amd64', 'linux/amd64/v8/x', 'linux/amd 64', 'linux/../etc', 'linux/amd64\u001b[31m']) {
      assert.equal(parsePlatform(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 'linux/arm64/v8');
    assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64');
    assert.deepEqual(platformOf('linux', 'amd64', 42), { os: 'linux', architecture: 'amd64' }, 'a variant that is no name is dropped');
    assert.equal(platformOf('linux', undefined), undefined, 'no architecture, no platform');
    assert.equal(platformOf('linux', 'x/y'), undefined, 'a slash in a part is refused');
  });

  it("matches with containerd's defaults: arm64 is arm64/v8, amd64/v1 is amd64, aarch64 is arm64", () => {
    assert.ok(samePlatform({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
    assert.ok(samePlatform({ os: 'linux', architecture: 'aarch64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
    assert.ok(samePlatform({ os: 'linux', architecture: 'amd64', variant: 'v1' }, { os: 'linux', architecture: 'amd64' }));
    assert.ok(samePlatform({ os: 'linux', architecture: 'x86_64' }, { os: 'linux', architecture: 'amd64' }));
    assert.ok(samePlatform({ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
    assert.ok(samePlatform({ os: 'linux', architecture: 'arm64', variant: '8' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
    assert.ok(!samePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
    assert.ok(!samePlatform({ os: 'linux', architecture: 'amd64', variant: 'v3' }, { os: 'linux', architecture: 'amd64' }));
    assert.ok(!samePlatform({ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }));
    assert.deepEqual(normalizePlatform({ os: 'linux', architecture: 'armhf' }), { os: 'linux', architecture: 'arm', variant: 'v7' });
  });

  it('picks a choice: the same platform first, present before absent, else the only one of that architecture', () => {
    const choices = [
      { platform: { os: 'linux', architecture: 'amd64' }, present: true, id: 'amd64' },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, present: false, id: 'arm64-absent' },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, present: true, id: 'arm64' },
      { platform: { os: 'linux', architecture: 'arm', variant: 'v6' }, present: true, id: 'armv6' },
    ];
    assert.equal(matchPlatform({ os: 'linux', architecture: 'arm64' }, choices)?.id, 'arm64', 'arm64 → arm64/v8, the present one');
    assert.equal(matchPlatform({ os: 'linux', architecture: 'amd64' }, choices)?.id, 'amd64');
    assert.equal(matchPlatform({ os: 'linux', architecture: 'arm' }, choices)?.id, 'armv6', 'no arm/v7: the only arm there is');
    assert.equal(matchPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }, choices), undefined, 'a variant asked for is not replaced');
    assert.equal(matchPlatform({ os: 'linux', architecture: 's390x' }, choices), undefined);
    const two = [...choices, { platform: { os: 'linux', architecture: 'arm', variant: 'v5' }, present: true, id: 'armv5' }];
    assert.equal(matchPlatform({ os: 'linux', architecture: 'arm' }, two), undefined, 'two arm variants and no default: ambiguous');
  });

  it("names this machine's platform in OCI words", () => {
    const host = hostPlatform();
    assert.equal(host.os, 'linux');
    assert.ok(parsePlatform(formatPlatform(host)), formatPlatform(host));
    if (process.arch === 'x64') {
      assert.deepEqual(host, { os: 'linux', architecture: 'amd64' });
    }
  });
});

describe('image index', () => {
  it("lists each platform's manifest, leaving out attestations and entries it cannot trust", () => {
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('1'), platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D('2'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { digest: D('3'), platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D('1') } },
        { digest: D('4'), platform: { os: 'unknown', architecture: 'unknown' } },
        { digest: 'sha256:short', platform: { os: 'linux', architecture: 'ppc64le' } },
        { digest: D('5'), platform: { os: 'linux', architecture: '../../etc' } },
        { digest: D('6') },
        { digest: D('1'), platform: { os: 'linux', architecture: 'amd64' } },
        'nonsense',
      ],
    };
    assert.deepEqual(platformManifests(index), [
      { platform: { os: 'linux', architecture: 'amd64' }, digest: D('1') },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, digest: D('2') },
    ]);
  });

  it('is no index for an image manifest, or for JSON of another shape', () => {
    assert.equal(platformManifests({ schemaVersion: 2, config: { digest: D('1') }, layers: [] }), undefined);
    assert.equal(platformManifests({ manifests: 'x' }), undefined);
    assert.equal(platformManifests(null), undefined);
    assert.equal(platformManifests('text'), undefined);
    assert.deepEqual(platformManifests({ manifests: [] }), []);
  });
});
