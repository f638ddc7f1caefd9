// A paced HTTP load in its own process, so the bench's control plane (encoding and writing a
// 10,000-cluster push) never stalls the clock that times requests. Each of C keep-alive
// connections sends on a fixed schedule (rate / C per second); a request's latency counts from
// the moment it was due, not from when it was sent, so a proxy that stalls its event loop is
// charged for every request that waited (wrk2's correction for coordinated omission).
// Usage: node paced-load.js <port> <host-header> <rate> <connections> <max-seconds> <out-file>
// Ends at max-seconds or on SIGTERM and writes JSON {due: number[], ms: number[], status: number[],
// stalls: [end, ms, ...]}
// with `due` in epoch milliseconds (fractional), comparable across processes.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

const [portArg, host, rateArg, connArg, secondsArg, outFile] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const connections = Number(connArg);
const deadline = performance.now() + Number(secondsArg) * 1000;
const interval = (1000 * connections) / rate;
const epoch = performance.timeOrigin;

const due: number[] = [];
const ms: number[] = [];
const status: number[] = [];
let stopped = false;

function get(agent: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { host }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

async function loop(agent: http.Agent, offset: number): Promise<void> {
  let next = performance.now() + offset;
  while (!stopped && next < deadline) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const code = await get(agent);
    due.push(epoch + next);
    ms.push(performance.now() - next);
    status.push(code);
    next += interval;
  }
}

// The client's own event-loop stalls (epoch ms, length): a stall here is not the proxy's latency.
const stalls: number[] = [];
let tick = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - tick > 20) stalls.push(epoch + now, now - tick);
  tick = now;
}, 5).unref();

function finish(): void {
  fs.writeFileSync(outFile, JSON.stringify({ due, ms, status, stalls }));
  process.exit(0);
}

process.once('SIGTERM', () => {
  stopped = true;
  finish();
});

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
Promise.all(Array.from({ length: connections }, (_, i) => loop(agent, (i * interval) / connections))).then(finish, finish);
