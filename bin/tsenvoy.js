#!/usr/bin/env node
'use strict';
// Launcher for `npx tsenvoy`: the compiled server lives in dist/ (built by `npm install`).
let main;
try {
  main = require('../dist/proxy/server/main.js').main;
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND') {
    process.stderr.write("tsenvoy: not built yet (dist/ is missing): run 'npm install' or 'npm run build' in the tsenvoy folder\n");
    process.exit(1);
  }
  throw e;
}
main(process.argv.slice(2));
