/**
 * Layer folders from image inspect `GraphDriver.Data`: `UpperDir` is the top layer's diff folder,
 * `LowerDir` lists the others top to bottom (a one-layer image has none). Needs no root.
 */
import * as path from 'path';
import { GraphDriverData } from '../engine/engineTypes';

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

/** `/var/lib/docker/overlay2/<cache-id>/diff` → its cache ID and layer folder. */
export function directoryOfDiff(diffDir: string): MappedDirectory {
  const layerDir = path.posix.dirname(diffDir);
  return { cacheId: path.posix.basename(layerDir), layerDir, diffDir };
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
