#!/usr/bin/env node
// Runs the bundled CLI; `npm install` builds it (the "prepare" script).
const path = require('path');
const fs = require('fs');
const v8 = require('v8');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('docker-layers: dist/cli.js is missing; run "npm run build" first\n');
  process.exit(1);
}
const cli = require(bundle);

// Most runs last about a second. V8 would spend it optimizing every warm function with TurboFan on
// a second thread, which on a small machine takes a core from the daemon the run waits for, for
// code ready when the run is nearly over. Tier-up 8 × later leaves that to code that stays hot
// (docs/benchmarks.md, "The docker-group user's full tree"). Set after the bundle has loaded: a
// changed flag makes V8 refuse Node's code cache for the built-in modules loaded after it. Only on
// the V8 it was measured on (Node 20's), whose default budget is known; others keep theirs.
const DEFAULT_TIER_UP_BUDGET = { '11.3': 66 * 1024 };
const budget = DEFAULT_TIER_UP_BUDGET[process.versions.v8.split('.').slice(0, 2).join('.')];
if (budget) {
  v8.setFlagsFromString(`--interrupt-budget=${8 * budget}`);
}

cli
  .runAsProcess(process.argv.slice(2))
  // exitCode rather than exit(): exit() can cut off output still queued for a pipe.
  .then((code) => { process.exitCode = code; }, (error) => {
    process.stderr.write(`docker-layers: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
