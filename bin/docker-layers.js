#!/usr/bin/env node
// Runs the bundled CLI; `npm install` builds it (the "prepare" script).
const path = require('path');
const fs = require('fs');
const v8 = require('v8');

// Most runs last about a second. V8 would spend it optimizing every warm function with TurboFan on
// a second thread, which on a small machine takes a core from the daemon the run waits for, and
// the optimized code arrives when the run is nearly over: `ls` of 1,000 images as a docker-group
// user took 1.2 × the raw Engine requests, and 1.0 × with tier-up 8 × later (docs/benchmarks.md).
// Code that stays hot, such as indexing an archive for seconds, is still optimized. This process
// only: the extension host's V8 is VS Code's.
v8.setFlagsFromString(`--interrupt-budget=${8 * 66 * 1024}`);
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('docker-layers: dist/cli.js is missing; run "npm run build" first\n');
  process.exit(1);
}
require(bundle)
  .main(process.argv.slice(2))
  // exitCode rather than exit(): exit() can cut off output still queued for a pipe.
  .then((code) => { process.exitCode = code; }, (error) => {
    process.stderr.write(`docker-layers: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
