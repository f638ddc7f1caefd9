// iperf3 for TCP throughput: a one-shot server (-s -1) per test and a client with -J, both pinned to
// the load core; the received rate of the whole test is the number.
import { waitListening } from './ports';
import { lastLine, startProcess } from './procs';

export async function iperfServer(bin: string, port: number, cpu: number | undefined) {
  const proc = startProcess('iperf3 server', bin, ['-s', '-1', '-p', String(port)], { cpu });
  if (!(await waitListening(port, 10_000, () => proc.exitStatus === undefined))) {
    await proc.stop();
    throw new Error(`iperf3 server did not listen: ${lastLine(proc)}`);
  }
  return proc;
}

/** Gbit/s received over `seconds` with `streams` parallel streams to 127.0.0.1:port. */
export async function iperfClient(bin: string, port: number, streams: number, seconds: number, cpu: number | undefined): Promise<number> {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-P', String(streams), '-J'];
  const proc = startProcess('iperf3 client', bin, args, { cpu, keepBytes: 16 << 20 });
  const guard = setTimeout(() => void proc.stop(), (seconds + 20) * 1000);
  await proc.exited;
  clearTimeout(guard);
  let doc: { error?: string; end?: { sum_received?: { bits_per_second?: number } } };
  try {
    doc = JSON.parse(proc.output());
  } catch {
    throw new Error(`iperf3 -P ${streams}: no JSON (${proc.exitStatus}): ${lastLine(proc)}`);
  }
  const bps = doc.end?.sum_received?.bits_per_second;
  if (doc.error || !bps) throw new Error(`iperf3 -P ${streams}: ${doc.error ?? 'no sum_received in the result'}`);
  return bps / 1e9;
}
