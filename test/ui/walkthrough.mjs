#!/usr/bin/env node
// A UI walk-through of the extension as a user sees it: the VSIX (not the dev folder) installed into a real
// VS Code (code-server 1.100.3, see scripts/vscode-server/server.mjs) driven by headless Chromium. Each step
// clicks what a user would click, waits for a concrete element and saves a numbered screenshot in
// test-results/ui/. When an element does not appear in time the step fails: FAILED-<step>.png, the element
// that was missing, the rows the view did show, the server's logs, exit code 1.
//
// Usage: node test/ui/walkthrough.mjs [--vsix <file>] [--update-screenshots] [--verbose]
//   --vsix                walk through this VSIX instead of packaging one (`npm run package`, after which the
//                         dev bundle is rebuilt with `node esbuild.js`)
//   --update-screenshots  copy the README screenshots (crops of those of steps c, d and g) into media/screenshots/;
//                         a step's screenshots exist only when it passed, so a later failure does not stop this
//   --verbose             show the packaging output and the browser's console
// Environment:
//   DLE_UI_EXPECT_MISSING=1  also expect a layer row that does not exist, to see (and keep demonstrating) the
//                            failure path: step b fails with its screenshot and exit code 1.
//   CHROMIUM_PATH            browser to drive (default /usr/bin/chromium)
//
// Needs the test images and containers of test/setup/build-test-images.sh in the Docker Engine that the
// environment (DOCKER_HOST, …) names; the server's environment reaches the extension host.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, repoRoot, startServer } from '../../scripts/vscode-server/server.mjs';

const VIEWPORT = { width: 1400, height: 900 };
const SIDEBAR_WIDTH = 560;
const ELEMENT_TIMEOUT_MS = 10_000;
const WORKBENCH_TIMEOUT_MS = 30_000;
const UNREACHABLE_HOST = 'unix:///tmp/dle-nonexistent.sock';
/** Over server.mjs's quiet defaults: more room for the JSON in the screenshots. */
const SETTINGS = { 'editor.minimap.enabled': false };
const resultsDir = path.join(repoRoot, 'test-results', 'ui');
const mediaDir = path.join(repoRoot, 'media', 'screenshots');

/** README screenshots: which walk-through screenshot, and the part of the window that tells the story. */
const README_SCREENSHOTS = [
  // Activity bar and side bar, below the title bar.
  { from: 'layer-folder', to: 'images-view.png', clip: { x: 0, y: 35, width: SIDEBAR_WIDTH + 48, height: 520 } },
  { from: 'layer-context-menu', to: 'layer-context-menu.png', clip: { x: 0, y: 35, width: SIDEBAR_WIDTH + 48, height: 520 } },
  // The whole window but the empty lower part of the side bar.
  { from: 'inspect-layer', to: 'inspect-layer.png', clip: { x: 0, y: 0, width: VIEWPORT.width, height: 760 } },
  // The side bar's upper part: the welcome view with the endpoint in the title.
  { from: 'welcome-unreachable', to: 'welcome-unreachable.png', clip: { x: 0, y: 35, width: SIDEBAR_WIDTH + 48, height: 300 } },
  // A layer's Changes, deletions marked, and one of its files open in the editor.
  { from: 'layer-changes', to: 'layer-changes.png', clip: { x: 0, y: 0, width: VIEWPORT.width, height: 620 } },
  // Change marks in a layer's Changes, its counts, and the image summary beside.
  { from: 'change-analysis', to: 'change-analysis.png', clip: { x: 0, y: 0, width: VIEWPORT.width, height: 760 } },
  // The Images view filtered, and the engine named in the status bar.
  { from: 'filter-and-engine', to: 'filter-and-engine.png', clip: { x: 0, y: 0, width: VIEWPORT.width, height: VIEWPORT.height } },
  // A Dockerfile with each instruction's layer size in its lenses.
  { from: 'dockerfile-lenses', to: 'dockerfile-lenses.png', clip: { x: 0, y: 0, width: VIEWPORT.width, height: 620 } },
  // The size map of the sample image beside its layers, with its legend.
  { from: 'size-map', to: 'size-map.png', clip: { x: 0, y: 0, width: VIEWPORT.width, height: VIEWPORT.height } },
  // A saved image archive browsed with no daemon.
  { from: 'sample-archive', to: 'sample-archive.png', clip: { x: 0, y: 35, width: SIDEBAR_WIDTH + 48, height: 560 } },
];

function parseCommandLine() {
  const usage = 'Usage: node test/ui/walkthrough.mjs [--vsix <file>] [--update-screenshots] [--verbose]';
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        vsix: { type: 'string' },
        'update-screenshots': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return {
    vsix: values.vsix === undefined ? undefined : path.resolve(values.vsix),
    updateScreenshots: values['update-screenshots'],
    verbose: values.verbose,
    expectMissing: process.env.DLE_UI_EXPECT_MISSING === '1',
  };
}

/** A command the walk-through runs failed; its output says why, a stack trace would not. */
class CommandFailed extends Error {}

/** Runs a command in the repository; its output is shown only with --verbose or when it fails. */
async function run(command, args, verbose) {
  const child = spawn(command, args, { cwd: repoRoot, stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => { output += chunk; });
  child.stderr?.on('data', (chunk) => { output += chunk; });
  const [code] = await once(child, 'exit');
  if (code !== 0) {
    throw new CommandFailed(`${command} ${args.join(' ')} failed with exit code ${code}\n${output}`);
  }
}

/** `npm run package` writes a production bundle into dist/; the dev bundle (with source maps) comes back after. */
async function packageVsix(verbose) {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const vsix = path.join(repoRoot, `${name}-${version}.vsix`);
  try {
    await run('npm', ['run', 'package'], verbose);
  } finally {
    await run(process.execPath, ['esbuild.js'], verbose);
  }
  return vsix;
}

/** An element that did not appear: what it was, for the failure report. */
class MissingElement extends Error {
  constructor(description, timeoutMs, cause) {
    super(`${description} did not appear within ${timeoutMs / 1000} s`);
    this.description = description;
    this.cause = cause;
  }
}

async function expectVisible(locator, description, timeoutMs = ELEMENT_TIMEOUT_MS) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch (error) {
    throw new MissingElement(description, timeoutMs, error);
  }
  return locator.first();
}

/** A view pane of the Docker Layers container, by its title ("Images", "Containers"). */
function viewPane(page, title) {
  return page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) });
}

/**
 * A tree row whose label starts with `label` (a string) or matches `label` (a RegExp). Labels, not aria-labels:
 * for rows with a resource the aria-label is the tooltip (a path). The rows are virtualised: only rows
 * scrolled into view exist.
 */
function treeRow(scope, label, level) {
  const pattern = label instanceof RegExp ? label : new RegExp(`^${escapeRegExp(label)}`);
  const rows = scope.locator(level === undefined ? '.monaco-list-row[role="treeitem"]' : `.monaco-list-row[role="treeitem"][aria-level="${level}"]`);
  return rows.filter({ has: scope.page().locator('.label-name', { hasText: pattern }) });
}

/** Expands a collapsed tree row with its twistie (a click on the label could hit an inline action). */
async function expand(row, description) {
  if (await row.getAttribute('aria-expanded') !== 'true') {
    await row.locator('.monaco-tl-twistie').click();
  }
  try {
    await row.locator('xpath=self::*[@aria-expanded="true"]').waitFor({ timeout: ELEMENT_TIMEOUT_MS });
  } catch (error) {
    throw new MissingElement(`${description}, expanded`, ELEMENT_TIMEOUT_MS, error);
  }
}

/** Collapses an expanded tree row with its twistie. */
async function collapse(row) {
  if (await row.getAttribute('aria-expanded') === 'true') {
    await row.locator('.monaco-tl-twistie').click();
    await row.locator('xpath=self::*[@aria-expanded="false"]').waitFor({ timeout: ELEMENT_TIMEOUT_MS });
  }
}

/** Moves the pointer where it raises no hover (tooltips would cover the screenshot). */
async function parkPointer(page) {
  await page.mouse.move(VIEWPORT.width - 5, VIEWPORT.height - 40);
}

/** The rows a view shows now, for failure reports. */
async function visibleRows(page) {
  return page.locator('.part.sidebar .pane').evaluateAll((panes) => panes.map((pane) => {
    const title = pane.querySelector('.pane-header')?.getAttribute('aria-label') ?? '?';
    const rows = [...pane.querySelectorAll('.monaco-list-row')].map((row) => {
      const label = row.querySelector('.label-name')?.textContent ?? row.getAttribute('aria-label');
      const description = row.querySelector('.label-description')?.textContent;
      const indent = '  '.repeat(Number(row.getAttribute('aria-level') ?? 1));
      return `  ${indent}${label}${description ? `  (${description})` : ''}`;
    });
    const message = pane.querySelector('.tree-explorer-viewlet-tree-view > .message:not(.hide)')?.textContent;
    const welcome = pane.querySelector('.welcome-view-content')?.textContent;
    return [`  ${title}:`, ...rows, ...(message ? [`    message: ${message}`] : []), ...(welcome ? [`    welcome: ${welcome}`] : [])].join('\n');
  })).catch(() => []);
}

/** Widens the side bar by dragging its sash, so that labels and descriptions are legible. */
async function widenSidebar(page) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= SIDEBAR_WIDTH) {
    return;
  }
  const x = box.x + box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + (SIDEBAR_WIDTH - box.width) / 2, y, { steps: 4 });
  await page.mouse.move(box.x + SIDEBAR_WIDTH, y, { steps: 4 });
  await page.mouse.up();
  // Away from the sash, and long enough for its hover highlight to fade.
  await parkPointer(page);
  await page.waitForTimeout(500);
}

async function openBrowserPage(browser, verbose) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[browser] page error: ${error.message}`));
  if (verbose) {
    page.on('console', (message) => console.error(`[browser:${message.type()}] ${message.text()}`));
  }
  return page;
}

/** Opens the workbench on `folder` and the Docker Layers container from its activity-bar item. */
async function openDockerLayers(page, server, folder) {
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await expectVisible(page.locator('.monaco-workbench .part.activitybar'), 'the workbench (activity bar)', WORKBENCH_TIMEOUT_MS);
  const item = await expectVisible(page.locator('.part.activitybar .action-item [aria-label="Docker Layers"]'),
    'the "Docker Layers" activity-bar item', WORKBENCH_TIMEOUT_MS);
  await item.click();
  await expectVisible(page.locator('.part.sidebar .composite.title h2', { hasText: 'Docker Layers' }), 'the "Docker Layers" side bar');
}

async function main() {
  const options = parseCommandLine();
  const started = Date.now();
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });

  let vsix = options.vsix;
  if (vsix === undefined) {
    const packaging = Date.now();
    vsix = await packageVsix(options.verbose);
    console.log(`packaged ${path.relative(repoRoot, vsix)} (dev bundle restored) in ${seconds(Date.now() - packaging)}`);
  }
  if (!fs.existsSync(vsix)) {
    throw new Error(`No VSIX at ${vsix}`);
  }

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-ui-'));
  const folder = path.join(scratch, 'workspace');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'README.txt'), 'A folder for the Docker Layer Explorer walk-through.\n');
  // dle-app's Dockerfile, whose image the test setup built outside VS Code: step c4 shows its lenses.
  fs.copyFileSync(path.join(repoRoot, 'test', 'setup', 'images', 'dle-app', 'Dockerfile'), path.join(folder, 'Dockerfile'));

  const servers = [];
  let browser;
  const cleanUp = async () => {
    await browser?.close().catch(() => {});
    await Promise.all(servers.map((server) => server.stop().catch(() => {})));
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => { cleanUp().finally(() => process.exit(130)); });
  }

  try {
    // The unreachable-engine server (step g) starts alongside the main one: it costs no extra wall time.
    const onOutput = options.verbose ? (text) => process.stderr.write(text) : undefined;
    const starting = await Promise.allSettled([
      startServer({ installExtensions: [vsix], onOutput, settings: SETTINGS }),
      // The setting, and DOCKER_HOST too: the extension host may activate before the user settings
      // reach it, and then it would connect to the real daemon first (seen in 2 of 5 runs).
      startServer({ installExtensions: [vsix], onOutput, settings: { ...SETTINGS, 'dockerLayers.host': UNREACHABLE_HOST }, env: { DOCKER_HOST: UNREACHABLE_HOST } }),
    ]);
    servers.push(...starting.filter((each) => each.status === 'fulfilled').map((each) => each.value));
    const failedStart = starting.find((each) => each.status === 'rejected');
    if (failedStart) {
      throw failedStart.reason;
    }
    const [server, unreachableServer] = servers;
    console.log(`code-server with ${path.basename(vsix)} on ${server.url} and ${unreachableServer.url} after ${seconds(Date.now() - started)}`);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      headless: true,
      chromiumSandbox: false,
      args: CHROMIUM_ARGS,
    });
    let page = await openBrowserPage(browser, options.verbose);

    let shots = 0;
    const screenshots = new Map();
    const screenshot = async (name) => {
      await parkPointer(page);
      const file = path.join(resultsDir, `${String(++shots).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path: file });
      screenshots.set(name, file);
      for (const { to, clip } of README_SCREENSHOTS.filter((each) => each.from === name)) {
        await page.screenshot({ path: path.join(resultsDir, `readme-${to}`), clip });
      }
      return file;
    };

    const steps = [];
    const step = (id, title, run) => steps.push({ id, title, run });

    const images = () => viewPane(page, 'Images');
    const containers = () => viewPane(page, 'Containers');
    let appLabel;
    const appRow = () => treeRow(images(), appLabel);
    const layerOneRow = () => treeRow(images(), '1 · RUN mkdir');

    step('a', 'open-images-view', async () => {
      await openDockerLayers(page, server, folder);
      await widenSidebar(page);
      const row = await expectVisible(treeRow(images(), /^dle-app:(1\.0|latest)$/, 1),
        'image row "dle-app:1.0" or "dle-app:latest" in the Images view');
      appLabel = (await row.locator('.label-name').textContent()).trim();
      await screenshot('images-view');
    });

    step('b', 'expand-image', async () => {
      await expand(await expectVisible(appRow(), `image row "${appLabel}"`), `image row "${appLabel}"`);
      await expectVisible(treeRow(images(), '5 · RUN touch /empty'), 'layer row "5 · RUN touch /empty"');
      await expectVisible(treeRow(images(), '0 · dle-base: busybox rootfs'), 'layer row "0 · dle-base: busybox rootfs"');
      if (options.expectMissing) {
        // DLE_UI_EXPECT_MISSING=1: an expectation that cannot hold, to exercise the failure path.
        await expectVisible(treeRow(images(), '99 · RUN this-layer-does-not-exist'),
          'layer row "99 · RUN this-layer-does-not-exist" (bogus, DLE_UI_EXPECT_MISSING=1)', 2000);
      }
      await screenshot('image-layers');
    });

    step('c', 'expand-layer-folder', async () => {
      await expand(await expectVisible(layerOneRow(), 'layer row "1 · RUN mkdir …"'), 'layer row "1 · RUN mkdir …"');
      const folderRow = await expectVisible(treeRow(images(), /^[0-9a-f]{64}$/, 3),
        'cache-id folder row (64 hex digits) under layer 1');
      await expand(folderRow, 'cache-id folder row');
      await expectVisible(treeRow(images(), /^diff$/, 4), 'row "diff" in the cache-id folder');
      await screenshot('layer-folder');
    });

    step('c2', 'layer-changes', async () => {
      // The layer that deletes: its Changes show the whiteout and the replaced (opaque) folder.
      const layerFour = await expectVisible(treeRow(images(), '4 · RUN rm'), 'layer row "4 · RUN rm …"');
      await expand(layerFour, 'layer row "4 · RUN rm …"');
      const changes = await expectVisible(treeRow(images(), 'Changes', 3), 'row "Changes" under layer 4');
      await expand(changes, 'row "Changes" under layer 4');
      await expand(await expectVisible(treeRow(images(), /^data$/, 4), 'folder "data" in the Changes of layer 4'), 'folder "data"');
      await expectVisible(treeRow(images(), /^doomed\.txt$/, 5), 'deleted file "doomed.txt"');
      await expand(await expectVisible(treeRow(images(), /^app$/, 4), 'folder "app" in the Changes of layer 4'), 'folder "app"');
      await expectVisible(treeRow(images(), /^old$/, 5), 'replaced folder "old"');
      // A file of layer 1, opened read-only from its Changes.
      const layerOneChanges = treeRow(images(), 'Changes', 3).first();
      await expand(layerOneChanges, 'row "Changes" under layer 1');
      await expand(await expectVisible(treeRow(images(), /^app$/, 4), 'folder "app" in the Changes of layer 1'), 'folder "app" of layer 1');
      await (await expectVisible(treeRow(images(), /^hello\.txt$/, 5), 'file "hello.txt"')).click();
      // The tab names the image and layer (the manifest's label formatter); the breadcrumbs are the path in the image, not a host path.
      await expectVisible(page.getByRole('tab', { name: /^hello\.txt — dle-app:1\.0 · layer 1/ }), 'editor tab "hello.txt — dle-app:1.0 · layer 1"');
      const crumbs = await expectVisible(page.locator('.part.editor .breadcrumbs-control'), 'the breadcrumbs');
      const crumbText = (await crumbs.innerText()).replace(/\s+/g, ' ').trim();
      if (!/^app\b.*\bhello\.txt$/.test(crumbText) || crumbText.includes('docker')) {
        throw new Error(`the breadcrumbs should be the path in the image (app › hello.txt), not "${crumbText}"`);
      }
      await expectVisible(page.locator('.part.editor .monaco-editor .view-lines', { hasText: 'hello' }), 'the file\'s text in the editor');
      await screenshot('layer-changes');
      await images().locator('.pane-header').hover();
      await images().getByRole('button', { name: 'Collapse All' }).click();
      await expand(await expectVisible(appRow(), `image row "${appLabel}"`), `image row "${appLabel}"`);
      await expand(await expectVisible(layerOneRow(), 'layer row "1 · RUN mkdir …"'), 'layer row "1 · RUN mkdir …"');
    });

    step('c3', 'change-analysis', async () => {
      // Layer 4's Changes with their marks (D, R, A), its counts in the description, and the image summary.
      // Layer 1, opened in c2, folds away: the Images pane is short and its rows would push layer 4's below.
      await collapse(await expectVisible(treeRow(images(), '1 · RUN mkdir'), 'layer row "1 · RUN mkdir …"'));
      const layerFour = await expectVisible(treeRow(images(), '4 · RUN rm'), 'layer row "4 · RUN rm …"');
      await expand(layerFour, 'layer row "4 · RUN rm …"');
      await expectVisible(layerFour.locator('.label-description', { hasText: /\+1 ~0 −2$/ }), 'the counts "+1 ~0 −2" in the description of layer 4');
      const changes = await expectVisible(treeRow(images(), 'Changes', 3).last(), 'row "Changes" under layer 4');
      await expand(changes, 'row "Changes" under layer 4');
      await expand(await expectVisible(treeRow(images(), /^app$/, 4).last(), 'folder "app" in the Changes of layer 4'), 'folder "app"');
      await expand(await expectVisible(treeRow(images(), /^old$/, 5), 'replaced folder "old"'), 'folder "old"');
      await expand(await expectVisible(treeRow(images(), /^data$/, 4).last(), 'folder "data" in the Changes of layer 4'), 'folder "data"');
      await expectVisible(treeRow(images(), /^doomed\.txt$/, 5), 'deleted file "doomed.txt"');
      await page.locator('.part.editor').click({ position: { x: 400, y: 300 } });
      await page.keyboard.press('F1');
      const input = await expectVisible(page.locator('.quick-input-widget .quick-input-box input'), 'the command palette');
      await input.fill('>Docker Layers: Show Image Summary');
      await (await expectVisible(page.locator('.quick-input-list .monaco-list-row[aria-label^="Docker Layers: Show Image Summary"]'),
        'palette entry "Docker Layers: Show Image Summary"')).click();
      await expectVisible(page.locator('.quick-input-widget .quick-input-box input[placeholder="Select an image"]'), 'the image quick pick ("Select an image")');
      await input.fill(appLabel);
      await (await expectVisible(page.locator(`.quick-input-list .monaco-list-row[aria-label^="${appLabel}"]`), `quick-pick item "${appLabel}"`)).click();
      await expectVisible(page.getByRole('tab', { name: /summary\.md/ }), 'the summary\'s tab ("… summary.md")');
      // The preview is a webview: give it a moment to render its tables.
      await page.waitForTimeout(2000);
      await screenshot('change-analysis');
      await page.keyboard.press('F1');
      await input.fill('>View: Close All Editors');
      await (await expectVisible(page.locator('.quick-input-list .monaco-list-row[aria-label^="View: Close All Editors"]'), 'palette entry "View: Close All Editors"')).click();
      await images().locator('.pane-header').hover();
      await images().getByRole('button', { name: 'Collapse All' }).click();
      await expand(await expectVisible(appRow(), `image row "${appLabel}"`), `image row "${appLabel}"`);
      await expand(await expectVisible(layerOneRow(), 'layer row "1 · RUN mkdir …"'), 'layer row "1 · RUN mkdir …"');
    });

    step('c4', 'dockerfile-lenses', async () => {
      // The Dockerfile in the workspace: each instruction's layer size and share, "no layer" on metadata steps.
      await page.locator('.part.editor').click({ position: { x: 400, y: 300 } });
      await page.keyboard.press('Control+P');
      const input = await expectVisible(page.locator('.quick-input-widget .quick-input-box input'), 'Quick Open');
      await input.fill('Dockerfile');
      await expectVisible(page.locator('.quick-input-list .monaco-list-row[aria-label^="Dockerfile"]'), 'Quick Open entry "Dockerfile"');
      await page.keyboard.press('Enter');
      await expectVisible(page.locator('.part.editor .codelens-decoration', { hasText: /22 B \(< 0\.1 %\) · layer 1 of dle-app/ }),
        'the lens "22 B (< 0.1 %) · layer 1 of dle-app…" on the RUN mkdir line', 30_000);
      await expectVisible(page.locator('.part.editor .codelens-decoration', { hasText: 'no layer' }).first(), 'a "no layer" lens');
      await expectVisible(page.locator('.part.editor .codelens-decoration', { hasText: /dle-app:(1\.0|latest) · 6 layers · 1\.98 MB/ }), 'the image lens on the FROM line');
      await screenshot('dockerfile-lenses');
      await page.keyboard.press('F1');
      await input.fill('>View: Close All Editors');
      await (await expectVisible(page.locator('.quick-input-list .monaco-list-row[aria-label^="View: Close All Editors"]'), 'palette entry "View: Close All Editors"')).click();
    });

    step('d', 'layer-context-menu', async () => {
      await layerOneRow().first().click({ button: 'right', position: { x: 120, y: 10 } });
      const inspect = await expectVisible(page.getByRole('menuitem', { name: 'Inspect Layer', exact: true }), 'context-menu item "Inspect Layer"');
      await expectVisible(page.getByRole('menuitem', { name: 'Reveal Layer Directory', exact: true }), 'context-menu submenu "Reveal Layer Directory"');
      await expectVisible(page.getByRole('menuitem', { name: 'Copy', exact: true }), 'context-menu submenu "Copy"');
      await screenshot('layer-context-menu');
      await inspect.click();
      const title = new RegExp(`^${escapeRegExp(`layer 1 of ${appLabel}.json`)}`);
      await expectVisible(page.getByRole('tab', { name: title }), `editor tab "layer 1 of ${appLabel}.json"`);
      await expectVisible(page.locator('.part.editor .monaco-editor .view-lines', { hasText: '"chainId"' }), 'JSON with "chainId" in the editor');
      await screenshot('inspect-layer');
    });

    step('d2', 'filter-and-engine', async () => {
      // Filter Images… from the view title, the filter in the view's description, and the engine named in the status bar.
      await images().locator('.pane-header').hover();
      await images().getByRole('button', { name: 'Filter Images…' }).click();
      const input = await expectVisible(page.locator('.quick-input-widget .quick-input-box input'), 'the Filter Images input box');
      await input.fill('dle-app');
      await page.keyboard.press('Enter');
      await expectVisible(images().locator('.pane-header .description', { hasText: 'filter: dle-app' }), 'the view description "filter: dle-app"');
      await expectVisible(images().getByRole('button', { name: 'Clear Image Filter' }), 'the "Clear Image Filter" title action');
      await expectVisible(treeRow(images(), appLabel), `image row "${appLabel}" still listed`);
      await expectVisible(page.locator('.statusbar-item', { hasText: /Docker \d+\.\d+.* · overlay2/ }), 'the status bar item "Docker … · overlay2"');
      await screenshot('filter-and-engine');
      await images().locator('.pane-header').hover();
      await images().getByRole('button', { name: 'Clear Image Filter' }).click();
      await expectVisible(treeRow(images(), 'dle-base'), 'the other images back after clearing');
    });

    step('e', 'inspect-image-from-palette', async () => {
      await page.locator('.part.editor').click({ position: { x: 400, y: 300 } });
      await page.keyboard.press('F1');
      const input = await expectVisible(page.locator('.quick-input-widget .quick-input-box input'), 'the command palette');
      await input.fill('>Docker Layers: Inspect Image');
      await (await expectVisible(page.locator('.quick-input-list .monaco-list-row[aria-label^="Docker Layers: Inspect Image"]'),
        'palette entry "Docker Layers: Inspect Image"')).click();
      await expectVisible(page.locator('.quick-input-widget .quick-input-box input[placeholder="Select an image"]'), 'the image quick pick ("Select an image")');
      await input.fill('dle-base');
      await (await expectVisible(page.locator('.quick-input-list .monaco-list-row[aria-label^="dle-base:latest"]'),
        'quick-pick item "dle-base:latest"')).click();
      await expectVisible(page.getByRole('tab', { name: /^dle-base:latest\.json/ }), 'editor tab "dle-base:latest.json"');
      await expectVisible(page.locator('.part.editor .monaco-editor .view-lines', { hasText: '"RepoTags"' }), 'image inspect JSON ("RepoTags") in the editor');
      await screenshot('inspect-image');
    });

    step('f', 'container-layers', async () => {
      // The images tree is long by now; collapse it so that the Containers view has room.
      await images().locator('.pane-header').hover();
      await images().getByRole('button', { name: 'Collapse All' }).click();
      const row = await expectVisible(treeRow(containers(), 'dle-exited'), 'container row "dle-exited" in the Containers view');
      await expand(row, 'container row "dle-exited"');
      await expectVisible(treeRow(containers(), 'read-write layer'), 'row "read-write layer" under dle-exited');
      await screenshot('container-layers');
    });

    step('g', 'welcome-unreachable', async () => {
      await page.context().close();
      page = await openBrowserPage(browser, options.verbose);
      await openDockerLayers(page, unreachableServer, folder);
      await widenSidebar(page);
      // The endpoint may be in the view's message or its description (next to the title). Note that VS Code
      // shows a tree view's welcome content only while the tree is empty AND its message is unset
      // (TreeViewPane.shouldShowWelcome), so a message hides the welcome text and its buttons.
      await expectVisible(images().getByText('/tmp/dle-nonexistent.sock'), 'the socket path /tmp/dle-nonexistent.sock in the Images view');
      await expectVisible(images().locator('.welcome-view-content', { hasText: 'cannot reach the Docker Engine' }),
        'welcome text "cannot reach the Docker Engine" in the Images view');
      await expectVisible(images().locator('.welcome-view-content').getByRole('button', { name: 'Retry' }), 'the welcome view\'s "Retry" button');
      await screenshot('welcome-unreachable');
    });

    step('h', 'sample-archive', async () => {
      // No daemon: the welcome view offers the bundled sample archive.
      await (await expectVisible(images().locator('.welcome-view-content').getByRole('button', { name: 'Open the Sample Image Archive' }),
        'the welcome view\'s "Open the Sample Image Archive" button')).click();
      const archive = await expectVisible(treeRow(images(), 'sample-image.tar', 1), 'archive row "sample-image.tar"');
      await expand(archive, 'archive row "sample-image.tar"');
      await expand(await expectVisible(treeRow(images(), 'sample/app:1.0', 2), 'image row "sample/app:1.0"'), 'image row "sample/app:1.0"');
      const layerThree = await expectVisible(treeRow(images(), '3 · RUN rm -rf', 3), 'layer row "3 · RUN rm -rf …"');
      await expand(layerThree, 'layer row "3 · RUN rm -rf …"');
      await expand(await expectVisible(treeRow(images(), 'Changes', 4), 'row "Changes" under layer 3'), 'row "Changes" under layer 3');
      await expand(await expectVisible(treeRow(images(), /^app$/, 5), 'folder "app" in the Changes of layer 3'), 'folder "app"');
      await expectVisible(treeRow(images(), /^logs$/, 6), 'deleted folder "logs"');
      await screenshot('sample-archive');
    });

    step('i', 'size-map', async () => {
      // The sample image's size map, from the image row's inline action: coloured by layer, the page layer 3 rewrote hatched.
      const imageRow = await expectVisible(treeRow(images(), 'sample/app:1.0', 2), 'image row "sample/app:1.0"');
      await imageRow.hover();
      await (await expectVisible(imageRow.getByRole('button', { name: 'Show Size Map' }), 'the image row\'s "Show Size Map" action')).click();
      await expectVisible(page.getByRole('tab', { name: /^Size Map: sample\/app:1\.0/ }), 'editor tab "Size Map: sample/app:1.0"');
      const map = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const page404 = await expectVisible(map.locator('.tile.file.wasted[data-path="/app/static/index.html"]'), 'the hatched rectangle of /app/static/index.html in the map');
      await expectVisible(map.locator('#legend', { hasText: 'layer 3 · RUN rm -rf' }), 'the legend entry of layer 3');
      // Click a folder to zoom in, Backspace to zoom out; arrow keys move the focus between rectangles.
      await map.locator('.tile.folder[data-path="/app"] > .name').click();
      await expectVisible(map.locator('#breadcrumb .crumb[aria-current]', { hasText: /^app$/ }), 'the breadcrumb "(root) / app" after clicking the folder');
      await page.keyboard.press('Backspace');
      await expectVisible(map.locator('#breadcrumb .crumb[aria-current]', { hasText: '(root)' }), 'the breadcrumb back at "(root)" after Backspace');
      await map.locator('.tile[tabindex="0"]').focus();
      const focusedPath = () => map.locator(':focus').getAttribute('data-path');
      const before = await focusedPath();
      await page.keyboard.press('ArrowRight');
      const after = await focusedPath();
      if (!before || !after || before === after) {
        throw new Error(`ArrowRight should move the focus to another rectangle (from ${before} to ${after})`);
      }
      await page404.hover();
      await expectVisible(map.locator('#details', { hasText: /^\/app\/static\/index\.html, 18 B, layer 3/ }), 'the details line of the hovered file');
      await screenshot('size-map');
    });

    const stepTimes = [];
    for (const { id, title, run } of steps) {
      const stepStarted = Date.now();
      const shotsBefore = screenshots.size;
      try {
        await run();
      } catch (error) {
        const name = `${id}-${title}`;
        const file = path.join(resultsDir, `FAILED-${name}.png`);
        await parkPointer(page).catch(() => {});
        await page.screenshot({ path: file }).catch((shotError) => console.log(`(no screenshot: ${shotError.message})`));
        console.log(`✗ ${id}. ${title} FAILED after ${seconds(Date.now() - stepStarted)}`);
        if (error instanceof MissingElement) {
          console.log(`  missing: ${error.description} (waited ${error.message.replace(/.* within /, '')})`);
        } else {
          console.log(`  ${error.stack ?? error}`);
        }
        const rows = await visibleRows(page);
        if (rows.length > 0) {
          console.log(`  the Docker Layers views showed:\n${rows.join('\n')}`);
        }
        console.log(`  screenshot: ${path.relative(repoRoot, file)}`);
        for (const [index, each] of servers.entries()) {
          const logs = path.join(resultsDir, `server-${index + 1}-logs`);
          fs.cpSync(path.join(each.userDataDir, 'logs'), logs, { recursive: true });
          fs.copyFileSync(each.logFile, path.join(logs, 'code-server.log'));
        }
        console.log(`  VS Code and extension host logs: ${path.relative(repoRoot, resultsDir)}/server-*-logs/`);
        if (options.updateScreenshots) {
          // A screenshot shows its step passed; a later step's failure does not make it wrong.
          updateReadmeScreenshots();
        }
        console.log(`walk-through FAILED at step ${id} after ${seconds(Date.now() - started)}`);
        return 1;
      }
      const took = Date.now() - stepStarted;
      stepTimes.push(took);
      const taken = [...screenshots.values()].slice(shotsBefore).map((file) => path.relative(repoRoot, file));
      console.log(`✓ ${id}. ${title.padEnd(28)} ${seconds(took).padStart(6)}  ${taken.join(', ')}`);
    }

    if (options.updateScreenshots) {
      updateReadmeScreenshots();
    }
    console.log(`walk-through passed: ${steps.length} steps in ${seconds(stepTimes.reduce((a, b) => a + b, 0))}, ` +
      `${seconds(Date.now() - started)} in all; screenshots in ${path.relative(repoRoot, resultsDir)}/`);
    return 0;
  } finally {
    await cleanUp();
  }
}

/** --update-screenshots: copies the README crops this run took into media/screenshots/. */
function updateReadmeScreenshots() {
  fs.mkdirSync(mediaDir, { recursive: true });
  for (const { to } of README_SCREENSHOTS) {
    const source = path.join(resultsDir, `readme-${to}`);
    if (fs.existsSync(source)) {
      fs.copyFileSync(source, path.join(mediaDir, to));
      console.log(`updated ${path.relative(repoRoot, path.join(mediaDir, to))}`);
    } else {
      console.log(`not updated (its step did not run): ${path.relative(repoRoot, path.join(mediaDir, to))}`);
    }
  }
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof CommandFailed ? error.message : (error.stack ?? error));
    process.exit(1);
  },
);
