#!/usr/bin/env node
'use strict';
// Launcher for `npx tsenvoy`: the compiled server lives in dist/ (built by `npm install`), as one
// file with its code cache when the build made them (proxy/server/bundle-loader.ts), else module
// by module from dist/proxy/server/launch.js.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const launch = path.join(dist, 'proxy', 'server', 'launch.js');
const loader = path.join(dist, 'proxy', 'server', 'bundle-loader.js');

if (!(fs.existsSync(loader) && require(loader).runBundle(dist))) {
  if (!fs.existsSync(launch)) {
    process.stderr.write("tsenvoy: not built yet (dist/ is missing): run 'npm install' or 'npm run build' in the tsenvoy folder\n");
    process.exit(1);
  }
  require(launch);
}
