/**
 * A container and its own two layers: the read-write layer (what the container changed) and the
 * init layer (/etc/hosts, /etc/resolv.conf … that Docker prepares), on top of its image's layers.
 */
import * as path from 'path';
import { ContainerInspect, ContainerListEntry } from '../engine/engineTypes';
import { directoryOfDiff } from '../storage/graphDriverDirectories';
import { MountEntry } from '../storage/layerdb';
import { StorageProfile } from '../storage/storageProfile';

export interface ContainerSummary {
  id: string;
  /** Without the leading slash. */
  name: string;
  /** As the user named it when creating the container. */
  image: string;
  imageId: string;
  state: string;
  status: string;
  created: number;
}

export interface ContainerLayerFolder {
  /** overlay2 folder name: the mount ID for the read-write layer, `<mount ID>-init` for the init layer. */
  cacheId: string;
  layerDir: string;
  diffDir: string;
  source: 'layerdb' | 'GraphDriver';
}

export interface ContainerLayers {
  container: ContainerSummary;
  readWrite: ContainerLayerFolder | null;
  init: ContainerLayerFolder | null;
  storage: StorageProfile;
}

export function containerSummaryFromList(entry: ContainerListEntry): ContainerSummary {
  return {
    id: entry.Id,
    name: (entry.Names?.[0] ?? entry.Id.slice(0, 12)).replace(/^\//, ''),
    image: entry.Image,
    imageId: entry.ImageID,
    state: entry.State ?? 'unknown',
    status: entry.Status ?? '',
    created: entry.Created,
  };
}

export function containerSummaryFromInspect(inspect: ContainerInspect): ContainerSummary {
  return {
    id: inspect.Id,
    name: inspect.Name.replace(/^\//, ''),
    image: inspect.Config?.Image ?? inspect.Image,
    imageId: inspect.Image,
    state: inspect.State?.Status ?? 'unknown',
    status: inspect.State?.Status ?? '',
    created: inspect.Created ? Math.floor(Date.parse(inspect.Created) / 1000) : 0,
  };
}

/**
 * From the layerdb mount entry when readable (root), else from GraphDriver data: `UpperDir` is the
 * read-write layer's diff, and `LowerDir` starts with the init layer's.
 */
export function buildContainerLayers(inspect: ContainerInspect, storage: StorageProfile, mount: MountEntry | undefined): ContainerLayers {
  const data = inspect.GraphDriver?.Data;
  let readWrite: ContainerLayerFolder | null = null;
  let init: ContainerLayerFolder | null = null;
  if (mount && storage.dataRoot) {
    const driverDir = path.posix.join(storage.dataRoot, storage.driver);
    readWrite = folderOf(path.posix.join(driverDir, mount.mountId, 'diff'), 'layerdb');
    init = mount.initId ? folderOf(path.posix.join(driverDir, mount.initId, 'diff'), 'layerdb') : null;
  } else if (data?.UpperDir) {
    readWrite = folderOf(data.UpperDir, 'GraphDriver');
    const firstLower = data.LowerDir?.split(':')[0];
    init = firstLower && /-init\/diff$/.test(firstLower) ? folderOf(firstLower, 'GraphDriver') : null;
  }
  return { container: containerSummaryFromInspect(inspect), readWrite, init, storage };
}

function folderOf(diffDir: string, source: ContainerLayerFolder['source']): ContainerLayerFolder {
  return { ...directoryOfDiff(diffDir), source };
}
