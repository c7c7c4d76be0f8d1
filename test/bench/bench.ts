/**
 * `npm run bench`: how this tool compares with the floor under it and with what users run by hand.
 *   tree (treeBench.ts): every image's layers with chain IDs and folders, on 1,000 images and a
 *     100-layer image, against the raw Engine API requests it needs and `docker image inspect`;
 *   archive (archiveBench.ts): `docker-layers diff` and `analyze` on a ~1 GB image of 100,000 files,
 *     against `docker save | tar -t` and `find`;
 *   listing (layerListingBench.ts): that image's 100,000-file layer through the layer file system,
 *     from its folder and from the archive, against `find <diff>`.
 * The corpora are built offline on the local dockerd, named bench/*, and kept for the next run.
 *
 *   node out/test/bench/bench.js [--runs N] [--only tree|archive|listing] [--smoke] [--clean]
 *     --runs N   timed runs of each figure (default 5 for the tree and listing parts, 3 for the archive part)
 *     --only     run one part
 *     --smoke    a quick tree run on 20 images, held to no target and written nowhere but
 *                test-results/ (npm test runs it, so the benchmark cannot rot); removes what it built
 *     --clean    remove every bench/* image and stop
 */
import { archiveBench } from './archiveBench';
import { removeBenchImages } from './corpora';
import { layerListingBench } from './layerListingBench';
import { treeBench } from './treeBench';

type Part = 'tree' | 'archive' | 'listing';

interface Options {
  runs: number | undefined;
  only: Part | undefined;
  smoke: boolean;
  clean: boolean;
}

const USAGE = 'Usage: node out/test/bench/bench.js [--runs N] [--only tree|archive|listing] [--smoke] [--clean]   (runs default: 5 tree, 3 archive, 5 listing; root only)';

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { runs: undefined, only: undefined, smoke: false, clean: false };
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
      if (only !== 'tree' && only !== 'archive' && only !== 'listing') {
        throw new Error(`--only takes tree, archive or listing, not "${only}"`);
      }
      options.only = only;
    } else if (arg === '--smoke') {
      options.smoke = true;
    } else if (arg === '--clean') {
      options.clean = true;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg} (${USAGE.slice('Usage: '.length)})`);
    }
  }
  return options;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.clean) {
    await removeBenchImages((line) => process.stdout.write(`${line}\n`));
    return 0;
  }
  if (options.smoke) {
    return treeBench({ runs: options.runs ?? 1, smoke: true });
  }
  let status = 0;
  if (!options.only || options.only === 'tree') {
    status = Math.max(status, await treeBench({ runs: options.runs ?? 5, smoke: false }));
  }
  if (!options.only || options.only === 'archive') {
    status = Math.max(status, await archiveBench({ runs: options.runs ?? 3 }));
  }
  if (!options.only || options.only === 'listing') {
    status = Math.max(status, await layerListingBench({ runs: options.runs ?? 5 }));
  }
  return status;
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
