// The HTTP upstream every proxy in the http scenario talks to: raw `net`, HTTP/1.1 keep-alive, one
// fixed small response per request head, pipelining allowed. It parses only the blank line that ends
// a head (bench proxies send GETs without bodies), so it is never the bottleneck.
// Usage: node upstream-http.js <port>
import * as net from 'node:net';

export const BODY = 'hello, bench\n';
const RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  'latin1',
);
const CR = 13;
const LF = 10;

/** Per-connection state: how much of "\r\n\r\n" was seen at the end of the last chunk. */
class Conn {
  matched = 0;
  constructor(readonly socket: net.Socket) {}

  onData(chunk: Buffer): void {
    let heads = 0;
    let m = this.matched;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === (m & 1 ? LF : CR)) {
        if (++m === 4) {
          heads++;
          m = 0;
        }
      } else {
        m = b === CR ? 1 : 0;
      }
    }
    this.matched = m;
    if (heads === 1) this.socket.write(RESPONSE);
    else if (heads > 1) this.socket.write(Buffer.concat(new Array<Buffer>(heads).fill(RESPONSE)));
  }
}

function onConnection(socket: net.Socket): void {
  socket.setNoDelay(true);
  const c = new Conn(socket);
  socket.on('data', (d: Buffer) => c.onData(d));
  socket.on('error', () => socket.destroy());
}

export function listenUpstream(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer(onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (require.main === module) void listenUpstream(Number(process.argv[2]));
