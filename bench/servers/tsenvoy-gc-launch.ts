// Starts the tsenvoy compiled next to this bench, with a way for the bench to collect garbage
// before it reads memory: run under `node --expose-gc`, SIGUSR2 runs two full GCs. Envoy has no
// such admin endpoint, so the hook stays in the bench's launcher, not in tsenvoy.
// Usage: node --expose-gc tsenvoy-gc-launch.js <tsenvoy flags>
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  process.on('SIGUSR2', () => {
    gc();
    gc();
    // TSENVOY_BENCH_HEAP_DIR=<dir>: also write a heap snapshot there after each collection.
    const dir = process.env.TSENVOY_BENCH_HEAP_DIR;
    if (dir) v8.writeHeapSnapshot(path.join(dir, `tsenvoy-${Date.now()}.heapsnapshot`));
  });
}
// The same entry bin/tsenvoy.js runs (launch.js reads process.argv itself), else main directly.
const server = path.resolve(__dirname, '..', '..', 'proxy', 'server');
if (fs.existsSync(path.join(server, 'launch.js'))) require(path.join(server, 'launch.js'));
else (require(path.join(server, 'main.js')) as { main(argv: readonly string[]): void }).main(process.argv.slice(2));

// TSENVOY_BENCH_LAG_MS=<n>: print every event-loop stall longer than n ms (epoch ms when it ended),
// and once a `bench-clock <epoch ms> <monotonic µs>` line.
const lagMs = Number(process.env.TSENVOY_BENCH_LAG_MS);
if (lagMs > 0) {
  // Epoch ms and the monotonic clock in µs (a --cpu-prof profile's startTime), to line the two up.
  process.stderr.write(`bench-clock ${Date.now()} ${process.hrtime.bigint() / 1000n}\n`);
  let last = Date.now();
  setInterval(() => {
    const now = Date.now();
    if (now - last > lagMs) process.stderr.write(`bench-lag ${now} ${now - last - 1} ms\n`);
    last = now;
  }, 1).unref();
}
