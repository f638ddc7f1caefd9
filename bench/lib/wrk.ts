// wrk as the HTTP load generator: 1 thread, 32 keep-alive connections, --latency, pinned to the
// load core. Its text report is parsed for requests/s, p50/p99 and errors.
import { lastLine, startProcess } from './procs';
import type { LoadResult } from './load-result';

export interface WrkOptions {
  readonly bin: string;
  readonly seconds: number;
  readonly connections: number;
  readonly cpu: number | undefined;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === 'us' ? v / 1000 : unit === 'ms' ? v : unit === 's' ? v * 1000 : unit === 'm' ? v * 60_000 : NaN;
}

export function parseWrk(text: string): LoadResult {
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const lat = (p: string): number | undefined => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? toMs(m[1], m[2]) : undefined;
  };
  const done = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(text);
  if (!done) throw new Error(`cannot parse wrk output: ${text.slice(-300)}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const sockErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    requests: Number(done[1]),
    seconds: toMs(done[2], done[3]) / 1000,
    rps: num(/Requests\/sec:\s+([\d.]+)/) ?? 0,
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    errors: (num(/Non-2xx or 3xx responses: (\d+)/) ?? 0) + sockErrors,
  };
}

export async function runWrk(port: number, o: WrkOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', `http://127.0.0.1:${port}/`];
  const p = startProcess('wrk', o.bin, args, { cpu: o.cpu });
  const guard = setTimeout(() => void p.stop(), (o.seconds + 15) * 1000);
  const status = await p.exited;
  clearTimeout(guard);
  if (status !== 0) throw new Error(`wrk exited (${status}): ${lastLine(p)}`);
  return parseWrk(p.output());
}
