// Runs the extension-host suite in desktop VS Code via @vscode/test-cli (`npx vscode-test`), for machines that
// can download VS Code. Machines that reach only the npm registry run the same compiled tests in code-server:
// `npm run test:extension` (test/extension/run-in-server.mjs). Compile first: `npm run compile-tests`.
// test-cli brings its own mocha runner; test/extension/index.ts is the runner for code-server.
import { defineConfig } from '@vscode/test-cli';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// An empty folder to open, like run-in-server's default workspace; .vscode-test/ is git-ignored.
const workspaceFolder = join(dirname(fileURLToPath(import.meta.url)), '.vscode-test', 'workspace');
mkdirSync(workspaceFolder, { recursive: true });

export default defineConfig({
  label: 'extension',
  files: 'out/test/extension/**/*.test.js',
  // Same VS Code as code-server 4.100.3, and the floor of engines.vscode.
  version: '1.100.3',
  workspaceFolder,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  // Environment (DOCKER_HOST, …) reaches the extension host as in run-in-server; nothing extra needed here.
  // Set VSCODE_EXECUTABLE to use an installed VS Code instead of downloading one.
  ...(process.env.VSCODE_EXECUTABLE ? { useInstallation: { fromPath: process.env.VSCODE_EXECUTABLE } } : {}),
  mocha: {
    ui: 'bdd',
    timeout: 60_000,
    color: true,
  },
});
