/**
 * The layer-listing part of `npm run bench` (`--only listing`): every entry of the 100,000-file layer
 * of `bench/archive:1` (archiveBench.ts builds it), read through the layer file system the tree and
 * the CLI use, against `find`:
 *   (k) find <diff> | wc -l: names only (getdents, no stat), the floor;
 *   (l) find <diff> -printf '%y %s\n' | wc -l: with each entry's type and size, what the layer file
 *       system gives for each entry;
 *   (m) listLayer.js folder <diff>, as root: DirectoryFileSystem, folder by folder (whole process,
 *       and the walk timed inside it);
 *   (n) listLayer.js archive <docker save of the image> …: ImageArchive.open, the layer's tar indexed,
 *       then the same walk over the index (what a user who cannot read the folder gets; in process).
 * Interleaved runs, median, min and max; the table goes to stdout and to docs/benchmarks.md between
 * its layer-listing markers. Root only. Every run checks that (m) and (n) count find's entries.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORPUS_IMAGE, ensureArchiveCorpus } from './archiveBench';
import { REPO_ROOT, median, output, timedSpawn, writeDocsSection } from './benchProcess';
import type { ListLayerResult } from './listLayer';

const LIST_LAYER = path.join(REPO_ROOT, 'out', 'test', 'bench', 'listLayer.js');

const formatMs = (ms: number) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

export async function layerListingBench(options: { runs: number }): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stdout.write('bench (listing): not run: it reads a layer folder under the data root, which only root can. Run it as root.\n');
    return 0;
  }
  await ensureArchiveCorpus();
  const [imageId, driver, upperDir, lowerDir] = (await output('docker', ['image', 'inspect', '-f', '{{.Id}}|{{.GraphDriver.Name}}|{{.GraphDriver.Data.UpperDir}}|{{.GraphDriver.Data.LowerDir}}', CORPUS_IMAGE])).split('|');
  if (driver !== 'overlay2') {
    process.stdout.write(`bench (listing): not run: ${CORPUS_IMAGE} is on ${driver}, not overlay2 (no diff folder per layer)\n`);
    return 0;
  }
  // Bottom first, as layers are numbered.
  const diffDirs = [upperDir, ...(lowerDir && lowerDir !== '<no value>' ? lowerDir.split(':') : [])].reverse();
  const findCounts = await Promise.all(diffDirs.map(async (dir) => Number(await output('bash', ['-o', 'pipefail', '-c', 'find "$1" | wc -l', 'find-layer', dir]))));
  const index = findCounts.indexOf(Math.max(...findCounts));
  const diffDir = diffDirs[index];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bench-listing-'));
  try {
    const archive = path.join(scratch, 'image.tar');
    await timedSpawn('docker', ['save', '-o', archive, CORPUS_IMAGE]);
    const find = ['-o', 'pipefail', '-c', 'find "$1" | wc -l', 'find-layer', diffDir];
    const findStat = ['-o', 'pipefail', '-c', `find "$1" -printf '%y %s\\n' | wc -l`, 'find-layer', diffDir];
    const folder = [LIST_LAYER, 'folder', diffDir];
    const fromArchive = [LIST_LAYER, 'archive', archive, imageId, String(index), path.join(scratch, 'cache')];
    process.stdout.write(`\nLayer listing: layer ${index} of ${CORPUS_IMAGE}, ${findCounts[index] - 1} entries (find), ${diffDir}; ${options.runs} timed run(s) after one untimed one.\n`);

    const expected = findCounts[index] - 1; // find prints the folder itself too.
    const problems: string[] = [];
    const samples = { k: [] as number[], l: [] as number[], m: [] as number[], mWalk: [] as number[], nOpen: [] as number[], nWalk: [] as number[] };
    for (let run = 0; run <= options.runs; run++) {
      const timed = run > 0;
      const k = await timedSpawn('bash', find, { captureStdout: true });
      const l = await timedSpawn('bash', findStat, { captureStdout: true });
      const m = await timedSpawn(process.execPath, folder, { captureStdout: true });
      const n = await timedSpawn(process.execPath, fromArchive, { captureStdout: true });
      const mResult = JSON.parse(m.stdout) as ListLayerResult;
      const nResult = JSON.parse(n.stdout) as ListLayerResult;
      for (const [what, count] of [
        ['(l) find -printf', Number(l.stdout.trim()) - 1],
        ['(m) the folder through the layer file system', mResult.entries],
        ['(n) the archive through the layer file system', nResult.entries],
      ] as const) {
        if (count !== expected) {
          problems.push(`run ${run}: ${what} counts ${count} entries, find ${expected}`);
        }
      }
      if (timed) {
        samples.k.push(k.ms);
        samples.l.push(l.ms);
        samples.m.push(m.ms);
        samples.mWalk.push(mResult.walkMs);
        samples.nOpen.push(nResult.openMs);
        samples.nWalk.push(nResult.walkMs);
      }
    }
    const row = (name: string, values: number[], ratio: string) => `| ${name} | ${formatMs(median(values))} | ${formatMs(Math.min(...values))} | ${formatMs(Math.max(...values))} | ${ratio} |`;
    const ratio = (values: number[]) => `${(median(values) / median(samples.k)).toFixed(1)}× (k)`;
    const table = [
      '| approach | median | min | max | ratio |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('(k) `find <diff> | wc -l` (names only)', samples.k, ''),
      row("(l) `find <diff> -printf '%y %s\\n' | wc -l` (type and size of each)", samples.l, ratio(samples.l)),
      row('(m) the folder through the layer file system, whole process', samples.m, ratio(samples.m)),
      row('(m) its walk alone, in process', samples.mWalk, ratio(samples.mWalk)),
      row("(n) the archive: open and index the layer's tar, in process", samples.nOpen, ''),
      row('(n) then the walk over the index, in process', samples.nWalk, ratio(samples.nWalk)),
    ].join('\n');
    process.stdout.write(`\n${table}\n\n${problems.length ? `PROBLEMS:\n${problems.join('\n')}\n` : `Every run: (l), (m) and (n) count find's ${expected} entries.\n`}`);
    writeDocsSection('layer-listing', 'listing', [
      `${new Date().toISOString()}, ${os.cpus().length} cores, Node.js ${process.version}: layer ${index} of \`${CORPUS_IMAGE}\`, ${expected.toLocaleString('en-US')} entries; ${options.runs} interleaved timed runs after an untimed one.`,
      '',
      table,
      '',
      problems.length ? `**Problems:** ${problems.join('; ')}` : `Every run, (l), (m) and (n) counted find's ${expected.toLocaleString('en-US')} entries.`,
    ]);
    process.stdout.write('Wrote the layer-listing section of docs/benchmarks.md\n');
    return problems.length ? 1 : 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
