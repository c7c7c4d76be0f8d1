#!/usr/bin/env node
// Runs the extension-host mocha suite in a real VS Code (code-server 1.100.3) driven by headless Chromium, the
// way VS Code's own browser integration tests do: the workbench URL carries extensionDevelopmentPath and
// extensionTestsPath, and reports back through the page functions codeAutomationLog / codeAutomationExit.
//
// Usage: node test/extension/run-in-server.mjs [--suite out/test/extension/index.js] [--timeout 600]
//          [--extension <dir>] [--folder <dir>] [--single-folder] [--grep <pattern>] [--env NAME=VALUE]... [--user NAME] [--verbose]
// --user runs the server, and so the extension host, as that (unprivileged) user; the caller must be root.
// Exit code: the suite's (0 when every test passed), 1 on timeout or harness failure.
// The server's environment (this process's, plus --env) reaches the extension host; DOCKER_HOST etc. pass
// through unchanged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { accountOf, chownTree, CHROMIUM_ARGS, remoteUri, repoRoot, startServer } from '../../scripts/vscode-server/server.mjs';

// First line test/extension/index.ts prints from inside the extension host.
const SUITE_BANNER = /^VS Code \d+\.\d+/;

function usage(message) {
  if (message) {
    console.error(message);
  }
  console.error('Usage: node test/extension/run-in-server.mjs [--suite out/test/extension/index.js] [--timeout 600]\n' +
    '         [--extension <dir>] [--folder <dir>] [--single-folder] [--grep <pattern>] [--env NAME=VALUE]... [--user NAME] [--verbose]');
  process.exit(2);
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        suite: { type: 'string', default: path.join(repoRoot, 'out', 'test', 'extension', 'index.js') },
        timeout: { type: 'string', default: '600' },
        extension: { type: 'string', default: repoRoot },
        folder: { type: 'string' },
        'single-folder': { type: 'boolean', default: false },
        grep: { type: 'string' },
        user: { type: 'string' },
        env: { type: 'string', multiple: true, default: [] },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    usage(error.message);
  }
  if (parsed.help) {
    usage();
  }
  const timeoutSeconds = Number(parsed.timeout);
  if (!(timeoutSeconds > 0)) {
    usage(`--timeout must be a positive number of seconds, not ${parsed.timeout}`);
  }
  const env = {};
  for (const assignment of parsed.env) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(assignment);
    if (!match) {
      usage(`--env expects NAME=VALUE, not ${assignment}`);
    }
    env[match[1]] = match[2];
  }
  if (parsed.grep !== undefined) {
    env.MOCHA_GREP = parsed.grep;
  }
  return {
    suite: path.resolve(parsed.suite),
    extension: path.resolve(parsed.extension),
    folder: parsed.folder === undefined ? undefined : path.resolve(parsed.folder),
    singleFolder: parsed['single-folder'],
    timeoutMs: timeoutSeconds * 1000,
    env,
    user: parsed.user,
    verbose: parsed.verbose,
  };
}

function vscodeVersion() {
  const file = path.join(repoRoot, '.cache', 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'package.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function writeLogs(logs, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const { relativePath, contents } of logs ?? []) {
    const file = path.join(dir, relativePath);
    if (!file.startsWith(dir + path.sep)) {
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contents);
  }
}

async function main() {
  const options = parseCommandLine();
  if (!fs.existsSync(options.suite)) {
    throw new Error(`No test suite at ${options.suite}; compile it first (npm run compile-tests).`);
  }
  if (!fs.existsSync(path.join(options.extension, 'package.json'))) {
    throw new Error(`No extension at ${options.extension} (package.json missing).`);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(options.extension, 'package.json'), 'utf8'));
  if (manifest.main && !fs.existsSync(path.resolve(options.extension, manifest.main))) {
    throw new Error(`The extension's main ${manifest.main} does not exist; build it first (npm run build).`);
  }
  const resultsDir = path.join(repoRoot, 'test-results');
  // Artifacts of an earlier failed run would be mistaken for this run's.
  for (const stale of ['extension-logs', 'extension-timeout.png', 'extension-timeout-server.log']) {
    fs.rmSync(path.join(resultsDir, stale), { recursive: true, force: true });
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-extension-test-'));
  const folder = options.folder ?? path.join(scratch, 'workspace');
  fs.mkdirSync(folder, { recursive: true });
  // A multi-root workspace from the start: tests add workspace folders (Reveal in Explorer), and turning
  // a single-folder window into a workspace reloads the browser workbench, which would end the run.
  const workspaceFile = path.join(scratch, 'test.code-workspace');
  fs.writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: folder }], settings: {} }, null, 2));

  let server;
  let context;
  let cleaning;
  const cleanUp = () => {
    cleaning ??= (async () => {
      await context?.close().catch(() => {});
      await server?.stop().catch(() => {});
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    const started = Date.now();
    if (options.user) {
      // The workspace (and its .code-workspace file, which Reveal edits) must belong to that user.
      const account = accountOf(options.user);
      chownTree(scratch, account.uid, account.gid);
    }
    server = await startServer({
      env: options.env,
      user: options.user,
      onOutput: options.verbose ? (text) => process.stderr.write(text) : undefined,
    });
    console.log(`[harness] code-server (VS Code ${vscodeVersion()}) on ${server.url} in ${Date.now() - started} ms`);

    context = await chromium.launchPersistentContext(path.join(scratch, 'chromium-profile'), {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      chromiumSandbox: false,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      // Our own signal handlers close the browser and the server; Playwright's would exit first.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    let reportExit;
    const exitCode = new Promise((resolve) => { reportExit = resolve; });
    let automationLogs;
    // The workbench calls these under test automation: every log line of the workbench and the extension
    // host (console.log in tests, mocha's reporter), then the suite's exit code and its log files.
    // Workbench chatter before the suite's banner (connection setup, gallery disabled, …) is shown only with
    // --verbose; errors always are.
    let suiteStarted = false;
    await context.exposeFunction('codeAutomationLog', (level, args) => {
      const text = Array.isArray(args) ? format(...args) : String(args);
      suiteStarted ||= SUITE_BANNER.test(text);
      const isError = level === 'error';
      if (suiteStarted || isError || options.verbose) {
        (isError ? process.stderr : process.stdout).write(`${text}\n`);
      }
    });
    await context.exposeFunction('codeAutomationExit', (code, logs) => {
      automationLogs = logs;
      reportExit(typeof code === 'number' ? code : 1);
    });

    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (error) => console.error(`[browser] page error: ${error.message}`));
    page.on('crash', () => reportExit(1));
    if (options.verbose) {
      page.on('console', (message) => console.error(`[browser:${message.type()}] ${message.text()}`));
    }

    const payload = [
      ['extensionDevelopmentPath', remoteUri(server.port, options.extension)],
      ['extensionTestsPath', remoteUri(server.port, options.suite)],
      ['skipWelcome', 'true'],
    ];
    // --single-folder: the window a user opens on a folder, which adding a folder turns into a workspace.
    const opened = options.singleFolder ? `folder=${encodeURIComponent(folder)}` : `workspace=${encodeURIComponent(workspaceFile)}`;
    const url = `${server.url}/?${opened}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    console.log(`[harness] opening ${url}`);
    await page.goto(url);

    let timer;
    const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), options.timeoutMs); });
    const result = await Promise.race([exitCode, timedOut]);
    clearTimeout(timer);

    if (result === 'timeout') {
      fs.mkdirSync(resultsDir, { recursive: true });
      const screenshot = path.join(resultsDir, 'extension-timeout.png');
      await page.screenshot({ path: screenshot }).catch((error) => console.error(`[harness] no screenshot: ${error.message}`));
      fs.copyFileSync(server.logFile, path.join(resultsDir, 'extension-timeout-server.log'));
      // The server-side logs include the extension host's (remoteexthost.log, exthost*/).
      fs.cpSync(path.join(server.userDataDir, 'logs'), path.join(resultsDir, 'extension-logs'), { recursive: true });
      console.error(`[harness] the suite did not finish within ${options.timeoutMs / 1000} s; screenshot: ${screenshot};` +
        ' server and extension host logs: test-results/extension-timeout-server.log, test-results/extension-logs/');
      return 1;
    }
    if (result !== 0) {
      const logsDir = path.join(resultsDir, 'extension-logs');
      writeLogs(automationLogs, logsDir);
      console.error(`[harness] suite failed (exit ${result}); VS Code logs in ${logsDir}`);
    }
    console.log(`[harness] suite finished with exit code ${result} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[harness] ${error.stack ?? error}`);
    process.exit(1);
  },
);
