// Starts a peer process and waits until its port listens; a peer that exits or never listens
// becomes a reason string instead of an exception, so the scenario reports it and goes on.
import { freePort, waitListening } from '../lib/ports';
import { lastLine, startProcess, StartOptions } from '../lib/procs';
import type { Started } from './types';

export const LISTEN_TIMEOUT_MS = 10_000;

export async function startListening(
  name: string,
  cmd: string,
  args: (port: number) => readonly string[],
  opts: StartOptions & { readonly port?: number } = {},
): Promise<Started> {
  const port = opts.port ?? (await freePort());
  const proc = startProcess(name, cmd, args(port), opts);
  const up = await waitListening(port, LISTEN_TIMEOUT_MS, () => proc.exitStatus === undefined);
  if (up) return { ok: true, peer: { name, port, proc } };
  await proc.stop();
  const how = proc.exitStatus === undefined ? `did not listen on ${port} within ${LISTEN_TIMEOUT_MS} ms` : `exited (${proc.exitStatus})`;
  return { ok: false, reason: `${name} ${how}: ${lastLine(proc)}` };
}
