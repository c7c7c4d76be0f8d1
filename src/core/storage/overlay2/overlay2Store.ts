/**
 * Docker's overlay2 driver. As root (or the rootless daemon's own user) the layerdb is read from
 * disk: image/overlay2/layerdb/sha256/<chain>/cache-id names overlay2/<cache-id>/, and the image
 * config gives the exact history. Anyone else gets the folders from image inspect GraphDriver data.
 * A folder is read as its layer's tar says (layerFolderAsTar.ts): opaque folders and whiteouts
 * from the tar-split, owners mapped back under rootless Docker.
 */
import * as path from 'path';
import { ContainerInspect, ImageConfig, ImageInspect } from '../../engine/engineTypes';
import { LayerFileSystem } from '../../layerfs/layerFileSystem';
import { StoredRoot } from '../../layerfs/layerRef';
import { Logger } from '../../logger';
import { containerDirectoriesFromGraphDriver, layerDirectoriesFromGraphDriver, DriverFolder, MappedDirectory, driverFolderOf, strayFolder } from '../graphDriverDirectories';
import { LayerDirectory, LayerLocation } from '../layerLocation';
import { ContainerLayerLocations, LayerFolderDetails, LayerStore, LocatedLayer } from '../layerStore';
import { locationOfDirectory, openLocation } from '../openLocation';
import { StorageProfile } from '../storageProfile';
import { DirectoryFileSystem } from '../../layerfs/directoryFileSystem';
import { canReadLayerdb, readImageConfig, readLayerdbEntry, readMountEntry, tarSplitFile } from './layerdb';
import { TarSplitWhiteouts, whiteoutsOf } from './tarSplit';
import { readOverlay2Links } from './overlay2Links';
import { LayerFolderAsTar } from './layerFolderAsTar';
import { RootlessIdMap, rootlessIdMap } from './rootlessIds';

export class Overlay2Store implements LayerStore {
  readonly kind = 'overlay2';

  /** Where GraphDriver folders must be. */
  private readonly driverFolder: DriverFolder;

  private constructor(
    readonly profile: StorageProfile,
    /** The data root, when this process can read the layerdb in it. */
    private readonly readableDataRoot: string | undefined,
    private readonly log: Logger,
    /** A rootless daemon's ID map: its folders' owners are host IDs. */
    private readonly ids: RootlessIdMap | undefined,
  ) {
    this.driverFolder = driverFolderOf(profile.dataRoot, profile.driver);
  }

  static async create(profile: StorageProfile, log: Logger): Promise<Overlay2Store> {
    const { dataRoot } = profile;
    const readable = profile.location === 'local' && dataRoot !== undefined && (await canReadLayerdb(dataRoot, profile.driver));
    log.info(`layerdb ${readable ? 'readable' : 'not readable by this user'}`);
    let ids: RootlessIdMap | undefined;
    if (profile.rootless && profile.location === 'local' && dataRoot !== undefined) {
      ids = await rootlessIdMap(dataRoot).catch((error: Error) => {
        log.warn(`rootless ID map not read, owners are shown as on disk: ${error.message}`);
        return undefined;
      });
      if (ids) {
        log.info(`rootless IDs: ${[...ids.uids.map((range) => `uid ${range.inside}+${range.count} = ${range.host}`), ...ids.gids.map((range) => `gid ${range.inside}+${range.count} = ${range.host}`)].join(', ')}`);
      }
    }
    return new Overlay2Store(profile, readable ? dataRoot : undefined, log, ids);
  }

  async locateLayers(image: ImageInspect, chainIds: readonly string[]): Promise<LocatedLayer[]> {
    const dataRoot = this.readableDataRoot;
    if (dataRoot) {
      try {
        const entries = await Promise.all(chainIds.map((chainId) => readLayerdbEntry(dataRoot, this.profile.driver, chainId)));
        return entries.map((entry) => ({
          location: { kind: 'directory', directory: { ...this.directoryNamed(entry.cacheId, 'layerdb'), tarSplit: tarSplitFile(dataRoot, this.profile.driver, entry.chainId) } },
          size: entry.size,
        }));
      } catch (error) {
        this.log.warn(`layerdb of ${image.Id} not read, using GraphDriver data: ${(error as Error).message}`);
      }
    }
    const mapped = layerDirectoriesFromGraphDriver(image.GraphDriver, chainIds.length);
    const stray = strayFolder(mapped ?? [], this.driverFolder, image.Id, this.log);
    return chainIds.map((_, index) => ({ location: stray ? { kind: 'unavailable', limitation: stray } : this.fromGraphDriver(mapped?.[index]) }));
  }

  get readsImageConfigs(): boolean {
    return this.readableDataRoot !== undefined;
  }

  async imageConfig(imageId: string): Promise<ImageConfig | undefined> {
    return this.readableDataRoot ? readImageConfig(this.readableDataRoot, this.profile.driver, imageId) : undefined;
  }

  async locateContainerLayers(inspect: ContainerInspect): Promise<ContainerLayerLocations> {
    const mount = this.readableDataRoot ? await readMountEntry(this.readableDataRoot, this.profile.driver, inspect.Id) : undefined;
    if (mount) {
      return {
        readWrite: { kind: 'directory', directory: this.directoryNamed(mount.mountId, 'layerdb') },
        init: mount.initId ? { kind: 'directory', directory: this.directoryNamed(mount.initId, 'layerdb') } : undefined,
      };
    }
    const { readWrite, init } = containerDirectoriesFromGraphDriver(inspect.GraphDriver);
    const stray = strayFolder([readWrite, init], this.driverFolder, inspect.Id, this.log);
    if (stray) {
      return { readWrite: { kind: 'unavailable', limitation: stray }, init: undefined };
    }
    return { readWrite: readWrite && this.fromGraphDriver(readWrite), init: init && this.fromGraphDriver(init) };
  }

  async folderDetails(location: LayerLocation): Promise<LayerFolderDetails | undefined> {
    if (location.kind !== 'directory') {
      return undefined;
    }
    const links = await readOverlay2Links(location.directory.layerDir);
    if (links.link === null && links.lower === null) {
      return undefined; // Not readable by this user (or gone): nothing was learnt from the folder.
    }
    return { description: 'overlay2/<cache ID>; link and lower read from it, l/<name> links resolved to cache IDs', ...links };
  }

  async open(location: LayerLocation, root: StoredRoot): Promise<LayerFileSystem> {
    if (root !== 'files' || location.kind !== 'directory') {
      return openLocation(location, root);
    }
    const { tarSplit, diffDir } = location.directory;
    const marks: TarSplitWhiteouts | undefined = tarSplit
      ? await whiteoutsOf(tarSplit).catch((error: NodeJS.ErrnoException) => {
          // Docker may not have kept one (an imported or very old layer): the folder is still readable.
          if (error.code !== 'ENOENT') {
            this.log.warn(`${tarSplit} not read, opaque folders are not marked: ${error.message}`);
          }
          return undefined;
        })
      : undefined;
    const folder = new DirectoryFileSystem(diffDir, marks?.opaque);
    return marks?.opaque.size || this.ids ? new LayerFolderAsTar(folder, { ...marks, ids: this.ids }) : folder;
  }

  private directoryNamed(cacheId: string, source: LayerDirectory['source']): LayerDirectory {
    const layerDir = path.posix.join(this.profile.dataRoot ?? '', this.profile.driver, cacheId);
    return { cacheId, layerDir, diffDir: path.posix.join(layerDir, 'diff'), source };
  }

  private fromGraphDriver(mapped: MappedDirectory | undefined): LayerLocation {
    if (!mapped) {
      return { kind: 'unavailable', limitation: this.profile.limitation ?? { code: 'notReported' } };
    }
    return locationOfDirectory({ ...mapped, source: 'GraphDriver' }, this.profile.limitation);
  }
}
