/**
 * The archive part of `npm run bench` (`npm run bench -- --only archive`): how long `docker-layers diff`
 * takes on a large image when the layer folders cannot be read (an unprivileged docker-group user: the
 * image archive comes from the Engine, `GET /images/{id}/get`), against listing the same archive by hand,
 * and as root from the layer folders against `find` over them; `docker-layers analyze` (dive's figures)
 * next to diff both ways, and what the analysis alone adds to indexing the archive. On the corpus image
 * bench/archive:1 (~1 GB, ~100,000 files, whiteouts and an opaque folder), built here once from dle-base:latest.
 *
 *   (a) baseline: docker save IMAGE | tar -xO --wildcards <every <id>/layer.tar> | tar -ti > /dev/null (BASELINE_SCRIPT)
 *   (b) ours, archive path, as the test user: docker-layers diff IMAGE --json --no-cache (download, index, changes)
 *   (c) ours, second open: the same with the cache kept (the archive already downloaded)
 *   (d) ours as root, from the layer folders: docker-layers diff IMAGE --json
 *   (e) baseline for (d): find <diff folder of each layer> | wc -l
 *   (f) analyze, archive path, as the test user: docker-layers analyze IMAGE --json --no-cache (download, index, dive's figures), next to (b)
 *   (g) analyze as root, from the layer folders: docker-layers analyze IMAGE --json, next to (d)
 *   (h) indexing alone, on the archive (c) keeps: ImageArchive.open and every layer's index (indexThenAnalyze.ts, a fresh process)
 *   (i) analysis alone, in the same process right after (h): imageEfficiency over those layers; the issue's criterion is (i) ≤ 10 % of (h)
 *
 * Every figure is taken N times (interleaved, after one untimed run that also checks the results):
 * median, min, max, and the peak RSS of the CLI (GNU time). The file counts of the Engine's archive
 * and of the diff JSON are checked against each other, (b), the first cached open and (d) must
 * give the same JSON, and so must (f) and (g), whose figures must be those of (i).
 * Root only. Results: a table on stdout and test-results/bench-archive.json.
 * Remove the corpus with `docker rmi bench/archive:1`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ImageAnalysisJson } from '../../src/cli/commands/analyze';
import type { ImageDiffJson } from '../../src/cli/commands/diff';
import { CLI, CLI_BUNDLE, GNU_TIME, REPO_ROOT, RSS_MARKER, Spawned, TEST_USER, cliForUser, median, output, succeeds, timedSpawn } from './benchProcess';
import type { IndexThenAnalyzeResult } from './indexThenAnalyze';

const RESULTS_FILE = path.join(REPO_ROOT, 'test-results', 'bench-archive.json');
/** (h) and (i): compiled next to this file. */
const INDEX_THEN_ANALYZE = path.join(__dirname, 'indexThenAnalyze.js');

/** Bump the tag when the recipe below changes: an existing corpus is reused as long as its tag exists. */
export const CORPUS_IMAGE = 'bench/archive:1';
const BASE_IMAGE = 'dle-base:latest';

/** Targets from the issue: the archive path at most 1.25× the by-hand listing, at most 150 MB resident. */
const TARGET_RATIO = 1.25;
const TARGET_RSS_MB = 150;
/** From the size map issue: the map appears within 1 s of the listing being ready. */
const TARGET_SIZE_MAP_MS = 1000;

/** The webview's layout module (src/webview/sizeMap/layout.ts), bundled for node once per bench run. */
function layoutBundle(): string {
  const file = path.join(__dirname, 'sizeMapLayout.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ entryPoints: [path.join(REPO_ROOT, 'src', 'webview', 'sizeMap', 'layout.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: file, logLevel: 'warning' });
  return file;
}

/** From the issue: the analysis adds at most 10 % to indexing the archive, (i) ÷ (h). */
const TARGET_ANALYSIS_SHARE = 0.1;

/**
 * The corpus, built with the legacy builder (one layer per RUN) and no network. dle-base has busybox with
 * only a few applet links, hence `busybox seq` and `busybox dd`. Layer 1: 100 × 10 folders of 100 files of
 * ~410 bytes (100,000 files, written by the shell's own echo: no process per file). Layer 2: five 190 MiB
 * files from /dev/urandom. Layer 3: 1,000 files overwritten, one file and one folder of 1,000 files deleted
 * (whiteouts), one folder removed and made again (opaque), one file added.
 */
export const CORPUS_DOCKERFILE = `# ${CORPUS_IMAGE}: the corpus of npm run bench -- --only archive (test/bench/archiveBench.ts)
FROM ${BASE_IMAGE}
LABEL dockerLayers.bench=1 dockerLayers.role=bench
RUN pad=$(printf '%0400d' 0) \\
 && for d in $(busybox seq -w 0 99); do for e in 0 1 2 3 4 5 6 7 8 9; do \\
      mkdir -p /corpus/d$d/e$e && cd /corpus/d$d/e$e \\
      && for f in $(busybox seq -w 0 99); do echo "$pad $d/$e/$f" > f$f; done; \\
    done; done
RUN mkdir /blobs && for i in 1 2 3 4 5; do busybox dd if=/dev/urandom of=/blobs/blob$i bs=1M count=190 2>/dev/null; done
RUN for e in 0 1 2 3 4 5 6 7 8 9; do for f in $(busybox seq -w 0 99); do echo changed > /corpus/d00/e$e/f$f; done; done \\
 && rm /corpus/d01/e0/f00 \\
 && rm -rf /corpus/d99 \\
 && rm -rf /corpus/d02 && mkdir -p /corpus/d02/e0 && echo new > /corpus/d02/e0/fnew
`;

/** (a): every layer's files from the Engine's archive (docker save before Engine 25: `<id>/layer.tar`), run with bash -o pipefail. */
export const BASELINE_SCRIPT = `docker save ${CORPUS_IMAGE} | tar -xO --wildcards '*/layer.tar' | tar -ti`;

export interface ArchiveBenchOptions {
  runs: number;
}


interface Measurement {
  name: string;
  command: string;
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Largest peak RSS over the timed runs, in MB (10^6 bytes), for the CLI rows. */
  peakRssMb?: number;
  rssSamplesMb?: number[];
}


function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function measurement(name: string, command: string, samplesMs: readonly number[], rssKb?: readonly number[]): Measurement {
  const rssMb = rssKb?.map((kb) => round((kb * 1024) / 1e6, 1));
  return {
    name,
    command,
    samplesMs: samplesMs.map((ms) => round(ms)),
    medianMs: round(median(samplesMs)),
    minMs: round(Math.min(...samplesMs)),
    maxMs: round(Math.max(...samplesMs)),
    ...(rssMb && rssMb.length > 0 ? { peakRssMb: Math.max(...rssMb), rssSamplesMb: rssMb } : {}),
  };
}

function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

function formatTable(header: readonly string[], body: readonly string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

/** What `tar -t` lists for a stream of layer tars, by kind. */
interface TarListing {
  /** Files, links, devices: everything but folders and whiteout markers (what diff lists as added or modified). */
  nonFolders: number;
  folders: number;
  whiteouts: number;
  opaqueMarkers: number;
}

function countListing(listing: string): TarListing {
  const counts: TarListing = { nonFolders: 0, folders: 0, whiteouts: 0, opaqueMarkers: 0 };
  for (const line of listing.split('\n')) {
    if (line === '') {
      continue;
    }
    const name = line.replace(/\/+$/, '').split('/').pop() ?? '';
    if (line.endsWith('/')) {
      counts.folders++;
    } else if (name === '.wh..wh..opq') {
      counts.opaqueMarkers++;
    } else if (name.startsWith('.wh.')) {
      counts.whiteouts++;
    } else {
      counts.nonFolders++;
    }
  }
  return counts;
}

function addListings(listings: readonly TarListing[]): TarListing {
  return listings.reduce((sum, each) => ({
    nonFolders: sum.nonFolders + each.nonFolders,
    folders: sum.folders + each.folders,
    whiteouts: sum.whiteouts + each.whiteouts,
    opaqueMarkers: sum.opaqueMarkers + each.opaqueMarkers,
  }));
}

interface LayerCounts {
  added: number;
  modified: number;
  deletedPaths: number;
  opaqueFolders: number;
}

function diffCounts(diff: ImageDiffJson): LayerCounts[] {
  return diff.layers.map((layer) => ({
    added: layer.added.length,
    modified: layer.modified.length,
    deletedPaths: layer.deleted.filter((entry) => !('opaque' in entry)).length,
    opaqueFolders: layer.deleted.filter((entry) => 'opaque' in entry).length,
  }));
}

/** Non-folder paths of the image as of its top layer: every layer's added and modified, minus what later layers deleted. */
function mergedFileCount(diff: ImageDiffJson): number {
  const files = new Set<string>();
  for (const layer of diff.layers) {
    for (const deleted of layer.deleted) {
      const below = `${deleted.path}/`;
      files.delete(deleted.path);
      for (const file of files) {
        if (file.startsWith(below)) {
          files.delete(file);
        }
      }
    }
    for (const file of [...layer.added, ...layer.modified]) {
      files.add(file.path);
    }
  }
  return files.size;
}

/** Where JSON outputs differ, in a few lines; undefined when they are the same. */
function jsonDifference(what: string, actual: ImageDiffJson, expected: ImageDiffJson): string | undefined {
  if (JSON.stringify(actual) === JSON.stringify(expected)) {
    return undefined;
  }
  const lines = [`${what} differs from (b):`];
  for (const [index, layer] of expected.layers.entries()) {
    const other = actual.layers[index];
    for (const key of ['added', 'modified', 'deleted'] as const) {
      const mine = new Set((other?.[key] ?? []).map((entry) => JSON.stringify(entry)));
      const theirs = new Set(layer[key].map((entry) => JSON.stringify(entry)));
      const missing = [...theirs].filter((entry) => !mine.has(entry));
      const extra = [...mine].filter((entry) => !theirs.has(entry));
      if (missing.length > 0 || extra.length > 0) {
        lines.push(`  layer ${index} ${key}: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')})`);
      }
    }
  }
  return lines.join('\n');
}

/** dive's figures as `analyze --json` prints them, without the image and the rules: what (f), (g) and (i) must agree on. */
function analysisFigures(figures: ImageAnalysisJson | IndexThenAnalyzeResult['figures']): Omit<ImageAnalysisJson, 'image' | 'rules' | 'pass'> {
  const { sizeBytes, userSizeBytes, wastedBytes, efficiency, userWastedPercent } = figures;
  return { sizeBytes, userSizeBytes, wastedBytes, efficiency, userWastedPercent, inefficientFiles: figures.inefficientFiles.map(({ path: file, count, wastedBytes: bytes }) => ({ path: file, count, wastedBytes: bytes })) };
}

/** Builds `bench/archive:1` when it is missing (the listing part reads its 100,000-file layer too). */
export async function ensureArchiveCorpus(): Promise<{ built: boolean; buildMs?: number }> {
  const label = await output('docker', ['image', 'inspect', '-f', '{{index .Config.Labels "dockerLayers.bench"}}', CORPUS_IMAGE]).catch(() => '');
  if (label === '1') {
    return { built: false };
  }
  if (!(await succeeds('docker', ['image', 'inspect', BASE_IMAGE]))) {
    throw new Error(`${BASE_IMAGE} is missing: build the test images first (bash test/setup/build-test-images.sh)`);
  }
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bench-corpus-'));
  try {
    fs.writeFileSync(path.join(context, 'Dockerfile'), CORPUS_DOCKERFILE);
    process.stdout.write(`building ${CORPUS_IMAGE} from ${BASE_IMAGE} (legacy builder, --network none): about 1 GB, 100,000 files …\n`);
    // --no-cache: the time printed is always that of a whole build; --force-rm: a failed step leaves no container.
    const build = await timedSpawn('docker', ['build', '-q', '--no-cache', '--force-rm', '--network', 'none', '-t', CORPUS_IMAGE, context], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    }).catch(async (error: Error) => {
      // The legacy builder keeps the images of the steps that worked: untagged, with the corpus label.
      // Newest first, as docker images lists them: removing a child prunes its untagged parents.
      const listed = await output('docker', ['images', '-a', '--no-trunc', '-f', 'label=dockerLayers.bench=1', '--format', '{{.ID}} {{.Repository}}']).catch(() => '');
      const leftovers = listed
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([id, repository]) => id && repository === '<none>')
        .map(([id]) => id);
      for (const id of leftovers) {
        await timedSpawn('docker', ['rmi', id]).catch(() => undefined);
      }
      throw error;
    });
    process.stdout.write(`built ${CORPUS_IMAGE} in ${formatSeconds(build.ms)}\n`);
    return { built: true, buildMs: round(build.ms) };
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

/** A folder in the temporary directory that belongs to the test user. */
function userTempDir(prefix: string, uid: number, gid: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chownSync(dir, uid, gid);
  fs.chmodSync(dir, 0o700);
  return dir;
}

export async function archiveBench(options: ArchiveBenchOptions): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stdout.write(
      `bench (archive): not run: this user (uid ${process.getuid?.()}) is not root.\n` +
        `It runs the CLI as the unprivileged user ${TEST_USER} (runuser) and counts the layer folders under the data root, which only root can read. Run it as root: sudo npm run bench -- --only archive\n`,
    );
    return 0;
  }
  if (!fs.existsSync(CLI_BUNDLE)) {
    throw new Error(`${CLI_BUNDLE} is missing: build the CLI first (npm run build)`);
  }
  const serverVersion = await output('docker', ['version', '--format', '{{.Server.Version}}']).catch((error: Error) => {
    throw new Error(`no Docker daemon answers: ${error.message}`);
  });
  const uid = Number(await output('id', ['-u', TEST_USER]).catch(() => 'none'));
  const gid = Number(await output('id', ['-g', TEST_USER]).catch(() => 'none'));
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error(`the test user ${TEST_USER} does not exist: bash test/setup/ensure-test-user.sh (or DLE_TEST_USER=<a docker-group user>)`);
  }
  const gnuTime = await succeeds(GNU_TIME, ['-f', '%M', 'true']);
  const timeArgs = gnuTime ? [GNU_TIME, '-f', `${RSS_MARKER}%M`] : [];

  const corpus = await ensureArchiveCorpus();
  if (!corpus.built) {
    process.stdout.write(`${CORPUS_IMAGE} exists (built earlier; docker rmi ${CORPUS_IMAGE} to rebuild it)\n`);
  }
  const [imageId, sizeText, driver, upperDir, lowerDir] = (
    await output('docker', ['image', 'inspect', '-f', '{{.Id}}|{{.Size}}|{{.GraphDriver.Name}}|{{.GraphDriver.Data.UpperDir}}|{{.GraphDriver.Data.LowerDir}}', CORPUS_IMAGE])
  ).split('|');
  const layerCount = (await output('docker', ['image', 'inspect', '-f', '{{range .RootFS.Layers}}{{println .}}{{end}}', CORPUS_IMAGE])).split('\n').filter(Boolean).length;
  const diffDirs = driver === 'overlay2' ? [upperDir, ...(lowerDir ? lowerDir.split(':') : [])].filter((dir) => dir && dir !== '<no value>') : [];

  const { cli: userCli, copy } = await cliForUser();
  const noCacheHome = userTempDir('dle-bench-nocache-', uid, gid);
  const keptCacheHome = userTempDir('dle-bench-cache-', uid, gid);
  const rootCacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bench-root-cache-'));
  type Subcommand = 'diff' | 'analyze';
  const asUser = (subcommand: Subcommand, cacheHome: string, extra: readonly string[]) => ['-u', TEST_USER, '--', 'env', `XDG_CACHE_HOME=${cacheHome}`, ...timeArgs, process.execPath, userCli, subcommand, CORPUS_IMAGE, '--json', ...extra];
  const asRoot = (subcommand: Subcommand): [string, string[]] => {
    const command = [...timeArgs, process.execPath, CLI, subcommand, CORPUS_IMAGE, '--json'];
    return [command[0], command.slice(1)];
  };
  const rootEnv = { ...process.env, XDG_CACHE_HOME: rootCacheHome };
  const findArgs = ['-o', 'pipefail', '-c', 'find "$@" | wc -l', 'find-layers', ...diffDirs];
  // (h) and (i) read the archive the first cached open keeps; as root, so that no copy is needed.
  const archiveFile = path.join(keptCacheHome, 'docker-layer-explorer', 'images', imageId.replace(/^sha256:/, ''), 'archive.tar');
  const probeCacheDir = path.join(rootCacheHome, 'index-then-analyze');
  const layout = layoutBundle();
  const probe = (): [string, string[]] => {
    const command = [...timeArgs, process.execPath, INDEX_THEN_ANALYZE, archiveFile, imageId, probeCacheDir, layout];
    return [command[0], command.slice(1)];
  };
  const baselineArgs = ['-o', 'pipefail', '-c', BASELINE_SCRIPT];

  const commands = {
    a: `bash -o pipefail -c "${BASELINE_SCRIPT} > /dev/null"`,
    b: `runuser -u ${TEST_USER} -- env XDG_CACHE_HOME=<empty dir> node ${userCli} diff ${CORPUS_IMAGE} --json --no-cache > /dev/null`,
    c: `runuser -u ${TEST_USER} -- env XDG_CACHE_HOME=<dir holding the archive> node ${userCli} diff ${CORPUS_IMAGE} --json > /dev/null`,
    d: `node bin/docker-layers.js diff ${CORPUS_IMAGE} --json > /dev/null   (as root)`,
    e: `find <the ${diffDirs.length} diff folders> | wc -l`,
    f: `runuser -u ${TEST_USER} -- env XDG_CACHE_HOME=<empty dir> node ${userCli} analyze ${CORPUS_IMAGE} --json --no-cache > /dev/null`,
    g: `node bin/docker-layers.js analyze ${CORPUS_IMAGE} --json > /dev/null   (as root)`,
    h: `node ${path.relative(REPO_ROOT, INDEX_THEN_ANALYZE)} <the archive of (c)> ${imageId.slice(0, 19)}… <dir>: ImageArchive.open + every layer's index, timed inside a fresh process`,
    i: `the same process, right after (h): imageEfficiency(layers)`,
    j: `the same process, once the listing is ready (file history built, untimed): buildSizeMap + the webview's message (JSON) + its treemap layout at 800 × 600`,
  };
  process.stdout.write(
    `\nArchive benchmark: Docker ${serverVersion}, ${CORPUS_IMAGE} (${imageId.slice(7, 19)}), ${(Number(sizeText) / 1e9).toFixed(2)} GB, ${layerCount} layers; ` +
      `${options.runs} timed run(s) each after one untimed run that checks the results.\n` +
      Object.entries(commands)
        .map(([key, command]) => `  (${key}) ${command}`)
        .join('\n') +
      '\n\n',
  );

  try {
    // Untimed: warm the page cache, and get what each approach finds.
    const baselineListing = (await timedSpawn('bash', baselineArgs, { captureStdout: true })).stdout;
    const archiveDiff = JSON.parse((await timedSpawn('runuser', asUser('diff', noCacheHome, ['--no-cache']), { captureStdout: true })).stdout) as ImageDiffJson;
    const firstCached = await timedSpawn('runuser', asUser('diff', keptCacheHome, []), { captureStdout: true });
    const firstCachedDiff = JSON.parse(firstCached.stdout) as ImageDiffJson;
    const folderDiff = diffDirs.length > 0 ? (JSON.parse((await timedSpawn(...asRoot('diff'), { captureStdout: true, env: rootEnv })).stdout) as ImageDiffJson) : undefined;
    const findCount = diffDirs.length > 0 ? Number(await output('bash', findArgs)) : undefined;
    const archiveAnalysis = JSON.parse((await timedSpawn('runuser', asUser('analyze', noCacheHome, ['--no-cache']), { captureStdout: true })).stdout) as ImageAnalysisJson;
    const folderAnalysis = diffDirs.length > 0 ? (JSON.parse((await timedSpawn(...asRoot('analyze'), { captureStdout: true, env: rootEnv })).stdout) as ImageAnalysisJson) : undefined;
    const probed = JSON.parse((await timedSpawn(...probe(), { captureStdout: true })).stdout) as IndexThenAnalyzeResult;

    // The Engine's archive, per layer, from the copy the first cached open kept.
    const archiveBytes = fs.statSync(archiveFile).size;
    const manifest = JSON.parse(await output('tar', ['-xOf', archiveFile, 'manifest.json'])) as { Layers: string[] }[];
    const perLayer: TarListing[] = [];
    for (const layer of manifest[0].Layers) {
      perLayer.push(countListing(await output('bash', ['-o', 'pipefail', '-c', 'tar -xOf "$1" "$2" | tar -t', 'layer-listing', archiveFile, layer])));
    }
    const whole = countListing(baselineListing);
    const counts = diffCounts(archiveDiff);

    const problems: string[] = [];
    const wholeOfLayers = addListings(perLayer);
    if (JSON.stringify(whole) !== JSON.stringify(wholeOfLayers)) {
      problems.push(`the baseline's listing (${JSON.stringify(whole)}) is not the sum of the archive's layers (${JSON.stringify(wholeOfLayers)})`);
    }
    if (counts.length !== perLayer.length) {
      problems.push(`diff lists ${counts.length} layers, the archive has ${perLayer.length}`);
    }
    const verification = perLayer.map((tar, index) => {
      const layer = counts[index] ?? { added: 0, modified: 0, deletedPaths: 0, opaqueFolders: 0 };
      const same = tar.nonFolders === layer.added + layer.modified && tar.whiteouts === layer.deletedPaths && tar.opaqueMarkers === layer.opaqueFolders;
      if (!same) {
        problems.push(`layer ${index}: tar lists ${JSON.stringify(tar)}, diff ${JSON.stringify(layer)}`);
      }
      return { index, tar, diff: layer, consistent: same };
    });
    for (const [what, other] of [
      ['the first open into an empty cache (c, untimed)', firstCachedDiff],
      ['diff as root from the layer folders (d)', folderDiff],
    ] as const) {
      const difference = other ? jsonDifference(what, other, archiveDiff) : undefined;
      if (difference) {
        problems.push(difference);
      }
    }
    const expectedFigures = JSON.stringify(analysisFigures(archiveAnalysis));
    for (const [what, figures] of [
      ['analyze as root from the layer folders (g)', folderAnalysis && analysisFigures(folderAnalysis)],
      ['imageEfficiency in process on the cached archive (i)', analysisFigures(probed.figures)],
    ] as const) {
      if (figures && JSON.stringify(figures) !== expectedFigures) {
        problems.push(`${what} gives other figures than analyze --no-cache (f): ${JSON.stringify({ ...figures, inefficientFiles: figures.inefficientFiles.length })}`);
      }
    }
    if (folderAnalysis && JSON.stringify(folderAnalysis) !== JSON.stringify(archiveAnalysis)) {
      problems.push('analyze --json as root (g) prints other JSON than as the test user (f)');
    }
    if (probed.layers !== layerCount) {
      problems.push(`(h) opened ${probed.layers} layers, the image has ${layerCount}`);
    }
    const totalDiff = counts.reduce((sum, layer) => sum + layer.added + layer.modified, 0);
    const mergedFiles = mergedFileCount(archiveDiff);

    // Timed, interleaved so that a slow moment of the machine does not land on one approach only.
    // (f) right after (b) and (g) right after (d): each pair meets the machine in the same state.
    const samples = { a: [] as number[], b: [] as number[], f: [] as number[], c: [] as number[], d: [] as number[], g: [] as number[], e: [] as number[], h: [] as number[], i: [] as number[], j: [] as number[] };
    const rss = { b: [] as number[], f: [] as number[], c: [] as number[], d: [] as number[], g: [] as number[], i: [] as number[] };
    const timedCli = async (key: keyof typeof rss, file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<Spawned> => {
      const result = await timedSpawn(file, args, { env });
      samples[key].push(result.ms);
      if (result.maxRssKb !== undefined) {
        rss[key].push(result.maxRssKb);
      }
      return result;
    };
    for (let run = 0; run < options.runs; run++) {
      samples.a.push((await timedSpawn('bash', baselineArgs)).ms);
      await timedCli('b', 'runuser', asUser('diff', noCacheHome, ['--no-cache']));
      await timedCli('f', 'runuser', asUser('analyze', noCacheHome, ['--no-cache']));
      await timedCli('c', 'runuser', asUser('diff', keptCacheHome, []));
      if (diffDirs.length > 0) {
        await timedCli('d', ...asRoot('diff'), rootEnv);
        await timedCli('g', ...asRoot('analyze'), rootEnv);
        samples.e.push((await timedSpawn('bash', findArgs, { captureStdout: true })).ms);
      }
      // The process's own clocks, not spawn to exit: (h) and (i) leave out node's start and module loading.
      const sample = await timedSpawn(...probe(), { captureStdout: true });
      const { indexMs, analysisMs, sizeMap } = JSON.parse(sample.stdout) as IndexThenAnalyzeResult;
      samples.h.push(indexMs);
      samples.i.push(analysisMs);
      samples.j.push(sizeMap!.ms);
      if (sample.maxRssKb !== undefined) {
        rss.i.push(sample.maxRssKb);
      }
      process.stdout.write(
        `  run ${run + 1}/${options.runs}: (a) ${formatSeconds(samples.a[run])}  (b) ${formatSeconds(samples.b[run])}  (f) ${formatSeconds(samples.f[run])}  (c) ${formatSeconds(samples.c[run])}` +
          (diffDirs.length > 0 ? `  (d) ${formatSeconds(samples.d[run])}  (g) ${formatSeconds(samples.g[run])}  (e) ${formatSeconds(samples.e[run])}` : '') +
          `  (h) ${formatMs(indexMs)}  (i) ${formatMs(analysisMs)}  (j) ${formatMs(sizeMap!.ms)}\n`,
      );
    }

    const rows = {
      a: measurement('(a) docker save | tar -xO | tar -ti', commands.a, samples.a),
      b: measurement(`(b) diff --no-cache, as ${TEST_USER} (archive)`, commands.b, samples.b, rss.b),
      c: measurement(`(c) diff, second open (archive cached)`, commands.c, samples.c, rss.c),
      ...(diffDirs.length > 0 ? { d: measurement('(d) diff as root (layer folders)', commands.d, samples.d, rss.d), e: measurement('(e) find <diff folders> | wc -l', commands.e, samples.e) } : {}),
      f: measurement(`(f) analyze --no-cache, as ${TEST_USER} (archive)`, commands.f, samples.f, rss.f),
      ...(diffDirs.length > 0 ? { g: measurement('(g) analyze as root (layer folders)', commands.g, samples.g, rss.g) } : {}),
      h: measurement('(h) index the cached archive, in process', commands.h, samples.h),
      i: measurement('(i) imageEfficiency after (h), in process', commands.i, samples.i, rss.i),
      j: measurement('(j) size map after the listing, in process', commands.j, samples.j),
    };
    const ratioBA = rows.b.medianMs / rows.a.medianMs;
    const ratioDE = rows.d && rows.e ? rows.d.medianMs / rows.e.medianMs : undefined;
    const ratioFB = rows.f.medianMs / rows.b.medianMs;
    const ratioGD = rows.g && rows.d ? rows.g.medianMs / rows.d.medianMs : undefined;
    // The median of each run's own share: (h) and (i) of one run are one process, so they belong together.
    const analysisShare = median(samples.i.map((ms, run) => ms / samples.h[run]));
    const ratioCells: Record<string, string> = {
      b: `${ratioBA.toFixed(2)}× (a)`,
      d: ratioDE !== undefined ? `${ratioDE.toFixed(1)}× (e)` : '',
      f: `${ratioFB.toFixed(2)}× (b)`,
      g: ratioGD !== undefined ? `${ratioGD.toFixed(2)}× (d)` : '',
      i: `${(analysisShare * 100).toFixed(1)} % of (h)`,
      j: `${((rows.j.medianMs / TARGET_SIZE_MAP_MS) * 100).toFixed(0)} % of 1 s`,
    };
    // (h) and (i) are well under a second: in milliseconds, so that the share can be read off the table.
    const formatRow = (key: string, ms: number) => (key === 'h' || key === 'i' || key === 'j' ? formatMs(ms) : formatSeconds(ms));
    const table = formatTable(
      ['approach', 'median', 'min', 'max', 'ratio', 'peak RSS'],
      Object.entries(rows).map(([key, row]) => [row.name, formatRow(key, row.medianMs), formatRow(key, row.minMs), formatRow(key, row.maxMs), ratioCells[key] ?? '', row.peakRssMb !== undefined ? `${row.peakRssMb.toFixed(0)} MB` : '']),
    );
    const peakB = rows.b.peakRssMb;
    process.stdout.write(
      `\n${table}\n\n` +
        `(b)/(a) = ${ratioBA.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratioBA <= TARGET_RATIO ? 'met' : 'MISSED'}); ` +
        `peak RSS of (b) ${peakB !== undefined ? `${peakB.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB} MB: ${peakB <= TARGET_RSS_MB ? 'met' : 'MISSED'})` : `not measured (no GNU time at ${GNU_TIME}: apt-get install -y time)`}; ` +
        `second open (c) ${formatSeconds(rows.c.medianMs)}` +
        (ratioDE !== undefined ? `; (d)/(e) = ${ratioDE.toFixed(1)}` : '') +
        `.\nanalyze next to diff: (f)/(b) = ${ratioFB.toFixed(2)} (archive, download included)` +
        (ratioGD !== undefined ? `, (g)/(d) = ${ratioGD.toFixed(2)} (layer folders)` : '') +
        `; analysis (i) ${formatMs(rows.i.medianMs)} = ${(analysisShare * 100).toFixed(1)} % of indexing (h) ${formatMs(rows.h.medianMs)} ` +
        `(median of the per-run shares; target ≤ ${(TARGET_ANALYSIS_SHARE * 100).toFixed(0)} %: ${analysisShare <= TARGET_ANALYSIS_SHARE ? 'met' : 'MISSED'}).` +
        `\nsize map (j) ${formatMs(rows.j.medianMs)} for ${probed.sizeMap!.files.toLocaleString('en-US')} files: ${probed.sizeMap!.tiles.toLocaleString('en-US')} rectangles laid out, a ${(probed.sizeMap!.messageBytes / 1e3).toFixed(0)} kB message ` +
        `(target: the map within ${TARGET_SIZE_MAP_MS / 1000} s of the listing: ${rows.j.medianMs <= TARGET_SIZE_MAP_MS ? 'met' : 'MISSED'}; the webview's own drawing of those rectangles is reported by it, see the extension-host test).` +
        `\nFirst open into an empty cache (untimed check run, download kept): ${formatSeconds(firstCached.ms)}` +
        (firstCached.maxRssKb !== undefined ? `, peak RSS ${((firstCached.maxRssKb * 1024) / 1e6).toFixed(0)} MB` : '') +
        '.\n\n' +
        `Corpus: ${CORPUS_IMAGE}, Size ${sizeText} bytes, archive ${archiveBytes} bytes, ${layerCount} layers; ` +
        `tar -t lists ${whole.nonFolders} non-folder entries, ${whole.folders} folders, ${whole.whiteouts} whiteouts, ${whole.opaqueMarkers} opaque markers; ` +
        `${mergedFiles} files in the merged image` +
        (findCount !== undefined ? `; find counts ${findCount} entries in the diff folders` : '') +
        `; analyze: efficiency ${archiveAnalysis.efficiency}, ${archiveAnalysis.wastedBytes} wasted bytes, ${archiveAnalysis.inefficientFiles.length} inefficient files` +
        '.\n' +
        formatTable(
          ['layer', 'tar: non-folders', 'folders', 'whiteouts', 'opaque', 'diff: added', 'modified', 'deleted', 'opaque', ''],
          verification.map(({ index, tar, diff, consistent }) => [
            String(index),
            String(tar.nonFolders),
            String(tar.folders),
            String(tar.whiteouts),
            String(tar.opaqueMarkers),
            String(diff.added),
            String(diff.modified),
            String(diff.deletedPaths),
            String(diff.opaqueFolders),
            consistent ? 'ok' : 'MISMATCH',
          ]),
        ) +
        '\n' +
        (problems.length === 0
          ? `Consistent: per layer, tar's non-folder entries = diff's added + modified (${totalDiff} in all), whiteouts and opaque markers = deleted; (b), (c) and (d) give the same JSON, (f) and (g) too, with (i)'s figures. tar's folders are not in diff (it lists non-folder entries).\n`
          : `PROBLEMS:\n${problems.map((problem) => `  ${problem}`).join('\n')}\n`),
    );

    fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
    fs.writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          runs: options.runs,
          host: os.hostname(),
          node: process.version,
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model,
          memoryBytes: os.totalmem(),
          docker: serverVersion,
          corpus: {
            image: CORPUS_IMAGE,
            id: imageId,
            sizeBytes: Number(sizeText),
            archiveBytes,
            layers: layerCount,
            built: corpus.built,
            buildMs: corpus.buildMs,
            tarListing: whole,
            mergedFiles,
            findEntries: findCount,
            dockerfile: CORPUS_DOCKERFILE,
          },
          verification,
          consistent: problems.length === 0,
          problems,
          firstCachedOpen: { ms: round(firstCached.ms), maxRssKb: firstCached.maxRssKb },
          results: rows,
          ratioBOverA: round(ratioBA),
          ratioDOverE: ratioDE !== undefined ? round(ratioDE) : undefined,
          ratioFOverB: round(ratioFB),
          ratioGOverD: ratioGD !== undefined ? round(ratioGD) : undefined,
          analysisShareOfIndexing: round(analysisShare, 4),
          sizeMap: { medianMs: round(rows.j.medianMs, 1), ...probed.sizeMap },
          analysis: { ...analysisFigures(archiveAnalysis), inefficientFiles: archiveAnalysis.inefficientFiles.length },
          targets: { ratio: TARGET_RATIO, rssMb: TARGET_RSS_MB, analysisShareOfIndexing: TARGET_ANALYSIS_SHARE },
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`Wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    for (const dir of [noCacheHome, keptCacheHome, rootCacheHome, ...(copy ? [copy] : [])]) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
