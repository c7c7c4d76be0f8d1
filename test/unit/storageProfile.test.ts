import * as assert from 'node:assert/strict';
import { limitationText } from '../../src/cli/limitationText';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { storageProfileOf } from '../../src/core/storage/storageProfile';
import { LOCAL_SOCKET_ENDPOINT, infoFixture } from './helpers/fixtures';

describe('storageProfileOf', () => {
  it('reads the recorded dockerd 20.10 /info as local overlay2 at /var/lib/docker, no limitation', () => {
    assert.deepEqual(storageProfileOf(infoFixture(), LOCAL_SOCKET_ENDPOINT), {
      kind: 'overlay2',
      driver: 'overlay2',
      dataRoot: '/var/lib/docker',
      location: 'local',
      rootless: false,
      limitation: undefined,
    });
  });

  it('recognises the containerd image store from DriverStatus driver-type, with a limitation', () => {
    const info = { ...infoFixture(), Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']] as [string, string][] };
    const profile = storageProfileOf(info, LOCAL_SOCKET_ENDPOINT);
    assert.equal(profile.kind, 'containerd-snapshotter');
    assert.equal(profile.driver, 'overlayfs');
    assert.equal(profile.location, 'local');
    assert.deepEqual(profile.limitation, { code: 'containerdSnapshots' });
    assert.match(limitationText(profile.limitation), /containerd image store/);
  });

  it('places Docker Desktop data inside its VM even behind a local socket', () => {
    const info = { ...infoFixture(), OperatingSystem: 'Docker Desktop' };
    const profile = storageProfileOf(info, { host: 'unix:///Users/me/.docker/run/docker.sock', source: 'default socket' });
    assert.equal(profile.location, 'docker-desktop-vm');
    assert.equal(profile.kind, 'overlay2');
    assert.deepEqual(profile.limitation, { code: 'desktopVm' });
    assert.match(limitationText(profile.limitation), /Docker Desktop/);
  });

  for (const host of ['tcp://10.0.0.5:2376', 'ssh://me@build-host']) {
    it(`treats ${host} as remote, naming the host in the limitation`, () => {
      const endpoint: EngineEndpoint = { host, source: 'DOCKER_HOST' };
      const profile = storageProfileOf(infoFixture(), endpoint);
      assert.equal(profile.location, 'remote');
      assert.deepEqual(profile.limitation, { code: 'remoteHost', host });
      assert.ok(limitationText(profile.limitation).includes(host));
    });
  }

  it('treats an npipe endpoint as local', () => {
    assert.equal(storageProfileOf(infoFixture(), { host: 'npipe:////./pipe/docker_engine', source: 'default socket' }).location, 'local');
  });

  it('detects rootless Docker from SecurityOptions', () => {
    const info = {
      ...infoFixture(),
      DockerRootDir: '/home/me/.local/share/docker',
      SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'],
    };
    const profile = storageProfileOf(info, { host: 'unix:///run/user/1000/docker.sock', source: 'default socket' });
    assert.equal(profile.rootless, true);
    assert.equal(profile.dataRoot, '/home/me/.local/share/docker');
    assert.equal(profile.limitation, undefined);
  });

  it('classifies overlay (Podman), other drivers and missing fields', () => {
    assert.equal(storageProfileOf({ Driver: 'overlay' }, LOCAL_SOCKET_ENDPOINT).kind, 'overlay');
    const btrfs = storageProfileOf({ Driver: 'btrfs', SecurityOptions: null, DriverStatus: null }, LOCAL_SOCKET_ENDPOINT);
    assert.equal(btrfs.kind, 'other');
    assert.deepEqual(btrfs.limitation, { code: 'noDiffFolders', driver: 'btrfs' });
    assert.match(limitationText(btrfs.limitation), /"btrfs"/);
    const empty = storageProfileOf({}, LOCAL_SOCKET_ENDPOINT);
    assert.equal(empty.driver, 'unknown');
    assert.equal(empty.dataRoot, undefined);
  });
});
