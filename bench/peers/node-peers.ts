// The Node peers: a bare socket pipe, an http.request relay and npm http-proxy, each a script from
// bench/servers/ run in its own process so its CPU and memory are its own.
import { serverScript } from '../lib/paths';
import { startListening } from './start-listening';
import type { PeerContext, Started } from './types';

export type NodePeerKind = 'node-pipe' | 'node-http-relay' | 'http-proxy-relay';

export function startNodePeer(kind: NodePeerKind, name: string, ctx: PeerContext, extra: readonly string[] = []): Promise<Started> {
  const script = serverScript(kind);
  return startListening(name, process.execPath, (port) => [script, String(port), String(ctx.upstreamPort), ...extra], { cpu: ctx.cpu });
}
