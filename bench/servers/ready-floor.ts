// The cold-start floor: the least a Node process can do to answer admin /ready with LIVE (an empty
// http server), so tsenvoy's start time reads against what Node itself costs on this machine.
// Usage: node ready-floor.js <adminPort>
import * as http from 'node:http';

http.createServer((req, res) => res.end(req.url === '/ready' ? 'LIVE\n' : '')).listen(Number(process.argv[2]), '127.0.0.1');
