/**
 * `npm run bench`: how long it takes to get the overlay2 cache ID of every layer of every image,
 *   (a) with `docker-layers ls --json` (a new node process: start, bundle load, Engine requests, layerdb reads),
 *   (b) by hand, the documented manual way: `docker image inspect` per image, the chain IDs computed in
 *       bash, and `cat <data root>/image/overlay2/layerdb/sha256/<chain>/cache-id` per layer,
 *   and, so that the CLI's process start cost is visible, the same work in process through ImageCatalog
 *   (cold: new connection and catalog; warm: same connection after invalidate(); cached: nothing asked).
 * Both (a) and (b) must give the same cache IDs, or the benchmark fails. Runs on the live daemon; root only
 * (the baseline reads the layerdb). Results: a table on stdout and test-results/bench.json.
 * Then the archive part (archiveBench.ts): `docker-layers diff` on a ~1 GB image from the Engine's archive
 * and from the layer folders, against docker save | tar -t and find, and `docker-layers analyze` next to
 * it, with the analysis alone against indexing the archive (test-results/bench-archive.json).
 *
 *   node out/test/bench/bench.js [--runs N] [--only tree|archive]
 *     --runs N   timed runs of each figure (default 5 for the tree part, 3 for the archive part)
 *     --only     run one part: tree (the cache IDs above) or archive
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageJson, loadImages, toImageJson } from '../../src/cli/commands/ls';
import { EngineClient } from '../../src/core/engine/engineClient';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { resolveEndpoint } from '../../src/core/engine/resolveEndpoint';
import { EngineInfo, EngineVersion } from '../../src/core/engine/engineTypes';
import { nodeHostFiles } from '../../src/core/engine/hostFiles';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { archiveBench } from './archiveBench';

/** out/test/bench → the repository. */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(REPO_ROOT, 'bin', 'docker-layers.js');
const CLI_BUNDLE = path.join(REPO_ROOT, 'dist', 'cli.js');
const RESULTS_FILE = path.join(REPO_ROOT, 'test-results', 'bench.json');

/**
 * The by-hand baseline: what a user types without this tool. Prints "<image ID> <layer index> <cache ID>".
 * `docker images -q` lists an image once per tag, hence `sort -u`; chain[0] = diff[0],
 * chain[i] = sha256(chain[i-1] + " " + diff[i]).
 */
const BASELINE_SCRIPT = `set -euo pipefail
layerdb="$DATA_ROOT/image/$DRIVER/layerdb/sha256"
for image in $(docker images --quiet --no-trunc | sort -u); do
  chain=""; index=0
  for diff in $(docker image inspect --format '{{range .RootFS.Layers}}{{println .}}{{end}}' "$image"); do
    if [ -z "$chain" ]; then chain=$diff; else chain="sha256:$(printf '%s %s' "$chain" "$diff" | sha256sum | cut -d' ' -f1)"; fi
    cache=$(cat "$layerdb/\${chain#sha256:}/cache-id")  # an assignment, so set -e stops on a missing file
    echo "$image $index $cache"
    index=$((index + 1))
  done
done`;

type Part = 'tree' | 'archive';

interface Options {
  /** Timed runs per figure; each part has its own default when not given. */
  runs: number | undefined;
  only: Part | undefined;
}

const USAGE = 'Usage: node out/test/bench/bench.js [--runs N] [--only tree|archive]   (runs default: 5 tree, 3 archive; root only)';

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { runs: undefined, only: undefined };
  const valueOf = (arg: string, name: string, at: number): string | undefined =>
    arg === name ? (argv[at + 1] ?? '') : arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const runs = valueOf(arg, '--runs', i);
    const only = valueOf(arg, '--only', i);
    if (runs !== undefined) {
      i += arg === '--runs' ? 1 : 0;
      options.runs = Number(runs);
      if (!Number.isInteger(options.runs) || options.runs < 1) {
        throw new Error(`--runs needs a whole number of at least 1, not "${runs}"`);
      }
    } else if (only !== undefined) {
      i += arg === '--only' ? 1 : 0;
      if (only !== 'tree' && only !== 'archive') {
        throw new Error(`--only takes tree or archive, not "${only}"`);
      }
      options.only = only;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg} (${USAGE.slice('Usage: '.length)})`);
    }
  }
  return options;
}

interface Spawned {
  stdout: string;
  ms: number;
}

/** Runs a program with an argument array and times it from spawn to exit; rejects on a non-zero exit. */
function timedRun(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(file, [...args], { cwd: REPO_ROOT, env, maxBuffer: 256 * 1024 * 1024, timeout: 600_000 }, (error, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (error) {
        reject(new Error(`${file} ${args[0] ?? ''} failed: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ stdout, ms });
    });
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** "<image ID> <index> <cache ID>" lines, sorted: the common form both approaches are compared in. */
function cacheIdLinesOfJson(images: readonly ImageJson[]): string[] {
  return images.flatMap((image) => image.layers.map((layer) => `${image.id} ${layer.index} ${layer.cacheId ?? 'null'}`)).sort();
}

function cacheIdLinesOfBaseline(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .sort();
}

/** Fails the benchmark when two approaches disagree on any cache ID. */
function assertSameCacheIds(what: string, actual: readonly string[], expected: readonly string[]): void {
  if (actual.length === expected.length && actual.every((line, index) => line === expected[index])) {
    return;
  }
  const missing = expected.filter((line) => !actual.includes(line));
  const extra = actual.filter((line) => !expected.includes(line));
  throw new Error(
    `${what} gives other cache IDs than the by-hand baseline (${actual.length} vs ${expected.length} layers)\n` +
      `  missing: ${missing.slice(0, 10).join('\n           ') || '-'}\n  extra:   ${extra.slice(0, 10).join('\n           ') || '-'}`,
  );
}

interface Measurement {
  name: string;
  what: string;
  samplesMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function measurement(name: string, what: string, samplesMs: number[]): Measurement {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { name, what, samplesMs: samplesMs.map(round), medianMs: round(medianMs), minMs: round(sorted[0]), maxMs: round(sorted[sorted.length - 1]) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(3)} ms`;
}

function formatTable(rows: readonly Measurement[], baseline: Measurement): string {
  const header = ['approach', 'median', 'min', 'max', 'baseline ÷ this'];
  const body = rows.map((row) => [row.name, formatMs(row.medianMs), formatMs(row.minMs), formatMs(row.maxMs), row === baseline ? '1.0×' : `${(baseline.medianMs / row.medianMs).toFixed(1)}×`]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  let status = 0;
  if (options.only !== 'archive') {
    status = Math.max(status, await treeBench({ runs: options.runs ?? 5 }));
  }
  if (options.only !== 'tree') {
    status = Math.max(status, await archiveBench({ runs: options.runs ?? 3 }));
  }
  return status;
}

/** The cache ID benchmark: (a) the CLI, (b) by hand, and the core in process. */
async function treeBench(options: { runs: number }): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stdout.write(
      `bench: not run: this user (uid ${process.getuid?.()}) is not root.\n` +
        'The by-hand baseline reads <data root>/image/overlay2/layerdb/sha256/<chain>/cache-id, which only root can read\n' +
        '(the data root is mode 0710 root:root), so there is nothing to compare against. Run it as root: sudo npm run bench\n',
    );
    return 0;
  }
  if (!fs.existsSync(CLI_BUNDLE)) {
    throw new Error(`${CLI_BUNDLE} is missing: build the CLI first (npm run build)`);
  }

  const endpoint: EngineEndpoint = await resolveEndpoint({ env: process.env, homeDir: os.homedir(), files: nodeHostFiles });
  const engine = await EngineClient.connect(endpoint, silentLogger);
  let info: EngineInfo;
  let version: EngineVersion;
  try {
    [info, version] = await Promise.all([engine.info(), engine.version()]);
  } catch (error) {
    throw new Error(`no Docker daemon answers at ${endpoint.host} (${endpoint.source}): ${(error as Error).message}`);
  }
  const dataRoot = info.DockerRootDir;
  const driver = info.Driver ?? '';
  if (!dataRoot || driver !== 'overlay2') {
    process.stdout.write(`bench: not run: the daemon at ${endpoint.host} uses the "${driver}" driver (data root ${dataRoot ?? '?'}); the baseline needs overlay2's layerdb.\n`);
    return 0;
  }
  const baselineEnv = { ...process.env, DATA_ROOT: dataRoot, DRIVER: driver };

  process.stdout.write(
    `Docker ${version.Version ?? '?'} (API ${version.ApiVersion ?? '?'}) at ${endpoint.host}, ${driver} at ${dataRoot}; ${options.runs} timed run(s) each after one untimed warm-up.\n\n` +
      `(b) the by-hand baseline, run with bash -c:\n${BASELINE_SCRIPT.replace(/^/gm, '    ')}\n\n`,
  );

  // Warm-up (page cache, JIT) and the correctness check: both must give the same cache IDs.
  const cliWarmup = await timedRun(process.execPath, [CLI, 'ls', '--json']);
  const baselineWarmup = await timedRun('bash', ['-c', BASELINE_SCRIPT], baselineEnv);
  const expected = cacheIdLinesOfBaseline(baselineWarmup.stdout);
  if (expected.length === 0) {
    throw new Error('the baseline found no layers: are there images? (bash test/setup/build-test-images.sh)');
  }
  const cliImages = JSON.parse(cliWarmup.stdout) as ImageJson[];
  assertSameCacheIds('docker-layers ls --json', cacheIdLinesOfJson(cliImages), expected);
  const imageCount = new Set(expected.map((line) => line.split(' ')[0])).size;

  const samples = { cli: [] as number[], baseline: [] as number[], nodeStart: [] as number[], bundleLoad: [] as number[], coreCold: [] as number[], coreWarm: [] as number[], coreCached: [] as number[] };
  const warmCatalog = new ImageCatalog(engine, silentLogger);
  await loadImages(warmCatalog, []);
  for (let run = 0; run < options.runs; run++) {
    // Interleaved, so a slow moment of the machine does not land on one approach only.
    const cli = await timedRun(process.execPath, [CLI, 'ls', '--json']);
    assertSameCacheIds(`docker-layers ls --json (run ${run + 1})`, cacheIdLinesOfJson(JSON.parse(cli.stdout) as ImageJson[]), expected);
    samples.cli.push(cli.ms);

    const baseline = await timedRun('bash', ['-c', BASELINE_SCRIPT], baselineEnv);
    assertSameCacheIds(`the baseline (run ${run + 1})`, cacheIdLinesOfBaseline(baseline.stdout), expected);
    samples.baseline.push(baseline.ms);

    samples.nodeStart.push((await timedRun(process.execPath, ['-e', '0'])).ms);
    samples.bundleLoad.push((await timedRun(process.execPath, ['-e', `require(${JSON.stringify(CLI_BUNDLE)})`])).ms);

    const cold = await timed(async () => loadImages(new ImageCatalog(await EngineClient.connect(endpoint, silentLogger), silentLogger), []));
    assertSameCacheIds(`ImageCatalog cold (run ${run + 1})`, cacheIdLinesOfJson(cold.value.map(toImageJson)), expected);
    samples.coreCold.push(cold.ms);

    warmCatalog.invalidate();
    const warm = await timed(() => loadImages(warmCatalog, []));
    assertSameCacheIds(`ImageCatalog warm (run ${run + 1})`, cacheIdLinesOfJson(warm.value.map(toImageJson)), expected);
    samples.coreWarm.push(warm.ms);

    samples.coreCached.push((await timed(() => loadImages(warmCatalog, []))).ms);
  }

  const cli = measurement('(a) docker-layers ls --json', 'node bin/docker-layers.js ls --json: a new process each time', samples.cli);
  const baseline = measurement('(b) by hand: docker image inspect + cat cache-id', 'bash -c: docker images -q | sort -u; per image docker image inspect; per layer sha256sum + cat cache-id', samples.baseline);
  const rows = [
    cli,
    baseline,
    measurement('node start alone (node -e 0)', 'the process start the CLI pays before any work', samples.nodeStart),
    measurement('node start + load dist/cli.js', 'node -e require(dist/cli.js): start plus parsing the bundle, no Engine request', samples.bundleLoad),
    measurement('core in process, cold', 'EngineClient.connect + new ImageCatalog + loadImages (all images)', samples.coreCold),
    measurement('core in process, warm', 'same connection and catalog after invalidate() (what a refresh costs)', samples.coreWarm),
    measurement('core in process, cached', 'same catalog, nothing invalidated (re-expanding a view)', samples.coreCached),
  ];
  const layerCount = expected.length;
  process.stdout.write(`${imageCount} images, ${layerCount} layers; the same cache IDs from every approach.\n\n${formatTable(rows, baseline)}\n\n`);
  const ratio = baseline.medianMs / cli.medianMs;
  const [, , nodeStart, bundleLoad, coreCold] = rows;
  const startCost = cli.medianMs - coreCold.medianMs;
  process.stdout.write(
    `docker-layers ls --json is ${(ratio >= 1 ? ratio : 1 / ratio).toFixed(1)}× ${ratio >= 1 ? 'faster' : 'slower'} than the by-hand baseline (median ${formatMs(cli.medianMs)} vs ${formatMs(baseline.medianMs)}).\n` +
      `Of the CLI's ${formatMs(cli.medianMs)}, about ${formatMs(startCost)} is process start and bundle load (CLI − core cold): ` +
      `node starts in ${formatMs(nodeStart.medianMs)}, loading dist/cli.js adds ${formatMs(bundleLoad.medianMs - nodeStart.medianMs)}; the work itself (core cold) is ${formatMs(coreCold.medianMs)}.\n`,
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
        daemon: { version: version.Version, apiVersion: version.ApiVersion, endpoint: endpoint.host, driver, dataRoot },
        images: imageCount,
        layers: layerCount,
        sameCacheIds: true,
        baselineScript: BASELINE_SCRIPT,
        results: rows,
        ratioBaselineOverCli: round(ratio),
        cliStartCostMs: round(startCost),
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`Wrote ${path.relative(REPO_ROOT, RESULTS_FILE)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
