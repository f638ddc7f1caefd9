// Connection-setup latency: connect, send one byte, wait for its echo, close. Rounds go
// sequentially and interleave the given ports (direct, proxy A, proxy B, direct, ...) so that
// noise from a busy machine lands on all of them alike. `warmup` unrecorded rounds first; a 90 s
// deadline bounds it all. Prints one JSON line: per port, microseconds at p50/p99.
// Usage: node connect-latency.js <count> <warmup> <port> [port ...]
import * as net from 'node:net';

function once(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    s.once('connect', () => s.write('x'));
    s.once('data', () => {
      const us = Number(process.hrtime.bigint() - t0) / 1000;
      s.destroy();
      resolve(us);
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed before the echo')));
    s.setTimeout(2000, () => s.destroy(new Error('timeout')));
  });
}

interface PortResult { port: number; n: number; errors: number; lastError: string; p50Us: number | null; p99Us: number | null }

async function main(): Promise<void> {
  const [count, warmup, ...ports] = process.argv.slice(2).map(Number);
  const deadline = Date.now() + 90_000;
  const samples = ports.map(() => [] as number[]);
  const errors = ports.map(() => 0);
  const lastError = ports.map(() => '');
  for (let round = 0; round < warmup + count && Date.now() < deadline; round++) {
    for (let i = 0; i < ports.length; i++) {
      if (errors[i] > 20) continue; // a broken target stops costing time
      try {
        const us = await once(ports[i]);
        if (round >= warmup) samples[i].push(us);
      } catch (e) {
        errors[i]++;
        lastError[i] = (e as Error).message;
      }
    }
  }
  const out: PortResult[] = ports.map((port, i) => {
    const s = samples[i].sort((a, b) => a - b);
    const pick = (p: number): number | null => (s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null);
    return { port, n: s.length, errors: errors[i], lastError: lastError[i], p50Us: pick(50), p99Us: pick(99) };
  });
  console.log(JSON.stringify(out));
}

void main();
