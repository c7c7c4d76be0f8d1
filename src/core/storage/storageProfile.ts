/**
 * What kind of layer storage a daemon has and whether its folders are on this machine. Decided
 * once per connection from /info and the endpoint; selectLayerStore picks the backend from it.
 */
import { EngineEndpoint, isLocalEndpoint } from '../engine/engineEndpoint';
import { EngineInfo } from '../engine/engineTypes';
import { Limitation } from './limitation';

export type StorageKind =
  /** Docker's overlay2 graph driver: layerdb + overlay2/<cache-id>/diff. */
  | 'overlay2'
  /** Podman / containers-storage overlay: GraphDriver paths, no layerdb. */
  | 'overlay'
  /** Docker's containerd image store: layers are containerd snapshots, no GraphDriver paths. */
  | 'containerd-snapshotter'
  /** vfs, btrfs, zfs, devicemapper, …: no per-layer diff folders we can map. */
  | 'other'
  /** A saved image archive (`docker save`, an OCI folder), read without a daemon. */
  | 'archive';

export type StorageLocation = 'local' | 'remote' | 'docker-desktop-vm';

export interface StorageProfile {
  kind: StorageKind;
  driver: string;
  /** DockerRootDir from /info (never assumed). */
  dataRoot: string | undefined;
  location: StorageLocation;
  rootless: boolean;
  /** Why folders cannot be opened here, for kinds/locations where they cannot; undefined when they might. */
  limitation: Limitation | undefined;
  /** The containerd the daemon says it uses (API 1.46+): its socket and Docker's namespace in it. */
  containerd?: { address: string; namespace: string };
}

export function storageProfileOf(info: EngineInfo, endpoint: EngineEndpoint): StorageProfile {
  // The driver's name becomes part of paths (image/<driver>/layerdb): only a plain name is taken.
  const driver = info.Driver && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(info.Driver) ? info.Driver : 'unknown';
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
  // Docker says it among its security options; Podman's compatible API in a field of its own.
  const rootless = info.Rootless === true || (info.SecurityOptions ?? []).some((option) => option.includes('name=rootless'));
  return {
    kind,
    driver,
    dataRoot: info.DockerRootDir,
    location,
    rootless,
    limitation: limitationOf(kind, driver, location, endpoint),
    ...(info.Containerd?.Address ? { containerd: { address: info.Containerd.Address, namespace: info.Containerd.Namespaces?.Containers || 'moby' } } : {}),
  };
}

function limitationOf(kind: StorageKind, driver: string, location: StorageLocation, endpoint: EngineEndpoint): Limitation | undefined {
  if (kind === 'containerd-snapshotter') {
    return { code: 'containerdSnapshots' };
  }
  if (kind === 'other') {
    return { code: 'noDiffFolders', driver };
  }
  if (location === 'docker-desktop-vm') {
    return { code: 'desktopVm' };
  }
  if (location === 'remote') {
    return { code: 'remoteHost', host: endpoint.host };
  }
  return undefined;
}
