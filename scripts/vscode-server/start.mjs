#!/usr/bin/env node
// `npm start`: packages the extension, installs the VSIX into a code-server whose state persists in
// .cache/vscode-server-state/ (git-ignored), and serves VS Code on http://127.0.0.1:${PORT:-8080} opened on a
// folder. No authentication, so it listens on loopback only; reach it from elsewhere through an SSH tunnel
// (ssh -L 8080:127.0.0.1:8080 host), never by binding to another address.
//
// Usage: npm start [-- --folder <dir>] [-- --port <n>] [-- --no-package] [-- --vsix <file>]
//   --folder      folder to open (default: the directory npm was started from)
//   --no-package  reuse the existing docker-layer-explorer-<version>.vsix instead of running `npm run package`
//   --vsix        install this VSIX instead (implies --no-package)
// The server's environment (DOCKER_HOST, DOCKER_CONTEXT, …) reaches the extension host.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HOST, repoRoot, startServer, VSCODE_VERSION } from './server.mjs';

const VIEW_CONTAINER_COMMAND = 'workbench.view.extension.dockerLayers';

function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      folder: { type: 'string' },
      port: { type: 'string' },
      'no-package': { type: 'boolean', default: false },
      vsix: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('Usage: npm start [-- --folder <dir>] [--port <n>] [--no-package] [--vsix <file>]');
    process.exit(0);
  }
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`Invalid port: ${values.port ?? process.env.PORT}`);
  }
  // npm runs scripts in the package folder; INIT_CWD is where `npm start` was typed.
  const folder = path.resolve(values.folder ?? process.env.INIT_CWD ?? process.cwd());
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`Not a folder: ${folder}`);
  }
  return { port, folder, packageFirst: !values['no-package'] && !values.vsix, vsix: values.vsix };
}

async function run(command, args) {
  const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit' });
  const [code] = await once(child, 'exit');
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with exit code ${code}`);
  }
}

function defaultVsix() {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return path.join(repoRoot, `${name}-${version}.vsix`);
}

async function main() {
  const options = parseCommandLine();
  if (options.packageFirst) {
    try {
      await run('npm', ['run', 'package']);
    } finally {
      // `npm run package` leaves the minified production bundle in dist/; F5 and the tests want the dev one.
      await run(process.execPath, ['esbuild.js']);
    }
  }
  const vsix = path.resolve(options.vsix ?? defaultVsix());
  if (!fs.existsSync(vsix)) {
    throw new Error(`No VSIX at ${vsix}; run \`npm run package\` (or drop --no-package).`);
  }

  const stateDir = path.join(repoRoot, '.cache', 'vscode-server-state');
  console.log(`Installing ${path.basename(vsix)} into ${stateDir}`);
  const server = await startServer({
    port: options.port,
    stateDir,
    folder: options.folder,
    installExtensions: [vsix],
    onOutput: (text) => process.stderr.write(text),
  });

  const url = `http://${HOST}:${server.port}/?folder=${encodeURIComponent(options.folder)}`;
  console.log([
    '',
    `VS Code ${VSCODE_VERSION} (code-server) with ${path.basename(vsix)} is running:`,
    `  ${url}`,
    'Open the "Docker Layers" view from the activity bar (layers icon), or run',
    `  "View: Show Docker Layers" (command ${VIEW_CONTAINER_COMMAND}) from the command palette.`,
    `State (settings, installed extension, logs): ${stateDir}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n'));

  let stopping = false;
  const stop = async (code) => {
    if (stopping) {
      return;
    }
    stopping = true;
    await server.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  server.process.on('exit', (code) => {
    if (stopping) {
      return;
    }
    console.error(`code-server exited (${code}); see ${server.logFile}`);
    stop(code || 1);
  });
}

main().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
