/**
 * What engine and storage are in use, in words for a status bar and the CLI: "Docker 26.1.5 ·
 * containerd snapshotter", and the details (endpoint, API version, data root, rootless, where the
 * files are). From /version and the storage profile; nothing else is asked.
 */
import { StorageProfile } from '../storage/storageProfile';
import { EngineEndpoint } from './engineEndpoint';
import { describeSource } from './engineErrors';
import { EngineVersion } from './engineTypes';

export interface EngineDescription {
  /** `Docker 26.1.5 · overlay2`, `Podman 4.3.1 · Podman overlay · rootless`. */
  short: string;
  /** Label → value, in order. */
  details: [string, string][];
}

/** The storage, as people call it. */
export function storageName(profile: StorageProfile): string {
  switch (profile.kind) {
    case 'overlay2':
      return 'overlay2';
    case 'overlay':
      return 'Podman overlay';
    case 'containerd-snapshotter':
      return `containerd snapshotter (${profile.driver})`;
    case 'archive':
      return 'image archive';
    case 'other':
      return profile.driver;
  }
}

export function describeEngine(endpoint: EngineEndpoint, version: EngineVersion, profile: StorageProfile): EngineDescription {
  const podman = (version.Components ?? []).find((component) => /podman/i.test(component.Name));
  const product = podman ? `Podman ${podman.Version}` : `Docker ${version.Version ?? '?'}`;
  const where = profile.location === 'local' ? 'this machine' : profile.location === 'docker-desktop-vm' ? "Docker Desktop's VM" : 'the daemon\'s host';
  const short = [product, storageName(profile), ...(profile.rootless ? ['rootless'] : [])].join(' · ');
  const details: [string, string][] = [
    ['Engine', `${product}${version.ApiVersion ? ` (API ${version.ApiVersion})` : ''}`],
    ['Endpoint', `${endpoint.host} (${describeSource(endpoint)})`],
    ['Storage', storageName(profile)],
    ['Data root', profile.dataRoot ? `${profile.dataRoot} (on ${where})` : 'not reported'],
    ...(profile.rootless ? ([['Rootless', 'yes']] as [string, string][]) : []),
    ...(profile.containerd ? ([['containerd', `${profile.containerd.address} (namespace ${profile.containerd.namespace})`]] as [string, string][]) : []),
  ];
  return { short, details };
}
