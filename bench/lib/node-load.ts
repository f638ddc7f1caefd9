// A small bounded HTTP load from Node itself (keep-alive agent, C concurrent loops): the smoke
// test's generator, where wrk may be absent and speed does not matter.
import * as http from 'node:http';
import type { LoadResult } from './load-result';
import { percentile } from './report';

function get(port: number, agent: http.Agent): Promise<{ ok: boolean; ms: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ok: res.statusCode === 200, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', () => resolve({ ok: false, ms: 0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ok: false, ms: 0 }));
  });
}

export async function nodeLoad(port: number, requests: number, connections: number, timeoutMs = 10_000): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const deadline = Date.now() + timeoutMs;
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  const t0 = Date.now();
  const loop = async (): Promise<void> => {
    while (issued < requests && Date.now() < deadline) {
      issued++;
      const r = await get(port, agent);
      if (r.ok) latencies.push(r.ms);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  const seconds = (Date.now() - t0) / 1000;
  return {
    requests: latencies.length + errors,
    seconds,
    rps: latencies.length / Math.max(seconds, 1e-3),
    p50Ms: latencies.length ? percentile(latencies, 50) : undefined,
    p99Ms: latencies.length ? percentile(latencies, 99) : undefined,
    errors,
  };
}
