/**
 * What kind of layer storage a daemon has and whether its folders can be opened from here.
 * Decided once per connection from /info and the endpoint.
 */
import { EngineEndpoint, isLocalEndpoint } from '../engine/endpoint';
import { EngineInfo } from '../engine/engineTypes';

export type StorageKind =
  /** Docker's overlay2 graph driver: layerdb + overlay2/<cache-id>/diff. */
  | 'overlay2'
  /** Podman / containers-storage overlay: GraphDriver paths, no layerdb. */
  | 'overlay'
  /** Docker's containerd image store: layers are containerd snapshots, no GraphDriver paths. */
  | 'containerd-snapshotter'
  /** vfs, btrfs, zfs, devicemapper, …: no per-layer diff folders we can map. */
  | 'other';

export type StorageLocation = 'local' | 'remote' | 'docker-desktop-vm';

export interface StorageProfile {
  kind: StorageKind;
  driver: string;
  /** DockerRootDir from /info (never assumed). */
  dataRoot: string | undefined;
  location: StorageLocation;
  rootless: boolean;
  /** Why folders cannot be opened here, for kinds/locations where they cannot; undefined when they might. */
  limitation: string | undefined;
}

export function storageProfileOf(info: EngineInfo, endpoint: EngineEndpoint): StorageProfile {
  const driver = info.Driver ?? 'unknown';
  const driverType = (info.DriverStatus ?? []).find(([key]) => key === 'driver-type')?.[1];
  const kind: StorageKind =
    driverType === 'io.containerd.snapshotter.v1'
      ? 'containerd-snapshotter'
      : driver === 'overlay2'
        ? 'overlay2'
        : driver === 'overlay'
          ? 'overlay'
          : 'other';
  const location: StorageLocation = /docker desktop/i.test(info.OperatingSystem ?? '')
    ? 'docker-desktop-vm'
    : isLocalEndpoint(endpoint)
      ? 'local'
      : 'remote';
  const rootless = (info.SecurityOptions ?? []).some((option) => option.includes('name=rootless'));
  return { kind, driver, dataRoot: info.DockerRootDir, location, rootless, limitation: limitationOf(kind, driver, location, endpoint) };
}

function limitationOf(kind: StorageKind, driver: string, location: StorageLocation, endpoint: EngineEndpoint): string | undefined {
  if (kind === 'containerd-snapshotter') {
    return 'This daemon uses the containerd image store: layers are containerd snapshots, and the Engine API gives no folder paths for them.';
  }
  if (kind === 'other') {
    return `The "${driver}" storage driver keeps no per-layer diff folder that can be mapped from the Engine API.`;
  }
  if (location === 'docker-desktop-vm') {
    return 'Docker Desktop keeps its data inside its virtual machine: these paths are not on this computer.';
  }
  if (location === 'remote') {
    return `The daemon at ${endpoint.host} is on another machine: these paths are on that machine, not this one.`;
  }
  return undefined;
}
