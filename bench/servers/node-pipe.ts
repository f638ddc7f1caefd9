// Peer "node pipe": the floor for a proxy written in Node. One upstream connection per downstream
// connection, bytes piped both ways, no parsing. Usage: node node-pipe.js <listenPort> <upstreamPort>
import * as net from 'node:net';

const upstreamPort = Number(process.argv[3]);

export function pipeServer(upPort: number): net.Server {
  return net.createServer((down) => {
    const up = net.connect(upPort, '127.0.0.1');
    down.setNoDelay(true);
    up.setNoDelay(true);
    const close = (): void => {
      down.destroy();
      up.destroy();
    };
    down.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
    down.pipe(up);
    up.pipe(down);
  });
}

if (require.main === module) pipeServer(upstreamPort).listen(Number(process.argv[2]), '127.0.0.1');
