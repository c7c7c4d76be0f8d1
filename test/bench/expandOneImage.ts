/**
 * Expanding one image once the list has loaded, as the Images view does: for each run a new
 * catalog lists the images (untimed), then its layers are loaded (timed). Prints the samples in ms
 * as JSON. Run as root (the layerdb and image configs on disk) or as a docker-group user (inspect
 * and history from the Engine).
 *
 *   node out/test/bench/expandOneImage.js HOST IMAGE RUNS
 */
import { EngineClient } from '../../src/core/engine/engineClient';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';

async function main(host: string, reference: string, runs: number): Promise<void> {
  const engine = await EngineClient.connect({ host, source: '--host' }, silentLogger);
  const samples: number[] = [];
  let layers = 0;
  for (let run = 0; run <= runs; run++) {
    const catalog = new ImageCatalog(engine, silentLogger);
    const listed = await catalog.listImages();
    await catalog.storage(); // The view has it from the start: its status bar names the storage.
    const image = listed.find((candidate) => candidate.tags.includes(reference) || candidate.id === reference);
    if (!image) {
      throw new Error(`${reference} is not in the image list`);
    }
    const started = process.hrtime.bigint();
    layers = (await catalog.imageLayers(image.id)).layers.length;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (run > 0) {
      samples.push(ms); // The first is a warm-up (JIT, page cache).
    }
  }
  process.stdout.write(`${JSON.stringify({ layers, samples })}\n`);
}

const [host, reference, runs] = process.argv.slice(2);
if (!host || !reference || !Number(runs)) {
  process.stderr.write('Usage: node out/test/bench/expandOneImage.js HOST IMAGE RUNS\n');
  process.exitCode = 2;
} else {
  main(host, reference, Number(runs)).catch((error: unknown) => {
    process.stderr.write(`expandOneImage: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
