/**
 * Shared set-up of the integration tests: the real dockerd (test/setup/start-dockerd.sh), its test
 * images (test/setup/build-test-images.sh) and the CLI bundle. A missing daemon fails the suite
 * loudly, unless DOCKER_LAYERS_SKIP_INTEGRATION=1 asks to skip it.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { EngineClient } from '../../../src/core/engine/engineClient';
import { EngineEndpoint } from '../../../src/core/engine/engineEndpoint';
import { resolveEndpoint } from '../../../src/core/engine/resolveEndpoint';
import { EngineInfo, ImageListEntry } from '../../../src/core/engine/engineTypes';
import { nodeHostFiles } from '../../../src/core/engine/hostFiles';
import { ImageCatalog } from '../../../src/core/imageCatalog';
import { silentLogger } from '../../../src/core/logger';
import { skipBecause } from '../../helpers/skip';

/** out/test/integration/helpers → the repository. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const CLI = path.join(REPO_ROOT, 'bin', 'docker-layers.js');
export const CLI_BUNDLE = path.join(REPO_ROOT, 'dist', 'cli.js');
export const TEST_USER = process.env.DLE_TEST_USER || 'dletest';

export interface Daemon {
  endpoint: EngineEndpoint;
  engine: EngineClient;
  info: EngineInfo;
  /** A fresh catalog (nothing cached) over the same connection. */
  catalog(): ImageCatalog;
  images: TestImages;
}

/** The test images by role (label dockerLayers.role), as `GET /images/json` lists them. */
export interface TestImages {
  base: ImageListEntry;
  app: ImageListEntry;
  shared: ImageListEntry;
  /** dle-dangling:latest, the image that took the tag. */
  danglingSuccessor: ImageListEntry;
  /** The untagged image. */
  dangling: ImageListEntry;
}

let connecting: Promise<Daemon> | undefined;

function loud(lines: string[]): string {
  const bar = '!'.repeat(100);
  return ['', bar, ...lines.map((line) => `!!  ${line}`), bar, ''].join('\n');
}

/**
 * Call from a root-level before(): connects once per run. Fails (throws) when the daemon or the test
 * images are missing, or skips the suite with a loud message when DOCKER_LAYERS_SKIP_INTEGRATION=1.
 */
export async function requireDaemon(context: Mocha.Context): Promise<Daemon> {
  connecting ??= connect();
  try {
    return await connecting;
  } catch (error) {
    const message = (error as Error).message;
    if (process.env.DOCKER_LAYERS_SKIP_INTEGRATION === '1') {
      console.log(loud([`SKIPPED integration tests "${context.test?.parent?.fullTitle() ?? ''}" (DOCKER_LAYERS_SKIP_INTEGRATION=1):`, message]));
      context.skip();
    }
    throw new Error(
      `${message}\nStart the daemon and build the images with: bash test/setup/start-dockerd.sh && bash test/setup/build-test-images.sh\n` +
        'or set DOCKER_LAYERS_SKIP_INTEGRATION=1 to skip the integration tests.',
    );
  }
}

async function connect(): Promise<Daemon> {
  const endpoint = await resolveEndpoint({ env: process.env, homeDir: os.homedir(), files: nodeHostFiles });
  const engine = await EngineClient.connect(endpoint, silentLogger);
  let info: EngineInfo;
  try {
    info = await engine.info();
  } catch (error) {
    throw new Error(`No Docker daemon answers at ${endpoint.host} (${endpoint.source}): ${(error as Error).message}`);
  }
  const listed = await engine.listImages();
  const byRole = (role: string) => listed.filter((image) => image.Labels?.['dockerLayers.role'] === role);
  const one = (role: string, tag: string | undefined): ImageListEntry => {
    const found = byRole(role).filter((image) => (tag ? (image.RepoTags ?? []).includes(tag) : untagged(image)));
    if (found.length !== 1) {
      throw new Error(`expected one test image with label dockerLayers.role=${role}${tag ? ` tagged ${tag}` : ', untagged'}, found ${found.length} on ${endpoint.host}`);
    }
    return found[0];
  };
  const images: TestImages = {
    base: one('base', 'dle-base:latest'),
    app: one('app', 'dle-app:1.0'),
    shared: one('shared', 'dle-shared:latest'),
    danglingSuccessor: one('dangling-successor', 'dle-dangling:latest'),
    dangling: one('dangling', undefined),
  };
  return { endpoint, engine, info, images, catalog: () => new ImageCatalog(engine, silentLogger) };
}

export function untagged(image: ImageListEntry): boolean {
  return (image.RepoTags ?? []).every((tag) => tag === '<none>:<none>');
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (no shell); never rejects for a non-zero exit. */
export function run(file: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: 50_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${file} ${args.join(' ')} could not run: ${error.message}\n${stderr}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** `node bin/docker-layers.js …` as this user. */
export function runCli(args: readonly string[]): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args]);
}

/** `docker-layers …` as the unprivileged test user (runuser sets HOME to the user's). */
export function runCliAsTestUser(args: readonly string[]): Promise<RunResult> {
  return run('runuser', ['-u', TEST_USER, '--', process.execPath, CLI, ...args]);
}

/**
 * Builds dist/cli.js (npm run build) when it is missing or older than the sources it bundles, so the
 * CLI under test is the code under test.
 */
export async function ensureCliBuilt(): Promise<void> {
  const reason = cliBundleOutdated();
  if (!reason) {
    return;
  }
  console.log(`      building the CLI (npm run build): ${reason}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await run(npm, ['run', 'build']);
  if (result.code !== 0 || !fs.existsSync(CLI_BUNDLE)) {
    throw new Error(`npm run build failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

function cliBundleOutdated(): string | undefined {
  if (!fs.existsSync(CLI_BUNDLE)) {
    return 'dist/cli.js is missing';
  }
  const built = fs.statSync(CLI_BUNDLE).mtimeMs;
  for (const folder of ['src/core', 'src/cli'].map((name) => path.join(REPO_ROOT, name))) {
    for (const name of fs.readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
      if (name.endsWith('.ts') && fs.statSync(path.join(folder, name)).mtimeMs > built) {
        return `${path.relative(REPO_ROOT, path.join(folder, name))} is newer than dist/cli.js`;
      }
    }
  }
  return undefined;
}

/** Dockerfile instructions in order, continuation lines joined, comments dropped: [keyword, rest]. */
export function dockerfileInstructions(file: string): [string, string][] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const instructions: [string, string][] = [];
  let current = '';
  for (const line of lines) {
    if (!current && (/^\s*#/.test(line) || !line.trim())) {
      continue;
    }
    if (line.endsWith('\\')) {
      current += line.slice(0, -1);
      continue;
    }
    current += line;
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(current);
    if (match) {
      instructions.push([match[1].toUpperCase(), match[2].replace(/\s+/g, ' ').trim()]);
    }
    current = '';
  }
  return instructions;
}

/**
 * A backend that can run here but is not running: under DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) that is
 * a failure; elsewhere the suite is skipped, by name, with the reason in a banner.
 */
function skipLoudlyOrFail(context: Mocha.Context, reason: string): never {
  const suite = context.test?.parent?.fullTitle() ?? '';
  if (process.env.DOCKER_LAYERS_REQUIRE_DOCKER === '1') {
    throw new Error(`${suite}: ${reason}; DOCKER_LAYERS_REQUIRE_DOCKER=1 makes that a failure`);
  }
  console.log(loud([`SKIPPED "${suite}":`, reason]));
  return skipBecause(context, reason);
}

/**
 * The socket of the second daemon, Docker 26 with the containerd image store, that
 * test/setup/start-containerd-daemon.sh starts (DLE_CONTAINERD_DOCKER_HOST). Without it the suite
 * skips loudly, and with DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) it fails.
 */
export function requireContainerdDaemon(context: Mocha.Context): string {
  const host = process.env.DLE_CONTAINERD_DOCKER_HOST;
  if (!host) {
    skipLoudlyOrFail(context, 'DLE_CONTAINERD_DOCKER_HOST is not set: start the second daemon with bash test/setup/start-containerd-daemon.sh (npm test does, as root)');
  }
  return host;
}

/** The rootless daemon test/setup/start-rootless-dockerd.sh starts, and who it belongs to. */
export interface RootlessDaemon {
  /** unix://$XDG_RUNTIME_DIR/docker.sock */
  host: string;
  /** The daemon's XDG_RUNTIME_DIR, the socket's folder. */
  runtimeDir: string;
  /** The unprivileged user the daemon runs as (TEST_USER). */
  user: string;
}

/**
 * The real rootless dockerd of the test user that test/setup/start-rootless-dockerd.sh starts
 * (DLE_ROOTLESS_DOCKER_HOST). Without it the suite skips loudly, by name and with the reason, and
 * with DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) it fails. Running the CLI as that user needs root.
 */
export function requireRootlessDaemon(context: Mocha.Context): RootlessDaemon {
  const host = process.env.DLE_ROOTLESS_DOCKER_HOST;
  let reason: string | undefined;
  if (!host) {
    reason = 'DLE_ROOTLESS_DOCKER_HOST is not set: start the rootless daemon with eval "$(bash test/setup/start-rootless-dockerd.sh | tail -n 1)" (as root)';
  } else if (!/^unix:\/\/\/.+\/docker\.sock$/.test(host)) {
    reason = `DLE_ROOTLESS_DOCKER_HOST=${host} is not a unix:// socket named docker.sock in an XDG_RUNTIME_DIR`;
  } else if (process.getuid?.() !== 0) {
    reason = `not root (uid ${process.getuid?.()}): cannot run the CLI as the test user ${TEST_USER} with runuser`;
  }
  if (reason) {
    skipLoudlyOrFail(context, reason);
  }
  const socket = host!.slice('unix://'.length);
  return { host: host!, runtimeDir: path.dirname(socket), user: TEST_USER };
}

/**
 * The socket of Podman's Docker-compatible service that test/setup/start-podman-service.sh starts:
 * rootful (DLE_PODMAN_HOST), or rootless as the test user (DLE_PODMAN_ROOTLESS_HOST). Without the
 * rootful one the suite skips loudly, and with DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) it fails. Rootless
 * Podman is tried, never required (it needs subordinate IDs and newuidmap): without it the suite
 * skips, with the reason the script wrote to <DLE_PODMAN_DIR>/rootless/unavailable.
 */
export function requirePodmanService(context: Mocha.Context, mode: 'rootful' | 'rootless' = 'rootful'): string {
  const variable = mode === 'rootful' ? 'DLE_PODMAN_HOST' : 'DLE_PODMAN_ROOTLESS_HOST';
  const host = process.env[variable];
  if (host) {
    return host;
  }
  const start = 'bash test/setup/start-podman-service.sh (as root, after test/setup/ensure-test-user.sh)';
  if (mode === 'rootless') {
    const unavailable = path.join(process.env.DLE_PODMAN_DIR || '/tmp/dle-podman', 'rootless', 'unavailable');
    const reason = fs.existsSync(unavailable) ? fs.readFileSync(unavailable, 'utf8').trim() : `it was not started: ${start}`;
    skipBecause(context, `${variable} is not set, rootless Podman does not run here: ${reason}`);
  }
  skipLoudlyOrFail(context, `${variable} is not set: start Podman's service with ${start}`);
}

/** A TCP (or TLS) listener on 127.0.0.1 that pipes each connection to a unix socket. */
export interface SocketForwarder {
  port: number;
  /** Connections accepted so far (a TLS one once its handshake succeeded). */
  accepted(): number;
  /** Stops listening and ends every connection still open. */
  close(): Promise<void>;
}

/**
 * Makes a local daemon's socket reachable as tcp://127.0.0.1:<random port>, the way a remote
 * engine is: plain, or TLS-terminating with `tlsOptions` (key, cert, and ca + requestCert for client
 * certificates). At most `maxConnections` at once; close() in an after() hook.
 */
export async function forwardToUnixSocket(socketPath: string, tlsOptions?: tls.TlsOptions, maxConnections = 32): Promise<SocketForwarder> {
  const open = new Set<net.Socket>();
  let accepted = 0;
  const pipe = (client: net.Socket) => {
    accepted++;
    const daemon = net.connect(socketPath);
    open.add(client).add(daemon);
    for (const [from, to] of [[client, daemon], [daemon, client]]) {
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        open.delete(from);
        to.destroy();
      });
    }
  };
  const server = tlsOptions ? tls.createServer(tlsOptions, pipe) : net.createServer(pipe);
  // A client the TLS server refuses (no or a wrong client certificate) is the test's business, not an error here.
  server.on('tlsClientError', () => undefined);
  server.maxConnections = maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) {
          socket.destroy();
        }
      }),
  };
}

/** The sshd of the tests that test/setup/start-test-sshd.sh starts, and how to log in to it. */
export interface TestSshd {
  /** ssh://<user>@127.0.0.1:<port> */
  host: string;
  port: number;
  user: string;
  /** Its folder (DLE_SSHD_DIR): client/id_ed25519 is the user's key, known_hosts its host key. */
  dir: string;
}

/**
 * The test sshd on 127.0.0.1 (DLE_TEST_SSH_PORT, exported by npm test when
 * test/setup/start-test-sshd.sh succeeded), through which the test user reaches this machine's
 * dockerd as an ssh:// engine. Without it the suite skips loudly, by name and with the reason, and
 * with DOCKER_LAYERS_REQUIRE_DOCKER=1 (CI) it fails. Running the CLI as that user needs root.
 */
export function requireTestSshd(context: Mocha.Context): TestSshd {
  const port = process.env.DLE_TEST_SSH_PORT;
  const dir = process.env.DLE_SSHD_DIR || '/tmp/dle-sshd';
  let reason: string | undefined;
  if (!port) {
    reason = 'DLE_TEST_SSH_PORT is not set: start the test sshd with eval "$(bash test/setup/start-test-sshd.sh | tail -n 1)" (as root)';
  } else if (!/^[0-9]+$/.test(port)) {
    reason = `DLE_TEST_SSH_PORT=${port} is not a port number`;
  } else if (!fs.existsSync(path.join(dir, 'client', 'id_ed25519'))) {
    reason = `${path.join(dir, 'client', 'id_ed25519')} does not exist: DLE_SSHD_DIR is not the folder test/setup/start-test-sshd.sh used`;
  } else if (process.getuid?.() !== 0) {
    reason = `not root (uid ${process.getuid?.()}): cannot run the CLI as the test user ${TEST_USER} with runuser`;
  }
  if (reason) {
    skipLoudlyOrFail(context, reason);
  }
  return { host: `ssh://${TEST_USER}@127.0.0.1:${port}`, port: Number(port), user: TEST_USER, dir };
}
