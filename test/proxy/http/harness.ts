// Test harness: a real proxy listening on 127.0.0.1:0 (an HttpConnectionManager behind a
// net.Server, as the listener will do), clusters of real hosts with the real HTTP/1 pool, and
// helpers for raw-socket and node:http clients. The cluster manager here is a small stand-in
// implementing proxy/upstream/types.ts until the real one is wired.
import * as http from 'node:http';
import * as net from 'node:net';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { AccessLogManager } from '../../../proxy/http/access-log/log-writer';
import { HCM_TYPE } from '../../../proxy/http/hcm-config';
import { HttpConnectionManager } from '../../../proxy/http/http-connection-manager';
import { registerHttp } from '../../../proxy/http/register';
import { ExtensionRegistry } from '../../../proxy/registry/registry';
import { registerRecognised } from '../../../proxy/registry/recognised';
import { buildRouteTable } from '../../../proxy/router/route-table';
import { createStatsStore, StatsStore } from '../../../proxy/stats';
import { http1PoolFactory } from '../../../proxy/upstream/http1-pool';
import type { Cluster, ClusterInfo, ClusterManager, ConnectionPool, Host, HostStats, LbContext, ResourceLimit } from '../../../proxy/upstream/types';

export class TestResource implements ResourceLimit {
  count = 0;
  constructor(public max: number) {}
  canCreate(): boolean {
    return this.count < this.max;
  }
  inc(): void {
    this.count++;
  }
  dec(): void {
    this.count--;
  }
}

export class TestHost implements Host {
  readonly address: Host['address'];
  readonly addressString: string;
  readonly hostname = '';
  readonly weight = 1;
  readonly priority = 0;
  readonly locality = { region: '', zone: '', sub_zone: '' };
  readonly metadata = undefined;
  readonly stats: HostStats = { cx_total: 0, cx_active: 0, cx_connect_fail: 0, rq_total: 0, rq_active: 0, rq_success: 0, rq_error: 0, rq_timeout: 0 };
  codes: number[] = [];
  results: number[] = [];
  constructor(
    readonly ip: string,
    readonly port: number,
  ) {
    this.address = { kind: 'socket', ip, port, family: 4 };
    this.addressString = `${ip}:${port}`;
  }
  healthy(): boolean {
    return true;
  }
  putHttpResponseCode(code: number): void {
    this.codes.push(code);
  }
  putResult(r: number): void {
    this.results.push(r);
  }
}

export interface ClusterOptions {
  connectTimeoutMs?: number;
  maxRequestsPerConnection?: number;
  idleTimeoutMs?: number;
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export class TestCluster implements Cluster {
  readonly info: ClusterInfo;
  private rr = 0;
  private readonly pools = new Map<Host, ConnectionPool>();
  constructor(
    name: string,
    public hosts: TestHost[],
    store: StatsStore,
    o: ClusterOptions = {},
  ) {
    const res = () => ({
      connections: new TestResource(o.maxConnections ?? 1024),
      pendingRequests: new TestResource(o.maxPendingRequests ?? 1024),
      requests: new TestResource(o.maxRequests ?? 1024),
      retries: new TestResource(o.maxRetries ?? 3),
    });
    this.info = {
      name,
      observabilityName: name,
      connectTimeoutMs: o.connectTimeoutMs ?? 5000,
      perConnectionBufferLimitBytes: 1024 * 1024,
      maxRequestsPerConnection: o.maxRequestsPerConnection ?? 0,
      idleTimeoutMs: o.idleTimeoutMs ?? 3600000,
      maxConnectionDurationMs: 0,
      resources: { default: res(), high: res() },
      stats: store.scope(`cluster.${name}.`),
    };
  }
  chooseHost(ctx: LbContext | undefined): Host | undefined {
    if (this.hosts.length === 0) return undefined;
    const attempts = Math.max(1, ctx?.hostSelectionRetryMaxAttempts ?? 1);
    let h: Host = this.hosts[this.rr++ % this.hosts.length];
    for (let i = 0; i < attempts && ctx?.shouldSelectAnotherHost?.(h); i++) h = this.hosts[this.rr++ % this.hosts.length];
    return h;
  }
  connectionPool(host: Host): ConnectionPool {
    let p = this.pools.get(host);
    if (p === undefined) {
      p = http1PoolFactory(host, this.info);
      this.pools.set(host, p);
    }
    return p;
  }
  pool(host: Host): ConnectionPool | undefined {
    return this.pools.get(host);
  }
  destroy(): void {
    for (const p of this.pools.values()) p.destroy();
  }
}

export class TestClusterManager implements ClusterManager {
  readonly clusters = new Map<string, TestCluster>();
  get(name: string): Cluster | undefined {
    return this.clusters.get(name);
  }
}

export interface Proxy {
  port: number;
  hcm: HttpConnectionManager;
  store: StatsStore;
  cm: TestClusterManager;
  logs: AccessLogManager;
  counter(name: string): number;
  gauge(name: string): number;
  close(): Promise<void>;
}

/** Builds an HCM from Envoy JSON (validated by the real decoder) and serves it on 127.0.0.1:0. */
export async function startProxy(hcmJson: Record<string, unknown>, setup: (cm: TestClusterManager, store: StatsStore) => void, logFlushMs = 50): Promise<Proxy> {
  const decoded = decodeJson(envoySchema(), HCM_TYPE, hcmJson);
  if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors));
  const registry = new ExtensionRegistry();
  registerHttp(registry);
  registerRecognised(registry);
  const store = createStatsStore();
  const cm = new TestClusterManager();
  setup(cm, store);
  const logs = new AccessLogManager({ flushIntervalMs: logFlushMs });
  const hcm = new HttpConnectionManager(decoded.value, {
    registry,
    stats: store,
    clusterManager: cm,
    accessLogManager: logs,
    routeSourceFor: (spec) => {
      if (spec.kind !== 'inline') throw new Error('tests use inline route_config');
      const t = buildRouteTable(spec.config);
      if (!t.ok) throw new Error(JSON.stringify(t.errors));
      return t.value;
    },
  });
  const server = net.createServer((s) => hcm.handleConnection(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const find = (name: string, kind: 'counter' | 'gauge'): number => (kind === 'counter' ? store.counter(name).value : store.gauge(name).value);
  return {
    port,
    hcm,
    store,
    cm,
    logs,
    counter: (n) => find(n, 'counter'),
    gauge: (n) => find(n, 'gauge'),
    close: async () => {
      hcm.destroy();
      for (const c of cm.clusters.values()) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A minimal HCM config routing everything to `cluster`, with extra fields merged in. */
export function hcmConfig(routes: unknown[] | undefined, extra: Record<string, unknown> = {}, filters: unknown[] = []): Record<string, unknown> {
  return {
    stat_prefix: 'ingress',
    route_config: { name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: routes ?? [{ match: { prefix: '/' }, route: { cluster: 'backend' } }] }] },
    http_filters: [...filters, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    ...extra,
  };
}

export interface Upstream {
  port: number;
  host: TestHost;
  server: http.Server;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; rawHeaders: string[] }[];
  connections: number;
  close(): Promise<void>;
}

/** A node:http upstream; `handler` answers (default 200 "ok"). */
export async function startUpstream(handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<Upstream> {
  const u: Partial<Upstream> & { requests: Upstream['requests']; connections: number } = { requests: [], connections: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      u.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, rawHeaders: req.rawHeaders });
      if (handler) handler(req, res, body);
      else res.end('ok');
    });
  });
  server.on('connection', () => u.connections++);
  server.keepAliveTimeout = 60000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  Object.assign(u, {
    port,
    server,
    host: new TestHost('127.0.0.1', port),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
  return u as Upstream;
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(port: number, opts: http.RequestOptions & { body?: string | Buffer; agent?: http.Agent | false } = {}): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false, ...opts }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Sends raw bytes and collects everything until the server closes (or `untilMs`). */
export function rawExchange(port: number, data: string | Buffer, untilMs = 2000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    }, untilMs);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      clearTimeout(t);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    });
    s.write(data);
  });
}

/** A closed local port (connect fails). */
export { freePort as deadPort } from '../../support/ports';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
