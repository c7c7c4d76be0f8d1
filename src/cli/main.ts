/**
 * docker-layers: the command-line twin of the extension, over the same core.
 * Exit codes: 0 ok, 1 the daemon or an image could not be reached, 2 bad usage (analyze, compare: 1 a
 * rule failed or a regression, 2 it could not run).
 */
import { promises as fs, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ParseArgsConfig, parseArgs } from 'util';
import { ArchiveCache } from '../core/archive/archiveCache';
import { EngineClient, REQUEST_TIMEOUT_MS } from '../core/engine/engineClient';
import { stripControlCharacters } from '../core/format';
import { nodeHostFiles } from '../core/engine/hostFiles';
import { resolveEndpoint } from '../core/engine/resolveEndpoint';
import { ImageCatalog } from '../core/imageCatalog';
import { Logger, silentLogger } from '../core/logger';
import { Platform, parsePlatform } from '../core/model/platform';
import { PromiseCache } from '../core/promiseCache';
import { startThreadPoolWatchdog } from '../core/threadPoolWatchdog';
import { analyzeCommand } from './commands/analyze';
import { compareCommand } from './commands/compare';
import { diffCommand } from './commands/diff';
import { lsCommand } from './commands/ls';
import { knownErrorMessage } from './knownErrors';
import { delayTierUp } from './tierUpBudget';
import { OptionSpec, Subcommand, UsageError } from './subcommand';

/** Every subcommand, in the order the usage text lists them. */
const SUBCOMMANDS: readonly Subcommand[] = [lsCommand, diffCommand, analyzeCommand, compareCommand];

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  host: {
    type: 'string',
    short: 'H',
    valueName: 'H',
    description:
      'Docker host (unix:///var/run/docker.sock, tcp://…, ssh://…); default as the docker CLI:\n' +
      'DOCKER_HOST, DOCKER_CONTEXT, the current context, then the usual sockets',
  },
  context: { type: 'string', short: 'c', valueName: 'NAME', description: 'Docker context to use (docker context ls), as the docker CLI\'s --context' },
  timeout: { type: 'string', valueName: 'SECONDS', description: `how long each Engine request may take, whole (default ${REQUEST_TIMEOUT_MS / 1000})` },
  'no-cache': { type: 'boolean', description: 'keep no image archives after the run (default: $XDG_CACHE_HOME/docker-layer-explorer)' },
  verbose: { type: 'boolean', short: 'v', description: 'log Engine requests to stderr' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export interface ParsedArguments {
  command: Subcommand | undefined;
  operands: string[];
  options: Record<string, string | boolean | undefined>;
  host: string | undefined;
  /** --timeout: each Engine request's deadline. */
  timeoutSeconds: number | undefined;
  /** --platform, checked: os/arch[/variant]. */
  platform: Platform | undefined;
  verbose: boolean;
  help: boolean;
}

/** Global options may stand before or after the subcommand's name; the subcommand's own anywhere after it. */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  const allOptions = Object.assign({}, GLOBAL_OPTIONS, ...SUBCOMMANDS.map((command) => command.options)) as Record<string, OptionSpec>;
  // A lenient pass to find the subcommand's name: the first positional once option values are set aside.
  const { tokens } = parseArgs({ args: [...argv], options: parseArgsOptions(allOptions), strict: false, allowPositionals: true, tokens: true });
  const name = tokens.find((token) => token.kind === 'positional')?.value;
  const command = SUBCOMMANDS.find((candidate) => candidate.name === name);
  if (name !== undefined && !command) {
    throw new UsageError(`unknown command "${name}"`);
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: parseArgsOptions({ ...GLOBAL_OPTIONS, ...command?.options }), strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(usageProblem(error as Error & { code?: string }, argv));
  }
  const { values, positionals } = parsed;
  if (typeof values.host === 'string' && typeof values.context === 'string') {
    throw new UsageError('--host and --context cannot both be given (as with the docker CLI)');
  }
  const timeoutSeconds = typeof values.timeout === 'string' ? Number(values.timeout) : undefined;
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 86_400)) {
    throw new UsageError('--timeout takes a number of seconds, more than 0');
  }
  const platform = typeof values.platform === 'string' ? parsePlatform(values.platform) : undefined;
  if (typeof values.platform === 'string' && !platform) {
    throw new UsageError(`--platform takes os/arch[/variant] (linux/amd64, linux/arm64/v8), given "${stripControlCharacters(values.platform)}"`);
  }
  return {
    command,
    operands: positionals.slice(1),
    options: values,
    host: typeof values.host === 'string' ? values.host : undefined,
    timeoutSeconds,
    platform,
    verbose: values.verbose === true,
    help: values.help === true,
  };
}

function parseArgsOptions(options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]));
}

/** parseArgs' messages, in this CLI's words: `unknown option --x`, `-H needs a value`. */
function usageProblem(error: Error & { code?: string }, argv: readonly string[]): string {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(error.message)?.[1] ?? '';
    return `unknown option ${option}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // A value is missing only when its option came last.
    return `${argv[argv.length - 1]} needs a value`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return 'unexpected argument';
  }
  return error.message;
}

export function usage(command?: Subcommand): string {
  const commands = command ? [command] : SUBCOMMANDS;
  const lines: string[] = [];
  for (const each of commands) {
    const flags = Object.entries(each.options).map(([name, spec]) => `[--${name}${spec.valueName ? ` ${spec.valueName}` : ''}]`);
    lines.push(`Usage: docker-layers ${each.name} ${each.operands} ${flags.join(' ')} [--host HOST] [--verbose]`.replace(/ +/g, ' '), '', each.summary, '');
  }
  lines.push('Options:');
  const specs = { ...Object.assign({}, ...commands.map((each) => each.options)), ...GLOBAL_OPTIONS } as Record<string, OptionSpec>;
  if (commands.length > 1 && specs.json) {
    // Each command prints its own JSON shape; its help (docker-layers CMD --help) describes it.
    specs.json = { ...specs.json, description: 'print JSON (each command\'s shape: docker-layers COMMAND --help)' };
  }
  const flags = Object.entries(specs).map(([name, spec]) => ({ flag: `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.valueName ? ` ${spec.valueName}` : ''}`, spec }));
  const width = Math.max(...flags.map(({ flag }) => flag.length));
  for (const { flag, spec } of flags) {
    const [first, ...rest] = spec.description.split('\n');
    lines.push(`  ${flag.padEnd(width)}  ${first}`, ...rest.map((line) => `  ${''.padEnd(width)}  ${line}`));
  }
  return lines.join('\n');
}

/** The CLI keeps at most this much of image archives and decompressed layers. */
const CACHE_MAX_BYTES = 8 * 1024 ** 3;

/** $XDG_CACHE_HOME/docker-layer-explorer (~/.cache/…), or with --no-cache a folder removed at exit. */
async function cacheDir(noCache: boolean): Promise<string> {
  if (noCache) {
    const temporary = await fs.mkdtemp(path.join(os.tmpdir(), 'docker-layers-'));
    process.on('exit', () => rmSync(temporary, { recursive: true, force: true }));
    return temporary;
  }
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'docker-layer-explorer');
}

const stderrLogger: Logger = {
  trace: (message) => process.stderr.write(`${message}\n`),
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`warning: ${message}\n`),
  error: (message) => process.stderr.write(`error: ${message}\n`),
};

export async function main(argv: readonly string[]): Promise<number> {
  let parsed: ParsedArguments;
  try {
    parsed = parseArguments(argv);
  } catch (error) {
    process.stderr.write(`docker-layers: ${(error as Error).message}\n${usage()}\n`);
    return 2;
  }
  const { command } = parsed;
  if (parsed.help || !command) {
    process.stdout.write(`${usage(command)}\n`);
    return parsed.help ? 0 : 2;
  }
  const log = parsed.verbose ? stderrLogger : silentLogger;
  const deadlineMs = parsed.timeoutSeconds === undefined ? undefined : parsed.timeoutSeconds * 1000;
  const catalog = new PromiseCache<ImageCatalog>();
  const archives = new PromiseCache<ArchiveCache>();
  const archiveCache = () => archives.get(async () => new ArchiveCache({ dir: await cacheDir(parsed.options['no-cache'] === true), maxBytes: CACHE_MAX_BYTES, log }));
  try {
    return await command.run({
      operands: parsed.operands,
      options: parsed.options,
      ...(parsed.platform ? { platform: parsed.platform } : {}),
      catalog: () =>
        catalog.get(async () => {
          const context = typeof parsed.options.context === 'string' ? parsed.options.context : undefined;
          const endpoint = await resolveEndpoint({ explicitHost: { host: parsed.host, source: '--host' }, explicitContext: { name: context, source: '--context' }, env: process.env, homeDir: os.homedir(), files: nodeHostFiles });
          return new ImageCatalog(await EngineClient.connect(endpoint, log, { deadlineMs }), log, { archives: await archiveCache(), ...(parsed.platform ? { platform: parsed.platform } : {}) });
        }),
      archives: archiveCache,
      stdout: (text) => process.stdout.write(text),
      warn: (message) => process.stderr.write(`docker-layers: warning: ${stripControlCharacters(message)}\n`),
      columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`docker-layers: ${error.message}\n${usage(command)}\n`);
      return 2;
    }
    // Errors the core knows already say what and where, in one line; anything else is a bug: show its stack.
    // What an Engine or an archive says reaches the terminal without its control characters.
    const known = knownErrorMessage(error);
    const text = known !== undefined ? stripControlCharacters(known) : ((error as Error).stack ?? String(error)).split('\n').map(stripControlCharacters).join('\n');
    process.stderr.write(`docker-layers: ${text}\n`);
    return command.errorExitCode ?? 1;
  }
}

/**
 * The CLI as a process of its own (bin/docker-layers.js), with the settings for that process: the
 * later tier-up (the bundle has loaded by now), and the guard against a stalled thread pool, kept
 * for the process's life (after main(), work such as the archive cache's eviction may still run;
 * its timer does not keep the process alive).
 */
export function runAsProcess(argv: readonly string[]): Promise<number> {
  delayTierUp();
  startThreadPoolWatchdog({ nudge: 'always' });
  return main(argv);
}

if (require.main === module) {
  runAsProcess(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`docker-layers: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
