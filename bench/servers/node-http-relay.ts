// Peer "node http": what a plain Node HTTP proxy costs. http.createServer relaying with
// http.request over a keep-alive agent. Usage: node node-http-relay.js <listenPort> <upstreamPort>
import * as http from 'node:http';

const upstreamPort = Number(process.argv[3]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

http.createServer((req, res) => {
  const up = http.request(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
    (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    },
  );
  up.on('error', () => {
    res.statusCode = 502;
    res.end();
  });
  req.pipe(up);
}).listen(Number(process.argv[2]), '127.0.0.1');
