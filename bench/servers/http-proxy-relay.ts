// Peer "http-proxy": the npm http-proxy package (bench only, never on tsenvoy's path) with a
// keep-alive agent. Usage: node http-proxy-relay.js <listenPort> <upstreamPort>
import * as http from 'node:http';
import httpProxy from 'http-proxy';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${process.argv[3]}`, agent });
proxy.on('error', (_e, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502);
  res.end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(Number(process.argv[2]), '127.0.0.1');
