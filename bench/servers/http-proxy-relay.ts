// Peer "http-proxy": the npm http-proxy package (bench only, never on tsenvoy's path) with a
// keep-alive agent, or with its stock settings (Node's default agent: no keep-alive upstream) when
// a third argument `stock` is given. Usage: node http-proxy-relay.js <listenPort> <upstreamPort> [stock]
import * as http from 'node:http';
import httpProxy from 'http-proxy';

const stock = process.argv[4] === 'stock';
const agent = stock ? undefined : new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${process.argv[3]}`, ...(agent ? { agent } : {}) });
proxy.on('error', (_e, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502);
  res.end();
});
http.createServer((req, res) => proxy.web(req, res)).listen(Number(process.argv[2]), '127.0.0.1');
