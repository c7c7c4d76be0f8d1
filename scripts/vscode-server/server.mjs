// Starts and stops code-server (VS Code 1.100.3 from the npm registry, installed by install.sh) for the
// extension tests and `npm start`: code-server runs the same extension host as desktop VS Code, offline.
//
// The server listens on 127.0.0.1 only and runs with `--auth none`: anyone who can reach the port gets a shell,
// so it must never bind to another address.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
export const HOST = '127.0.0.1';

/**
 * Flags for Debian's headless Chromium on a machine without internet: without the background-networking
 * ones it keeps trying (and failing) to reach Google's services. Playwright adds --headless itself.
 */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const scriptDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(scriptDir, '..', '..');
export const installScript = path.join(scriptDir, 'install.sh');
const codeServerDir = path.join(repoRoot, '.cache', 'code-server', 'node_modules', 'code-server');
const codeServerEntry = path.join(codeServerDir, 'out', 'node', 'entry.js');

/** Defaults that keep a test or demo window quiet and offline; callers' `settings` override them. */
export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
};

/** Runs install.sh (instant when code-server is already installed). */
export async function ensureInstalled() {
  if (fs.existsSync(path.join(repoRoot, '.cache', 'code-server', `.installed-${CODE_SERVER_VERSION}`)) &&
      fs.existsSync(codeServerEntry)) {
    return;
  }
  const child = spawn('bash', [installScript], { stdio: 'inherit' });
  const [code] = await once(child, 'exit');
  if (code !== 0) {
    throw new Error(`${installScript} failed with exit code ${code}`);
  }
}

/** Asks the kernel for a free loopback port. Another process could take it before code-server binds it. */
export async function findFreePort() {
  const server = net.createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Fails clearly when `port` is taken: otherwise /healthz of whatever listens there would look like success. */
export async function assertPortFree(port) {
  const server = net.createServer();
  server.listen(port, HOST);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => { throw error; }),
    ]);
  } catch (error) {
    if (error.code === 'EADDRINUSE') {
      throw new Error(`Port ${port} on ${HOST} is already in use; choose another (e.g. PORT=${port + 1}).`);
    }
    throw error;
  }
  server.close();
  await once(server, 'close');
}

/**
 * The folders one server instance keeps its state in. With a persistent `stateDir` (npm start) settings,
 * installed extensions and logs survive restarts; tests use a fresh temporary one.
 */
function stateLayout(stateDir) {
  return {
    stateDir,
    userDataDir: path.join(stateDir, 'user-data'),
    extensionsDir: path.join(stateDir, 'extensions'),
    xdgConfigHome: path.join(stateDir, 'xdg', 'config'),
    xdgDataHome: path.join(stateDir, 'xdg', 'data'),
    xdgCacheHome: path.join(stateDir, 'xdg', 'cache'),
    configFile: path.join(stateDir, 'code-server.yaml'),
    logFile: path.join(stateDir, 'code-server.log'),
  };
}

function prepareState(layout) {
  for (const dir of [layout.userDataDir, layout.extensionsDir, layout.xdgConfigHome, layout.xdgDataHome,
    layout.xdgCacheHome]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  // Without --config, code-server writes ~/.config/code-server/config.yaml with a generated password.
  fs.writeFileSync(layout.configFile, 'auth: none\ncert: false\n');
}

/**
 * The server's environment. It reaches the extension host, so tests pass Docker endpoints (DOCKER_HOST, …)
 * through `env`. VSCODE_* variables inherited from a surrounding VS Code terminal are dropped: with
 * VSCODE_IPC_HOOK_CLI set, code-server would hand its arguments to that other instance instead of starting.
 */
function serverEnvironment(layout, port, env) {
  const result = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VSCODE_') && key !== 'ELECTRON_RUN_AS_NODE') {
      result[key] = value;
    }
  }
  Object.assign(result, {
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
    XDG_CONFIG_HOME: layout.xdgConfigHome,
    XDG_DATA_HOME: layout.xdgDataHome,
    XDG_CACHE_HOME: layout.xdgCacheHome,
    // code-server also reads the port from $PORT; keep it consistent with --bind-addr.
    PORT: port === undefined ? undefined : String(port),
  }, env);
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) {
      delete result[key];
    }
  }
  return result;
}

function commonArgs(layout) {
  return [
    codeServerEntry,
    '--config', layout.configFile,
    '--user-data-dir', layout.userDataDir,
    '--extensions-dir', layout.extensionsDir,
  ];
}

/** Merges `settings` into <user-data>/User/settings.json (kept as plain JSON: we write it, we read it). */
function writeUserSettings(layout, settings) {
  const file = path.join(layout.userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let existing = {};
  try {
    existing = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // Missing, or hand-edited with comments: start from the defaults again.
  }
  fs.writeFileSync(file, `${JSON.stringify({ ...DEFAULT_SETTINGS, ...existing, ...settings }, null, 2)}\n`);
  return file;
}

/** `code-server --install-extension` for each VSIX (or gallery id, which fails offline). */
async function installExtensionsInto(layout, extensions, env) {
  for (const extension of extensions) {
    const child = spawn(process.execPath,
      [...commonArgs(layout), '--force', '--install-extension', extension],
      { env: serverEnvironment(layout, undefined, env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const [code] = await once(child, 'exit');
    if (code !== 0 || /Failed Installing/.test(output)) {
      throw new Error(`Installing ${extension} failed (exit ${code}):\n${output}`);
    }
  }
}

function get(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

async function waitForHealthz(url, child, timeoutMs, recentOutput) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before answering:\n${recentOutput()}`);
    }
    try {
      const { status } = await get(`${url}/healthz`, 1000);
      if (status === 200) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs} ms:\n${recentOutput()}`);
}

/** uid, gid and home of a local user, from the passwd database. */
export function accountOf(user) {
  const entry = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === user);
  if (!entry) {
    throw new Error(`no user ${user} in /etc/passwd`);
  }
  return { uid: Number(entry[2]), gid: Number(entry[3]), home: entry[5] };
}

/** Hands a folder we created to another user, so a server running as that user can write there. */
export function chownTree(dir, uid, gid) {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      chownTree(child, uid, gid);
    } else {
      fs.lchownSync(child, uid, gid);
    }
  }
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Starts code-server on 127.0.0.1.
 *
 * @param {object} [options]
 * @param {number} [options.port] A free port is chosen when omitted.
 * @param {Record<string, string | undefined>} [options.env] Extra environment for the server and so for the
 *   extension host; `undefined` removes a variable.
 * @param {string[]} [options.installExtensions] VSIX files to install before starting.
 * @param {Record<string, unknown>} [options.settings] User settings, merged over DEFAULT_SETTINGS.
 * @param {string} [options.stateDir] Persistent state folder; a temporary one (removed by stop()) otherwise.
 * @param {string} [options.folder] Folder the bare URL opens (code-server's positional argument).
 * @param {string} [options.user] Run the server (and so the extension host) as this user, e.g. an
 *   unprivileged member of the docker group; the caller must be root. Its state folder is handed to it.
 * @param {(text: string) => void} [options.onOutput] Receives the server's stdout and stderr; they always go
 *   to <stateDir>/code-server.log as well.
 * @param {number} [options.startTimeoutMs]
 * @returns {Promise<{ url: string, port: number, dataDir: string, userDataDir: string, extensionsDir: string,
 *   logFile: string, process: import('node:child_process').ChildProcess, stop(): Promise<void> }>}
 */
export async function startServer(options = {}) {
  await ensureInstalled();
  const temporary = options.stateDir === undefined;
  const stateDir = temporary
    ? fs.mkdtempSync(path.join(os.tmpdir(), 'dle-code-server-'))
    : path.resolve(options.stateDir);
  const layout = stateLayout(stateDir);
  const removeState = () => {
    if (temporary) {
      fs.rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  let child;
  const killOnExit = () => {
    if (child) {
      killGroup(child, 'SIGKILL');
    }
    removeState();
  };
  process.on('exit', killOnExit);

  try {
    let port = options.port;
    if (port === undefined) {
      port = await findFreePort();
    } else {
      await assertPortFree(port);
    }
    prepareState(layout);
    writeUserSettings(layout, options.settings ?? {});
    await installExtensionsInto(layout, options.installExtensions ?? [], options.env);

    const url = `http://${HOST}:${port}`;
    const args = [
      ...commonArgs(layout),
      '--bind-addr', `${HOST}:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(options.folder ? [path.resolve(options.folder)] : []),
    ];
    const log = fs.createWriteStream(layout.logFile, { flags: 'a' });
    const env = serverEnvironment(layout, port, options.env);
    let command = process.execPath;
    let commandArgs = args;
    if (options.user) {
      const account = accountOf(options.user);
      chownTree(stateDir, account.uid, account.gid);
      env.HOME = account.home;
      env.USER = env.LOGNAME = options.user;
      // runuser sets the user's supplementary groups (docker), which spawn's uid/gid would drop.
      command = 'runuser';
      commandArgs = ['-u', options.user, '--', process.execPath, ...args];
    }
    // Its own process group (detached), so stop() also ends the extension host and other children.
    child = spawn(command, commandArgs, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let recent = '';
    const onData = (chunk) => {
      const text = chunk.toString();
      log.write(text);
      recent = (recent + text).slice(-4000);
      options.onOutput?.(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const exited = once(child, 'exit');

    await waitForHealthz(url, child, options.startTimeoutMs ?? 60_000, () => recent);

    let stopped;
    const stop = () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          killGroup(child, 'SIGTERM');
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        // Children (extension host, pty host) may outlive the server's own exit for a moment.
        killGroup(child, 'SIGKILL');
        log.end();
        process.off('exit', killOnExit);
        removeState();
      })();
      return stopped;
    };
    return {
      url,
      port,
      dataDir: stateDir,
      userDataDir: layout.userDataDir,
      extensionsDir: layout.extensionsDir,
      logFile: layout.logFile,
      process: child,
      stop,
    };
  } catch (error) {
    killOnExit();
    process.off('exit', killOnExit);
    throw error;
  }
}

/** A `vscode-remote://` URI for a path on the server, as the workbench's URL payload expects. */
export function remoteUri(port, absolutePath) {
  return `vscode-remote://${HOST}:${port}${path.resolve(absolutePath).split(path.sep).map(encodeURIComponent).join('/')}`;
}
