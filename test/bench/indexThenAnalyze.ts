/**
 * One sample of (h) and (i) of the archive benchmark (archiveBench.ts), in a fresh node process as
 * each CLI run is: an image archive already on disk is
 *   (h) indexed the way the CLI opens an archive from its cache: ImageArchive.open (the outer tar's
 *       headers, manifest.json, the config), then every layer of the image (its tar's headers into
 *       a LayerIndex), what ImageCatalog.imageEfficiency waits for before the analysis starts;
 *   (i) analysed: dive's figures over those layers, imageEfficiency, as `analyze` computes them;
 *   (j) mapped, once the listing is ready (the file history built, untimed): the size map's data
 *       (buildSizeMap), the message the webview gets (JSON), and the webview's treemap layout of it
 *       in an 800 × 600 panel (layout.ts, bundled for node by the bench), as Show Size Map does them.
 * The modules are loaded before any clock starts. Prints one line of JSON (IndexThenAnalyzeResult).
 *
 *   node out/test/bench/indexThenAnalyze.js ARCHIVE IMAGE_ID CACHE_DIR [LAYOUT_BUNDLE]
 */
import { ImageEfficiency, imageEfficiency } from '../../src/core/analysis/efficiency';
import { FileHistory } from '../../src/core/analysis/fileHistory';
import { buildSizeMap, wastedPaths } from '../../src/core/analysis/sizeMap';
import { ImageArchive } from '../../src/core/archive/imageArchive';

export interface IndexThenAnalyzeResult {
  indexMs: number;
  analysisMs: number;
  layers: number;
  figures: ImageEfficiency;
  /** (j), when a layout bundle was given. */
  sizeMap?: { ms: number; files: number; tiles: number; messageBytes: number };
}

/** The webview's layout module, bundled for node: layoutTiles(folder, path, width, height). */
type LayoutModule = { layoutTiles(folder: unknown, path: string, width: number, height: number): unknown[] };

function msSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function indexThenAnalyze(archiveFile: string, imageId: string, cacheDir: string, layoutBundle: string | undefined): Promise<IndexThenAnalyzeResult> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const layout = layoutBundle ? (require(layoutBundle) as LayoutModule) : undefined;
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
  if (!layout) {
    return { indexMs, analysisMs, layers: layers.length, figures };
  }
  const history = await FileHistory.build(layers);
  const steps = layers.map((_, index) => `layer ${index}`);
  const mapStarted = process.hrtime.bigint();
  const map = buildSizeMap(history, steps, { kind: 'image' }, wastedPaths(figures.inefficientFiles));
  const message = JSON.stringify({ type: 'map', map });
  const tiles = layout.layoutTiles((JSON.parse(message) as { map: typeof map }).map.root, '/', 800, 600);
  const ms = msSince(mapStarted);
  return { indexMs, analysisMs, layers: layers.length, figures, sizeMap: { ms, files: map.root.files, tiles: tiles.length, messageBytes: Buffer.byteLength(message) } };
}

const [archiveFile, imageId, cacheDir, layoutBundle] = process.argv.slice(2);
if (!archiveFile || !imageId || !cacheDir) {
  process.stderr.write('Usage: node out/test/bench/indexThenAnalyze.js ARCHIVE IMAGE_ID CACHE_DIR [LAYOUT_BUNDLE]\n');
  process.exitCode = 2;
} else {
  indexThenAnalyze(archiveFile, imageId, cacheDir, layoutBundle).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`indexThenAnalyze: ${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
