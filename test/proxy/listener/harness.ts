// Shared by the listener and network tests: canonical configs decoded from JSON like the real
// loader does, a real cluster manager and listener manager with a stats store, and small real
// TCP peers on loopback.
import * as net from 'node:net';
import type { Canonical } from '../../../proxy/config/canonical';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { registerListenerFilters } from '../../../proxy/listener/filters/register';
import { ListenerManager, ListenerManagerOptions } from '../../../proxy/listener/listener-manager';
import { registerNetworkFilters } from '../../../proxy/network/register';
import { registerRecognised } from '../../../proxy/registry/recognised';
import { ExtensionRegistry } from '../../../proxy/registry/registry';
import { createStatsStore, StatsStore } from '../../../proxy/stats/stats-store';
import { ClusterManagerImpl } from '../../../proxy/upstream/cluster-manager';
import type { ConnectionPool } from '../../../proxy/upstream/types';

export function decode(type: string, json: object): Canonical {
  const d = decodeJson(envoySchema(), type, json);
  if (!d.ok) throw new Error(d.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return d.value;
}

export const decodeListener = (json: object): Canonical => decode('envoy.config.listener.v3.Listener', json);

export const TCP_PROXY = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
export const DIRECT_RESPONSE = 'type.googleapis.com/envoy.extensions.filters.network.direct_response.v3.Config';

/** A filter chain answering its own name (direct_response), so a client sees which chain won. */
export function namedChain(name: string, match?: object): object {
  return {
    name,
    ...(match ? { filter_chain_match: match } : {}),
    filters: [{ name: 'envoy.filters.network.direct_response', typed_config: { '@type': DIRECT_RESPONSE, response: { inline_string: name } } }],
  };
}

export function tcpProxyChain(name: string, cluster: string, match?: object, extra: object = {}): object {
  return {
    name,
    ...(match ? { filter_chain_match: match } : {}),
    filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY, stat_prefix: name, cluster, ...extra } }],
  };
}

class NoPool implements ConnectionPool {
  drain(): void {}
  destroy(): void {}
}

export interface Env {
  readonly registry: ExtensionRegistry;
  readonly store: StatsStore;
  readonly cm: ClusterManagerImpl;
  readonly lm: ListenerManager;
  close(): Promise<void>;
}

export function newEnv(opts: Partial<ListenerManagerOptions> = {}, clusters: object[] = []): Env {
  const registry = new ExtensionRegistry();
  registerListenerFilters(registry);
  registerNetworkFilters(registry);
  registerRecognised(registry);
  const store = createStatsStore();
  const cm = new ClusterManagerImpl({ stats: store, pools: { http1: () => new NoPool() }, registry });
  const issues = cm.addStaticClusters(clusters.map((c) => decode('envoy.config.cluster.v3.Cluster', c)));
  if (issues.length) throw new Error(issues.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const lm = new ListenerManager({
    registry,
    stats: store,
    filterContext: { registry, stats: store, clusterManager: cm },
    drainTimeMs: 200,
    ...opts,
  });
  return {
    registry,
    store,
    cm,
    lm,
    async close() {
      await lm.stop();
      cm.shutdown?.();
    },
  };
}

export async function addListener(env: Env, json: object): Promise<void> {
  const r = await env.lm.addOrUpdateListener(decodeListener(json));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
}

export function counter(store: StatsStore, name: string): number | undefined {
  for (const c of store.counters()) if (c.name === name) return c.value;
  return undefined;
}

export function gauge(store: StatsStore, name: string): number | undefined {
  for (const g of store.gauges()) if (g.name === name) return g.value;
  return undefined;
}

/** A port that was free a moment ago on `host`. */
export { freePort } from '../../support/ports';

export interface ProbeResult {
  readonly data: string;
  readonly closedWithoutData: boolean;
}

/** Connects, writes `payload`, and returns everything received until the proxy closes. */
export function probe(port: number, opts: { host?: string; localAddress?: string; payload?: Buffer | string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: opts.host ?? '127.0.0.1', localAddress: opts.localAddress });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`probe to ${opts.host ?? '127.0.0.1'}:${port} timed out`));
    }, opts.timeoutMs ?? 3000);
    s.on('connect', () => {
      if (opts.payload !== undefined) s.write(opts.payload);
    });
    s.on('data', (d) => chunks.push(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString());
    });
  });
}

/** A TCP server recording what each connection sent; `reply` answers every connection. */
export class RecordingServer {
  readonly server: net.Server;
  readonly received: Buffer[][] = [];
  readonly sockets: net.Socket[] = [];
  port = 0;
  constructor(
    private readonly reply?: (s: net.Socket, index: number) => void,
    opts: net.ServerOpts = { allowHalfOpen: true },
  ) {
    this.server = net.createServer(opts, (s) => {
      const idx = this.received.length;
      const chunks: Buffer[] = [];
      this.received.push(chunks);
      this.sockets.push(s);
      s.on('data', (d) => chunks.push(d));
      s.on('error', () => undefined);
      if (this.reply) this.reply(s, idx);
    });
  }
  async listen(host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, host, r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }
  bytes(i: number): Buffer {
    return Buffer.concat(this.received[i] ?? []);
  }
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export function staticCluster(name: string, port: number, host = '127.0.0.1', extra: object = {}): object {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }],
    },
    ...extra,
  };
}

export function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error('condition not reached in time'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** The first bytes node:tls sends as a client (its ClientHello) for these options. */
export async function captureClientHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const tls = await import('node:tls');
  return new Promise((resolve, reject) => {
    const srv = net.createServer((s) => {
      s.once('data', (d) => {
        resolve(d);
        s.destroy();
        srv.close();
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      const c = tls.connect({ port, host: '127.0.0.1', servername: opts.servername, ALPNProtocols: opts.ALPNProtocols, rejectUnauthorized: false });
      c.on('error', () => undefined);
      setTimeout(() => reject(new Error('no ClientHello')), 3000).unref();
    });
  });
}
