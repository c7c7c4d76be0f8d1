/**
 * overlay2's short links: <layer>/link holds the layer's short name, <layer>/lower lists the layers
 * below it as l/<short name> (top to bottom), and overlay2/l/<short name> → ../<cache-id>/diff.
 * Resolving them shows which folders a layer mounts on. Read only.
 */
import { promises as fs } from 'fs';
import * as path from 'path';

export interface LowerLink {
  /** As written in the lower file: l/<short name>. */
  link: string;
  /** The cache ID it points at, when the link could be read. */
  cacheId: string | null;
}

export interface Overlay2Links {
  link: string | null;
  lower: LowerLink[] | null;
}

export async function readOverlay2Links(layerDir: string): Promise<Overlay2Links> {
  const driverDir = path.dirname(layerDir);
  const [link, lower] = await Promise.all([readTrimmed(path.join(layerDir, 'link')), readTrimmed(path.join(layerDir, 'lower'))]);
  if (lower === null) {
    return { link, lower: null };
  }
  const entries = lower.split(':').filter(Boolean);
  const resolved = await Promise.all(
    entries.map(async (entry): Promise<LowerLink> => {
      // Only names of the form l/<name> are followed, and only inside the driver folder.
      if (!/^l\/[A-Za-z0-9]+$/.test(entry)) {
        return { link: entry, cacheId: null };
      }
      const target = await fs.readlink(path.join(driverDir, entry)).catch(() => null);
      const match = target ? /^\.\.\/([A-Za-z0-9-]+)\/diff$/.exec(target) : null;
      return { link: entry, cacheId: match ? match[1] : null };
    }),
  );
  return { link, lower: resolved };
}

async function readTrimmed(file: string): Promise<string | null> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}
