/**
 * One sample of (h) and (i) of the archive benchmark (archiveBench.ts), in a fresh node process as
 * each CLI run is: an image archive already on disk is
 *   (h) indexed the way the CLI opens an archive from its cache: ImageArchive.open (the outer tar's
 *       headers, manifest.json, the config), then every layer of the image (its tar's headers into
 *       a LayerIndex), what ImageCatalog.imageEfficiency waits for before the analysis starts;
 *   (i) analysed: dive's figures over those layers, imageEfficiency, as `analyze` computes them.
 * The modules are loaded before either clock starts. Prints one line of JSON (IndexThenAnalyzeResult).
 *
 *   node out/test/bench/indexThenAnalyze.js ARCHIVE IMAGE_ID CACHE_DIR
 */
import { ImageEfficiency, imageEfficiency } from '../../src/core/analysis/efficiency';
import { ImageArchive } from '../../src/core/archive/imageArchive';

export interface IndexThenAnalyzeResult {
  indexMs: number;
  analysisMs: number;
  layers: number;
  figures: ImageEfficiency;
}

function msSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function indexThenAnalyze(archiveFile: string, imageId: string, cacheDir: string): Promise<IndexThenAnalyzeResult> {
  const indexStarted = process.hrtime.bigint();
  const archive = await ImageArchive.open(archiveFile, { cacheDir });
  const image = archive.images.find((candidate) => candidate.id === imageId);
  if (!image) {
    throw new Error(`${archiveFile} does not hold ${imageId} (it holds ${archive.images.map((candidate) => candidate.id).join(', ') || 'no image'})`);
  }
  // All at once, as the catalog opens them (Promise.all over the image's layers).
  const layers = await Promise.all(image.layerEntries.map((_, index) => archive.layer(image, index)));
  const indexMs = msSince(indexStarted);

  const analysisStarted = process.hrtime.bigint();
  const figures = await imageEfficiency(layers);
  const analysisMs = msSince(analysisStarted);
  return { indexMs, analysisMs, layers: layers.length, figures };
}

const [archiveFile, imageId, cacheDir] = process.argv.slice(2);
if (!archiveFile || !imageId || !cacheDir) {
  process.stderr.write('Usage: node out/test/bench/indexThenAnalyze.js ARCHIVE IMAGE_ID CACHE_DIR\n');
  process.exitCode = 2;
} else {
  indexThenAnalyze(archiveFile, imageId, cacheDir).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`indexThenAnalyze: ${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
