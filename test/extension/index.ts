// Mocha runner that VS Code loads inside the extension host (`extensionTestsPath`). It serves both
// test/extension/run-in-server.mjs (code-server + headless Chromium) and @vscode/test-electron.
//
// Output: the extension host forwards console.log to the workbench, which hands it to the page function
// `codeAutomationLog` under test automation; run-in-server prints those lines. Mocha's reporters log with
// printf-style placeholders (`%d passing`), and the forwarding does not apply them, so we format first.
import * as fs from 'fs';
import * as path from 'path';
import { format } from 'util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

const TEST_FILE = /\.test\.js$/;

function testFilesIn(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => TEST_FILE.test(name))
    .sort()
    .map((name) => path.join(folder, name));
}

export async function run(): Promise<void> {
  console.log(`VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost}), extension tests in ${__dirname}`);

  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    timeout: 60_000,
    color: false,
    // The server's environment reaches the extension host: MOCHA_GREP=… selects tests.
    grep: process.env.MOCHA_GREP || undefined,
  });
  const files = testFilesIn(__dirname);
  if (files.length === 0) {
    throw new Error(`No *.test.js files in ${__dirname}; run \`npm run compile-tests\` first.`);
  }
  for (const file of files) {
    mocha.addFile(file);
  }

  const failures = await new Promise<number>((resolve, reject) => {
    try {
      mocha.run(resolve);
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
  if (failures > 0) {
    throw new Error(`${failures} extension test${failures === 1 ? '' : 's'} failed.`);
  }
}
