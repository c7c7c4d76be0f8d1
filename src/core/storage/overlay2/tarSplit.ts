/**
 * The layerdb's tar-split.json.gz: the layer tar's own headers, kept by Docker to rebuild the tar
 * byte for byte. A diff folder marks an opaque folder only with an xattr (trusted.overlay.opaque)
 * that Node cannot read; the tar-split still lists its `.wh..wh..opq` entry. Read only, streamed.
 */
import { createReadStream } from 'fs';
import { pipeline } from 'stream/promises';
import { createGunzip } from 'zlib';
import { OPAQUE_MARKER } from '../../archive/layerIndex';
import { layerPathName, layerPathParent, normalizeLayerPath } from '../../layerfs/layerPath';

/** In-layer paths of the folders the layer marks opaque. */
export async function opaqueDirectoriesOf(tarSplitFile: string): Promise<Set<string>> {
  const opaque = new Set<string>();
  const take = (line: string) => {
    // Only file entries (type 1) carry names; the raw header segments (type 2) are skipped unparsed.
    if (!line.includes(OPAQUE_MARKER)) {
      return;
    }
    const entry = JSON.parse(line) as { type?: number; name?: unknown };
    if (entry.type === 1 && typeof entry.name === 'string') {
      const path = normalizeLayerPath(entry.name);
      if (layerPathName(path) === OPAQUE_MARKER) {
        opaque.add(layerPathParent(path));
      }
    }
  };
  await pipeline(createReadStream(tarSplitFile), createGunzip(), async (source: AsyncIterable<Buffer>) => {
    let pending = '';
    for await (const chunk of source) {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(take);
    }
    take(pending);
  });
  return opaque;
}
