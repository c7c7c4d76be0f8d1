/**
 * One sample of the layer-listing benchmark (layerListingBench.ts), in a fresh node process: every
 * entry of one layer, walked through the layer file system as the tree and the CLI read it
 * (readDirectory folder by folder, entries typed and sized), from
 *   folder   the layer's diff folder (DirectoryFileSystem: one lstat per entry), or
 *   archive  an image archive on disk: ImageArchive.open, the layer's tar indexed, then the walk.
 * Timed inside the process after the modules are loaded; prints one line of JSON (ListLayerResult).
 *
 *   node out/test/bench/listLayer.js folder DIFF_DIR
 *   node out/test/bench/listLayer.js archive ARCHIVE IMAGE_ID LAYER_INDEX CACHE_DIR
 */
import { ImageArchive } from '../../src/core/archive/imageArchive';
import { DirectoryFileSystem } from '../../src/core/layerfs/directoryFileSystem';
import { LayerFileSystem } from '../../src/core/layerfs/layerFileSystem';

export interface ListLayerResult {
  /** Every entry below the layer's root (files, folders, links, whiteouts), as find counts them less the root. */
  entries: number;
  /** Opening the layer: nothing for a folder; the archive's headers and the layer's index for an archive. */
  openMs: number;
  walkMs: number;
}

const msSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

async function countEntries(layer: LayerFileSystem, folder: string): Promise<number> {
  const entries = await layer.readDirectory(folder);
  let count = entries.length;
  for (const entry of entries) {
    if (entry.kind === 'directory' || entry.kind === 'opaqueDirectory') {
      count += await countEntries(layer, entry.path);
    }
  }
  return count;
}

async function open(argv: readonly string[]): Promise<LayerFileSystem> {
  const [mode, ...rest] = argv;
  if (mode === 'folder' && rest.length === 1) {
    return new DirectoryFileSystem(rest[0]);
  }
  if (mode === 'archive' && rest.length === 4) {
    const [file, imageId, index, cacheDir] = rest;
    const archive = await ImageArchive.open(file, { cacheDir });
    const image = archive.images.find((candidate) => candidate.id === imageId);
    if (!image) {
      throw new Error(`${file} does not hold ${imageId}`);
    }
    return archive.layer(image, Number(index));
  }
  throw new Error('usage: listLayer.js folder DIFF_DIR | archive ARCHIVE IMAGE_ID LAYER_INDEX CACHE_DIR');
}

async function main(): Promise<void> {
  const opening = process.hrtime.bigint();
  const layer = await open(process.argv.slice(2));
  const openMs = msSince(opening);
  const walking = process.hrtime.bigint();
  const entries = await countEntries(layer, '/');
  const result: ListLayerResult = { entries, openMs, walkMs: msSince(walking) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`listLayer: ${error.message}\n`);
    process.exitCode = 1;
  });
}
