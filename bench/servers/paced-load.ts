// A paced HTTP load in its own process, so the bench's control plane (encoding and writing a
// 10,000-cluster push) never stalls the clock that times requests. A request's latency counts from
// the moment it was due, not from when it was sent, so a proxy that stalls its event loop is
// charged for every request that waited (wrk2's correction for coordinated omission).
//
// Two arrival models:
//   open (default): requests are due every 1/rate s and each is sent when due on any idle
//     keep-alive connection; a new connection opens when all are busy, up to <connections>, and
//     past that a request waits for one (the wait is charged). This is a population of clients:
//     one slow response delays that response only.
//   closed: each of <connections> connections sends on its own fixed schedule (rate/connections
//     per second) and waits for its previous response first. One slow response then delays every
//     later request on that connection, and when responses take about the schedule's interval the
//     backlog drains very slowly: at 1000 req/s over 8 connections (8 ms apart) a 40 ms hiccup
//     left requests 250 ms late for half a second. That is the client's queue, not the proxy's.
// Usage: node paced-load.js <port> <host-header> <rate> <connections> <max-seconds> <out-file> [open|closed]
// Ends at max-seconds or on SIGTERM and writes JSON {due, ms, late, conn, status: number[],
// stalls: [end, ms, ...], connections: number} with `due` in epoch milliseconds (fractional),
// comparable across processes; `late` is how long after its due time a request got a connection.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

const [portArg, host, rateArg, connArg, secondsArg, outFile, modeArg] = process.argv.slice(2);
const port = Number(portArg);
const rate = Number(rateArg);
const connections = Number(connArg);
const deadline = performance.now() + Number(secondsArg) * 1000;
const epoch = performance.timeOrigin;
const open = modeArg !== 'closed';

const due: number[] = [];
const ms: number[] = [];
const late: number[] = [];
const conn: number[] = [];
const status: number[] = [];
const socketIds = new WeakMap<object, number>();
let opened = 0;
let stopped = false;

/** Sends one request due at `at` (performance.now() time) and records it when it ends. */
function send(agent: http.Agent, at: number, done?: () => void): void {
  let gotSocket = at;
  let id = -1;
  const record = (code: number): void => {
    due.push(epoch + at);
    ms.push(performance.now() - at);
    late.push(gotSocket - at);
    conn.push(id);
    status.push(code);
    done?.();
  };
  const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { host }, timeout: 10_000 }, (res) => {
    res.resume();
    res.on('end', () => record(res.statusCode ?? 0));
    res.on('error', () => record(0));
  });
  req.on('socket', (s) => {
    gotSocket = performance.now();
    if (!socketIds.has(s)) socketIds.set(s, opened++);
    id = socketIds.get(s)!;
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => record(0));
}

/** Open arrivals: one schedule for all, requests sent when due whatever is still in flight. */
function openLoop(agent: http.Agent): Promise<void> {
  const interval = 1000 / rate;
  let next = performance.now();
  let inFlight = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (!stopped && next <= now && next < deadline) {
        inFlight++;
        send(agent, next, () => {
          if (--inFlight === 0 && (stopped || next >= deadline)) resolve();
        });
        next += interval;
      }
      if (stopped || next >= deadline) {
        if (inFlight === 0) resolve();
        return;
      }
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
}

/** Closed: each connection on its own schedule, waiting for its previous response. */
async function closedLoop(agent: http.Agent, offset: number): Promise<void> {
  const interval = (1000 * connections) / rate;
  let next = performance.now() + offset;
  while (!stopped && next < deadline) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await new Promise<void>((r) => send(agent, next, r));
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
  fs.writeFileSync(outFile, JSON.stringify({ due, ms, late, conn, status, stalls, connections: opened }));
  process.exit(0);
}

process.once('SIGTERM', () => {
  stopped = true;
  finish();
});

const agent = new http.Agent({ keepAlive: true, maxSockets: connections, scheduling: 'lifo' });
const run = open
  ? openLoop(agent)
  : Promise.all(Array.from({ length: connections }, (_, i) => closedLoop(agent, (i * (1000 * connections) / rate) / connections)));
run.then(finish, finish);
