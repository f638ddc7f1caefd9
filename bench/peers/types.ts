// Peers: the proxies a scenario starts next to tsenvoy. Each start function writes its config to the
// scenario's temp dir, starts the process pinned to the proxy core, and waits until it listens.
import type { Proc } from '../lib/procs';

export interface RunningPeer {
  readonly name: string;
  /** The loopback port the load generator targets. */
  readonly port: number;
  readonly proc: Proc;
}

export type Started = { readonly ok: true; readonly peer: RunningPeer } | { readonly ok: false; readonly reason: string };

export interface PeerContext {
  readonly tmp: string;
  readonly upstreamPort: number;
  readonly cpu: number | undefined;
}
