/**
 * docker-layers: the command-line twin of the extension, over the same core.
 * Exit codes: 0 ok, 1 the daemon or an image could not be reached, 2 bad usage.
 */
import * as os from 'os';
import { EngineClient } from '../core/engine/engineClient';
import { resolveEndpoint } from '../core/engine/endpoint';
import { EngineNotFoundError, EngineUnreachableError } from '../core/engine/engineErrors';
import { nodeHostFiles } from '../core/engine/hostFiles';
import { ImageCatalog } from '../core/imageCatalog';
import { Logger, silentLogger } from '../core/logger';
import { formatImagesText, loadImages, toImageJson } from './lsCommand';

const USAGE = `Usage: docker-layers ls [IMAGE...] [--json] [--host HOST] [--verbose]

List Docker images, their layers and each layer's folder (overlay2 cache ID and diff path).
IMAGE is name[:tag], a full or short image ID; without one, every image is listed.

Options:
  --json          print JSON: [{ id, tags, layers: [{ index, diffId, chainId, cacheId, diffDir, size, createdBy }] }]
  -H, --host H    Docker host (unix:///var/run/docker.sock, tcp://…, ssh://…); default as the docker CLI:
                  DOCKER_HOST, DOCKER_CONTEXT, the current context, then the usual sockets
  -v, --verbose   log Engine requests to stderr
  -h, --help      show this help`;

interface CliOptions {
  command: string | undefined;
  images: string[];
  json: boolean;
  host: string | undefined;
  verbose: boolean;
  help: boolean;
}

export function parseArguments(argv: readonly string[]): CliOptions {
  const options: CliOptions = { command: undefined, images: [], json: false, host: undefined, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      options.json = true;
    } else if (arg === '-h' || arg === '--help') {
      options.help = true;
    } else if (arg === '-v' || arg === '--verbose') {
      options.verbose = true;
    } else if (arg === '-H' || arg === '--host') {
      options.host = argv[++i];
      if (options.host === undefined) {
        throw new UsageError(`${arg} needs a value`);
      }
    } else if (arg.startsWith('--host=')) {
      options.host = arg.slice('--host='.length);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (options.command === undefined) {
      options.command = arg;
    } else {
      options.images.push(arg);
    }
  }
  return options;
}

class UsageError extends Error {}

const stderrLogger: Logger = {
  trace: (message) => process.stderr.write(`${message}\n`),
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`warning: ${message}\n`),
  error: (message) => process.stderr.write(`error: ${message}\n`),
};

export async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseArguments(argv);
  } catch (error) {
    process.stderr.write(`docker-layers: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help || options.command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return options.help ? 0 : 2;
  }
  if (options.command !== 'ls') {
    process.stderr.write(`docker-layers: unknown command "${options.command}"\n${USAGE}\n`);
    return 2;
  }
  const log = options.verbose ? stderrLogger : silentLogger;
  try {
    const endpoint = await resolveEndpoint({ explicitHost: { host: options.host, source: '--host' }, env: process.env, homeDir: os.homedir(), files: nodeHostFiles });
    const catalog = new ImageCatalog(await EngineClient.connect(endpoint, log), log);
    const images = await loadImages(catalog, options.images);
    process.stdout.write(options.json ? `${JSON.stringify(images.map(toImageJson), null, 2)}\n` : formatImagesText(images));
    return 0;
  } catch (error) {
    // Not-found and unreachable errors already say what and where; anything else is unexpected.
    const known = error instanceof EngineNotFoundError || error instanceof EngineUnreachableError;
    process.stderr.write(`docker-layers: ${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`docker-layers: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
