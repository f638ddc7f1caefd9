// Polls Envoy's admin /ready until it answers LIVE: the moment the cold-start scenario measures and
// the gate every tsenvoy peer passes before load starts.
import * as http from 'node:http';

/** One GET /ready: the trimmed body, or undefined when nothing answers (yet). */
export function getReady(port: number, host = '127.0.0.1'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/ready', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body.trim()));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/**
 * GETs /ready every `intervalMs` (one in flight at a time) until it says LIVE. Returns the
 * hrtime (ns) at which LIVE arrived, or a reason: timeout, or the process died.
 */
export async function pollLive(
  port: number,
  timeoutMs: number,
  alive: () => boolean,
  intervalMs = 2,
): Promise<{ at: bigint } | { reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  while (Date.now() < deadline) {
    last = await getReady(port);
    if (last === 'LIVE') return { at: process.hrtime.bigint() };
    if (!alive()) return { reason: 'the process exited before /ready said LIVE' };
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return { reason: `/ready did not say LIVE within ${timeoutMs} ms (last answer: ${last ?? 'none'})` };
}
