/**
 * A container and its own two layers: the read-write layer (what the container changed) and the
 * init layer (/etc/hosts, /etc/resolv.conf … that Docker prepares), on top of its image's layers.
 */
import { ContainerInspect, ContainerListEntry } from '../engine/engineTypes';
import { LayerDirectory } from '../storage/layerLocation';
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

/** overlay2 folder name: the mount ID for the read-write layer, `<mount ID>-init` for the init layer. */
export type ContainerLayerFolder = LayerDirectory;

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
