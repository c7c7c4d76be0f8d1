/** Naming the engine and storage in use, from /version and the storage profile. */
import * as assert from 'node:assert/strict';
import { describeEngine, storageName } from '../../src/core/engine/engineDescription';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { containerdInfoFixture } from './helpers/containerFixtures';
import { LOCAL_SOCKET_ENDPOINT, infoFixture } from './helpers/fixtures';

describe('engine description', () => {
  it('names Docker, its version and overlay2, and the data root on this machine', () => {
    const description = describeEngine(LOCAL_SOCKET_ENDPOINT, { Version: '20.10.24', ApiVersion: '1.41' }, storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT));
    assert.equal(description.short, 'Docker 20.10.24 · overlay2');
    const details = new Map(description.details);
    assert.equal(details.get('Engine'), 'Docker 20.10.24 (API 1.41)');
    assert.match(details.get('Data root')!, /^\/var\/lib\/docker \(on this machine\)$/);
    assert.match(details.get('Endpoint')!, /^unix:\/\/\/var\/run\/docker\.sock/);
  });

  it('names Podman from its components, the containerd snapshotter, rootless daemons and a remote host', () => {
    const podman = describeEngine(LOCAL_SOCKET_ENDPOINT, { Version: '4.3.1', Components: [{ Name: 'Podman Engine', Version: '4.3.1' }] }, { ...storageProfileOf({ ...infoFixture(), Driver: 'overlay' }, LOCAL_SOCKET_ENDPOINT), rootless: true });
    assert.equal(podman.short, 'Podman 4.3.1 · Podman overlay · rootless');
    const containerd = storageProfileOf({ ...containerdInfoFixture(), Containerd: { Address: '/run/containerd/containerd.sock', Namespaces: { Containers: 'moby' } } }, LOCAL_SOCKET_ENDPOINT);
    assert.equal(storageName(containerd), 'containerd snapshotter (overlayfs)');
    assert.equal(new Map(describeEngine(LOCAL_SOCKET_ENDPOINT, { Version: '29.0.0' }, containerd).details).get('containerd'), '/run/containerd/containerd.sock (namespace moby)');
    const remote = { host: 'ssh://me@builder', source: 'DOCKER_HOST' as const };
    assert.match(new Map(describeEngine(remote, { Version: '27.1' }, storageProfileOf(infoFixture(), remote)).details).get('Data root')!, /on the daemon's host/);
  });
});
