// Micro benchmark: the whole HTTP/1 proxy path in JavaScript, without the kernel. One downstream
// connection and one pooled upstream connection are in-memory sockets (net.connect is replaced in
// this process only); each round feeds a request head to the connection manager, answers the
// request head the router writes upstream with a small nginx-like response, and checks the
// response written downstream. What is left is exactly our code per request (parser, connection
// manager, managed headers, route, router, pool, stats), the number that machine noise hides in
// the macro scenario. Bounded: a fixed count per round, best of 5 rounds; prints ns/request.
//   node .build/<dir>/bench/micro/hcm-request.js
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { buildBenchHcm } from '../servers/tsenvoy-hcm';

const REQUESTS = 100_000;
const ROUNDS = 5;

/** The parts of net.Socket the connection manager and the pool use. */
class MemorySocket extends EventEmitter {
  written: (string | Buffer)[] = [];
  destroyed = false;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40000;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 10000;
  setNoDelay(): this {
    return this;
  }
  write(chunk: string | Buffer): boolean {
    this.written.push(chunk);
    return true;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
  take(): string {
    const s = this.written.map((c) => (typeof c === 'string' ? c : c.toString('latin1'))).join('');
    this.written = [];
    return s;
  }
}

let upstream: MemorySocket | undefined;
/** The pool reads through net's `onread` (a buffer of its own and a callback), as a real socket does. */
let upstreamOnread: { buffer: Uint8Array; callback(n: number, b: Uint8Array): unknown } | undefined;
// The module object itself (the compiled `import * as net` is a view of getters onto it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('node:net') as { connect: unknown }).connect = (opts: { onread?: typeof upstreamOnread }): MemorySocket => {
  const s = new MemorySocket();
  upstream = s;
  upstreamOnread = opts.onread;
  process.nextTick(() => s.emit('connect'));
  return s;
};

/** Upstream bytes arrive as a read on the pool's buffer (or a 'data' event if it has none). */
function upstreamRead(up: MemorySocket, data: Buffer): void {
  if (upstreamOnread === undefined) {
    up.emit('data', data);
    return;
  }
  upstreamOnread.buffer.set(data);
  upstreamOnread.callback(data.length, upstreamOnread.buffer);
}

const REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:10000\r\n\r\n', 'latin1');
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 25 Nov 2025 22:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nhello, bench\n',
  'latin1',
);

async function main(): Promise<void> {
  const hcm = buildBenchHcm(10001);
  const down = new MemorySocket();
  hcm.handleConnection(down as unknown as net.Socket);
  // First request: the pool connects (the fake 'connect' comes on the next tick).
  down.emit('data', REQUEST);
  await new Promise((r) => setImmediate(r));
  const up = upstream!;
  if (!up.take().startsWith('GET / HTTP/1.1\r\n')) throw new Error('no request upstream');
  upstreamRead(up, RESPONSE);
  await new Promise((r) => setImmediate(r));
  const first = down.take();
  if (!first.startsWith('HTTP/1.1 200 OK\r\n') || !first.endsWith('hello, bench\n')) throw new Error(`bad response: ${first}`);

  const one = (): void => {
    down.emit('data', REQUEST);
    up.written.length = 0;
    upstreamRead(up, RESPONSE);
  };
  let best = Infinity;
  let writes = 0;
  for (let r = 0; r < ROUNDS + 1; r++) {
    writes = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < REQUESTS; i++) {
      one();
      writes += down.written.length;
      down.written.length = 0;
    }
    const ns = Number(process.hrtime.bigint() - t0) / REQUESTS;
    if (r > 0 && ns < best) best = ns; // round 0 warms up
    await new Promise((res) => setImmediate(res)); // let timers and ticks run between rounds
  }
  // Writes per response: 1 means head and body left in one socket.write.
  console.log(`${'HCM + router + pool, GET with 1 header, 13 B response'.padEnd(60)} ${best.toFixed(0).padStart(8)} ns/request, ${(writes / REQUESTS).toFixed(2)} writes/response`);
  process.exit(0);
}

void main();
