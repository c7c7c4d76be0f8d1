/** Picks the storage backend once per connection, from /info and the endpoint. */
import { EngineEndpoint } from '../engine/engineEndpoint';
import { EngineInfo } from '../engine/engineTypes';
import { Logger } from '../logger';
import { ContainerdSnapshotStore } from './containerd/containerdSnapshotStore';
import { ContainersStorageStore } from './containersStorage/containersStorageStore';
import { LayerStore } from './layerStore';
import { NoFolderStore } from './noFolderStore';
import { Overlay2Store } from './overlay2/overlay2Store';
import { storageProfileOf } from './storageProfile';

export async function selectLayerStore(info: EngineInfo, endpoint: EngineEndpoint, log: Logger): Promise<LayerStore> {
  const profile = storageProfileOf(info, endpoint);
  log.info(`storage: ${profile.kind} (driver ${profile.driver}) at ${profile.dataRoot ?? '?'}, ${profile.location}${profile.rootless ? ', rootless' : ''}`);
  switch (profile.kind) {
    case 'overlay2':
      return Overlay2Store.create(profile, log);
    case 'overlay':
      return ContainersStorageStore.create(profile, log);
    case 'containerd-snapshotter':
      return ContainerdSnapshotStore.create(profile, log, endpoint);
    case 'other':
    // A daemon never reports the archive kind; a saved archive brings its own store (storage/archive/).
    case 'archive':
      return new NoFolderStore(profile);
  }
}
