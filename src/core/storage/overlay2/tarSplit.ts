/**
 * The layerdb's tar-split.json.gz: the layer tar's own headers, kept by Docker to rebuild the tar
 * byte for byte. A diff folder marks an opaque folder only with an xattr (trusted.overlay.opaque,
 * user.overlay.opaque when rootless) that Node cannot read; the tar-split still lists its
 * `.wh..wh..opq` entry, and every `.wh.<name>` the tar has. Read only, streamed.
 */
import { createReadStream } from 'fs';
import { pipeline } from 'stream/promises';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from '../../archive/layerIndex';
import { joinLayerPath, layerPathName, layerPathParent, normalizeLayerPath } from '../../layerfs/layerPath';
import { zlibModule } from '../../loadedOnFirstUse';

/** What the layer's tar deletes, as in-layer paths. */
export interface TarSplitWhiteouts {
  /** The folders the layer marks opaque (`.wh..wh..opq`). */
  opaque: Set<string>;
  /** The paths the tar removes one by one (`.wh.<name>` → `<parent>/<name>`). */
  whiteouts: Set<string>;
}

/** In-layer paths of the folders the layer marks opaque. */
export async function opaqueDirectoriesOf(tarSplitFile: string): Promise<Set<string>> {
  return (await whiteoutsOf(tarSplitFile)).opaque;
}

export async function whiteoutsOf(tarSplitFile: string): Promise<TarSplitWhiteouts> {
  const opaque = new Set<string>();
  const whiteouts = new Set<string>();
  const take = (line: string) => {
    // Only file entries (type 1) carry names; the raw header segments (type 2) are skipped unparsed.
    if (!line.includes(WHITEOUT_PREFIX)) {
      return;
    }
    const entry = JSON.parse(line) as { type?: number; name?: unknown };
    if (entry.type !== 1 || typeof entry.name !== 'string') {
      return;
    }
    const path = normalizeLayerPath(entry.name);
    const name = layerPathName(path);
    if (name === OPAQUE_MARKER) {
      opaque.add(layerPathParent(path));
    } else if (name.startsWith(WHITEOUT_PREFIX) && name.length > WHITEOUT_PREFIX.length) {
      whiteouts.add(joinLayerPath(layerPathParent(path), name.slice(WHITEOUT_PREFIX.length)));
    }
  };
  await pipeline(createReadStream(tarSplitFile), zlibModule().createGunzip(), async (source: AsyncIterable<Buffer>) => {
    let pending = '';
    for await (const chunk of source) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(take);
    }
    take(pending);
  });
  return { opaque, whiteouts };
}
