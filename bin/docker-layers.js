#!/usr/bin/env node
// Runs the bundled CLI; `npm install` builds it (the "prepare" script).
const path = require('path');
const fs = require('fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('docker-layers: dist/cli.js is missing; run "npm run build" first\n');
  process.exit(1);
}
require(bundle)
  .runAsProcess(process.argv.slice(2))
  // exitCode rather than exit(): exit() can cut off output still queued for a pipe.
  .then((code) => { process.exitCode = code; }, (error) => {
    process.stderr.write(`docker-layers: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
