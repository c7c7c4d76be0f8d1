/**
 * Layer folders from image inspect `GraphDriver.Data`: `UpperDir` is the top layer's diff folder,
 * `LowerDir` lists the others top to bottom (a one-layer image has none). Needs no root.
 */
import * as path from 'path';
import { GraphDriverData } from '../engine/engineTypes';
import { Logger } from '../logger';
import { Limitation } from './limitation';

/** A layer folder's name in the driver's folder: a cache or layer ID (`-init` for an init layer). */
const FOLDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export interface MappedDirectory {
  cacheId: string;
  layerDir: string;
  diffDir: string;
}

/** One entry per layer, bottom first; undefined when the data does not describe `layerCount` layers. */
export function layerDirectoriesFromGraphDriver(graphDriver: GraphDriverData | null | undefined, layerCount: number): MappedDirectory[] | undefined {
  const data = graphDriver?.Data;
  if (!data?.UpperDir) {
    return undefined;
  }
  const lower = data.LowerDir ? data.LowerDir.split(':').filter(Boolean) : [];
  const topDown = [data.UpperDir, ...lower];
  if (topDown.length !== layerCount) {
    return undefined;
  }
  return topDown.reverse().map(directoryOfDiff);
}

/** `/var/lib/docker/overlay2/<cache-id>/diff` → its cache ID and layer folder (as path.posix.dirname and basename would say). */
export function directoryOfDiff(diffDir: string): MappedDirectory {
  // By hand: a thousand images' layers go through here, and the path module's checks cost more than
  // the work. Odd paths (a trailing or doubled slash, none at all) take the path module's way.
  const cut = diffDir.lastIndexOf('/');
  if (cut <= 0 || cut === diffDir.length - 1 || diffDir[cut - 1] === '/') {
    const layerDir = path.posix.dirname(diffDir);
    return { cacheId: path.posix.basename(layerDir), layerDir, diffDir };
  }
  const layerDir = diffDir.slice(0, cut);
  return { cacheId: layerDir.slice(layerDir.lastIndexOf('/') + 1), layerDir, diffDir };
}

/** A container's folders from its GraphDriver data: `UpperDir` is the read-write layer, and `LowerDir` starts with the init layer's (Docker; Podman has none). */
export function containerDirectoriesFromGraphDriver(graphDriver: GraphDriverData | null | undefined): { readWrite?: MappedDirectory; init?: MappedDirectory } {
  const data = graphDriver?.Data;
  if (!data?.UpperDir) {
    return {};
  }
  const firstLower = data.LowerDir?.split(':')[0];
  return { readWrite: directoryOfDiff(data.UpperDir), init: firstLower && /-init\/diff$/.test(firstLower) ? directoryOfDiff(firstLower) : undefined };
}

/** `<DockerRootDir>/<driver>`, normalized; undefined when the Engine reports no (absolute) data root. */
export interface DriverFolder {
  driverFolder: string | undefined;
  driver: string;
}

/** Made once per storage backend: every image's folders are checked against it. */
export function driverFolderOf(dataRoot: string | undefined, driver: string): DriverFolder {
  return { driverFolder: dataRoot && path.posix.isAbsolute(dataRoot) ? path.posix.join(dataRoot, driver) : undefined, driver };
}

/**
 * The daemon's paths are not trusted: a folder is taken only as `<driver folder>/<name>/diff`,
 * where the driver folder is `<DockerRootDir>/<driver>` from /info. Otherwise (`UpperDir:
 * /etc/diff`) the first stray folder, as a limitation: the tree would list it, Reveal would open it.
 */
export function outsideDriverFolder(directories: readonly (MappedDirectory | undefined)[], { driverFolder, driver }: DriverFolder): Limitation | undefined {
  for (const directory of directories) {
    if (!directory) {
      continue;
    }
    const { diffDir, layerDir, cacheId } = directory;
    // Whole strings, not path functions: the driver folder is normalized (join), and a folder name
    // cannot be `.` or `..`, so this is the normalized `<driver folder>/<name>/diff` and nothing else.
    const inside = driverFolder !== undefined && FOLDER_NAME.test(cacheId) && layerDir === `${driverFolder}/${cacheId}` && diffDir === `${layerDir}/diff`;
    if (!inside) {
      return { code: 'outsideDriverFolder', reported: diffDir.slice(0, 300), driverFolder: driverFolder ?? `${driver} (the Engine reports no data root)` };
    }
  }
  return undefined;
}

/** outsideDriverFolder, the refusal logged once per answer: how a backend checks the folders GraphDriver data names. */
export function strayFolder(directories: readonly (MappedDirectory | undefined)[], place: DriverFolder, owner: string, log: Logger): Limitation | undefined {
  const stray = outsideDriverFolder(directories, place);
  if (stray?.code === 'outsideDriverFolder') {
    log.warn(`GraphDriver data of ${owner} names ${stray.reported}, outside ${stray.driverFolder}: not used`);
  }
  return stray;
}
