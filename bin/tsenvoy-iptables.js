#!/usr/bin/env node
'use strict';
// Launcher for the compiled CLI (npm run build puts it in dist/).
process.exitCode = require('../dist/iptables/cli.js').main(process.argv.slice(2));
