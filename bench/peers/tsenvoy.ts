// tsenvoy as a peer: a bootstrap with one listener (HCM + router, or tcp_proxy) to a STATIC cluster
// holding the scenario's upstream, one worker. Ready means admin /ready says LIVE and the listener
// listens; anything short of that is a reason ("unavailable: ...") rather than a failed run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { oneCpuNodeFlags } from '../lib/cores';
import { tsenvoyCommand } from '../lib/paths';
import { freePort, waitListening } from '../lib/ports';
import { lastLine, startProcess } from '../lib/procs';
import { pollLive } from '../lib/ready';
import type { PeerContext, Started } from './types';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

function socket(port: number): object {
  return { socket_address: { address: '127.0.0.1', port_value: port } };
}

function networkFilter(mode: 'http' | 'tcp'): object {
  if (mode === 'tcp') {
    return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: 'bench_tcp', cluster: 'bench_upstream' } };
  }
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM,
      stat_prefix: 'bench_http',
      route_config: {
        name: 'bench',
        virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'bench_upstream' } }] }],
      },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
    },
  };
}

export function benchBootstrap(mode: 'http' | 'tcp', adminPort: number, port: number, upstreamPort: number): object {
  return {
    node: { id: 'bench', cluster: 'bench' },
    admin: { address: socket(adminPort) },
    static_resources: {
      listeners: [{ name: `bench_${mode}`, address: socket(port), filter_chains: [{ filters: [networkFilter(mode)] }] }],
      clusters: [{
        name: 'bench_upstream',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: { cluster_name: 'bench_upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: socket(upstreamPort) } }] }] },
      }],
    },
  };
}

export async function startTsenvoy(mode: 'http' | 'tcp', ctx: PeerContext): Promise<Started> {
  const cmd = tsenvoyCommand();
  if (cmd.missing) return { ok: false, reason: cmd.missing };
  const [adminPort, port] = [await freePort(), await freePort()];
  const file = path.join(fs.mkdtempSync(path.join(ctx.tmp, 'tsenvoy-')), 'bootstrap.json');
  fs.writeFileSync(file, JSON.stringify(benchBootstrap(mode, adminPort, port, ctx.upstreamPort), null, 2));
  const proc = startProcess('tsenvoy', process.execPath, [...oneCpuNodeFlags(ctx.cpu !== undefined), ...cmd.args, '-c', file, '--concurrency', '1', '-l', 'warning'], { cpu: ctx.cpu });
  const alive = (): boolean => proc.exitStatus === undefined;
  const live = await pollLive(adminPort, 15_000, alive, 10);
  let reason: string | undefined;
  if ('reason' in live) reason = live.reason;
  else if (!(await waitListening(port, 5000, alive))) reason = `listener on ${port} did not open after LIVE`;
  if (!reason) return { ok: true, peer: { name: 'tsenvoy', port, proc } };
  await proc.stop();
  return { ok: false, reason: `${reason}: ${lastLine(proc)}` };
}
