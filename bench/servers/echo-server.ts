// TCP echo for the tcp scenario's connection-setup latency: every byte goes straight back.
// Usage: node echo-server.js <port>
import * as net from 'node:net';

const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => s.destroy());
  s.pipe(s);
});
server.listen(Number(process.argv[2]), '127.0.0.1');
