/**
 * Running programs for the benchmarks: timed from spawn to exit, as another user (runuser), with
 * the peak RSS GNU time reports. Shared by the tree and archive parts.
 */
import { spawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** out/test/bench → the repository. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(REPO_ROOT, 'bin', 'docker-layers.js');
export const CLI_BUNDLE = path.join(REPO_ROOT, 'dist', 'cli.js');
export const TEST_USER = process.env.DLE_TEST_USER || 'dletest';
export const GNU_TIME = '/usr/bin/time';
export const RSS_MARKER = 'DLE_BENCH_MAXRSS_KB=';

export interface Spawned {
  ms: number;
  stdout: string;
  stderr: string;
  /** Peak resident set of the measured program (GNU time's %M), when it was wrapped. */
  maxRssKb?: number;
}

/**
 * Runs a program and times it from spawn to exit; stdout goes to /dev/null unless captured. Rejects on a
 * non-zero exit with the end of stderr.
 */
export function timedSpawn(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; captureStdout?: boolean } = {}): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = { cwd: REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'] };
    const started = process.hrtime.bigint();
    const child = spawn(file, [...args], spawnOptions);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${file} could not run: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const errorText = Buffer.concat(stderr).toString('utf8');
      if (code !== 0) {
        reject(new Error(`${[file, ...args].join(' ')} failed (${signal ?? `exit ${code}`}):\n${errorText.slice(-2000)}`));
        return;
      }
      const rss = errorText.lastIndexOf(RSS_MARKER);
      resolve({
        ms,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: errorText,
        maxRssKb: rss === -1 ? undefined : Number.parseInt(errorText.slice(rss + RSS_MARKER.length), 10),
      });
    });
  });
}

export async function output(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return (await timedSpawn(file, args, { captureStdout: true, env })).stdout.trim();
}

export async function succeeds(file: string, args: readonly string[]): Promise<boolean> {
  return timedSpawn(file, args).then(
    () => true,
    () => false,
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The CLI where the test user can run it: the checkout itself, or a copy of bin/, dist/ and package.json in a folder it can read. */
export async function cliForUser(): Promise<{ cli: string; copy?: string }> {
  if (await succeeds('runuser', ['-u', TEST_USER, '--', 'test', '-r', CLI, '-a', '-r', CLI_BUNDLE, '-a', '-x', process.execPath])) {
    return { cli: CLI };
  }
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-bench-cli-'));
  fs.chmodSync(copy, 0o755);
  for (const part of ['bin', 'dist', 'package.json']) {
    fs.cpSync(path.join(REPO_ROOT, part), path.join(copy, part), { recursive: true });
  }
  await timedSpawn('chmod', ['-R', 'a+rX', copy]);
  const cli = path.join(copy, 'bin', 'docker-layers.js');
  if (!(await succeeds('runuser', ['-u', TEST_USER, '--', 'test', '-r', cli, '-a', '-x', process.execPath]))) {
    throw new Error(`${TEST_USER} can read neither ${CLI} nor a copy in ${copy}, or cannot run ${process.execPath}`);
  }
  return { cli, copy };
}


export const DOCS_FILE = path.join(REPO_ROOT, 'docs', 'benchmarks.md');

/**
 * Puts a part's figures into docs/benchmarks.md between its two markers (`<!-- NAME-bench:start … -->`
 * and `<!-- NAME-bench:end -->`), or at the end the first time; the rest of the page is left as it is.
 */
export function writeDocsSection(name: string, only: string, lines: readonly string[]): void {
  const startMarker = `<!-- ${name}-bench:start (written by npm run bench -- --only ${only}) -->`;
  const endMarker = `<!-- ${name}-bench:end -->`;
  const section = [startMarker, '', ...lines, '', endMarker].join('\n');
  const text = fs.readFileSync(DOCS_FILE, 'utf8');
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  fs.writeFileSync(DOCS_FILE, start >= 0 && end > start ? `${text.slice(0, start)}${section}${text.slice(end + endMarker.length)}` : `${text.trimEnd()}\n\n${section}\n`);
}
