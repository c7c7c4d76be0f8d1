/**
 * Storage whose layers have no folder we can map: Docker's containerd image store (snapshots; the
 * Engine API gives no paths) and the vfs, btrfs, zfs … drivers. Every layer says why.
 */
import { ImageConfig } from '../engine/engineTypes';
import { LayerFileSystem } from '../layerfs/layerFileSystem';
import { Limitation } from './limitation';
import { LayerLocation } from './layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer } from './layerStore';
import { openLocation } from './openLocation';
import { StorageProfile } from './storageProfile';

export class NoFolderStore implements LayerStore {
  readonly kind = 'no-folders';
  private readonly limitation: Limitation;

  constructor(readonly profile: StorageProfile) {
    this.limitation = profile.limitation ?? { code: 'noDiffFolders', driver: profile.driver };
  }

  async locateLayers(_image: unknown, chainIds: readonly string[]): Promise<LocatedLayer[]> {
    return chainIds.map(() => ({ location: { kind: 'unavailable', limitation: this.limitation } }));
  }

  readonly readsImageConfigs = false;

  async imageConfig(): Promise<ImageConfig | undefined> {
    return undefined;
  }

  async locateContainerLayers(): Promise<ContainerLayerLocations> {
    return { readWrite: undefined, init: undefined };
  }

  async folderDetails(): Promise<LayerFolderDetails | undefined> {
    return undefined;
  }

  async open(location: LayerLocation): Promise<LayerFileSystem> {
    return openLocation(location, 'files');
  }
}
