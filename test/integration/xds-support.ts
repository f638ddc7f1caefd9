// Shared pieces of the xDS integration tests: real upstream HTTP servers that answer with their
// name, a bootstrap pointing ADS at the test control plane, resource builders, admin readers and
// a bounded load loop that records every failure.
import * as http from 'node:http';
import * as net from 'node:net';
import { ControlPlane } from '../xds/control-plane';
import { httpRequest, ProxyProcess, splitHostPort } from '../support/proxy-process';

type Obj = Record<string, unknown>;

export interface Upstream {
  readonly name: string;
  readonly port: number;
  hits: number;
  close(): Promise<void>;
}

export async function startUpstream(name: string): Promise<Upstream> {
  const srv = http.createServer((req, res) => {
    u.hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name });
      res.end(name);
    });
  });
  srv.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const u: Upstream = {
    name,
    port: (srv.address() as net.AddressInfo).port,
    hits: 0,
    close: () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    }),
  };
  return u;
}

export { freePort } from '../support/ports';

export function xdsBootstrap(cp: ControlPlane, opts: { delta?: boolean; initialFetchTimeout?: string } = {}): Obj {
  const cs = { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: opts.initialFetchTimeout ?? '0s' };
  return {
    node: { id: 'sidecar~127.0.0.1~xds-test.default~default.svc.cluster.local', cluster: 'xds-test.default' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: { clusters: [cp.cluster()] },
    dynamic_resources: {
      ads_config: {
        api_type: opts.delta ? 'DELTA_GRPC' : 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
      },
      cds_config: cs,
      lds_config: cs,
    },
  };
}

export function edsCluster(name: string): Obj {
  return { name, type: 'EDS', connect_timeout: 1000, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: `${name}-svc` } };
}

export function staticCluster(name: string, ports: number[]): Obj {
  return { name, type: 'STATIC', connect_timeout: 1000, load_assignment: cla(name, ports) };
}

export function cla(name: string, ports: number[]): Obj {
  return { cluster_name: name, endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }] };
}

export function hcmListener(name: string, port: number, route: { rds: string } | { inline: Obj }, statPrefix = name): Obj {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: statPrefix,
          ...('rds' in route
            ? { rds: { route_config_name: route.rds, config_source: { ads: {}, resource_api_version: 'V3' } } }
            : { route_config: route.inline }),
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        },
      }],
    }],
  };
}

export function routeTo(name: string, cluster: string): Obj {
  return { name, virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] };
}

export function weightedRoute(name: string, weights: Record<string, number>): Obj {
  return {
    name,
    virtual_hosts: [{
      name: 'vh',
      domains: ['*'],
      routes: [{ match: { prefix: '/' }, route: { weighted_clusters: { clusters: Object.entries(weights).map(([n, w]) => ({ name: n, weight: w })) } } }],
    }],
  };
}

// ---- admin ----

export async function ready(p: ProxyProcess): Promise<string> {
  return (await httpRequest(p.admin, 'GET', '/ready')).body.trim();
}

export async function stat(p: ProxyProcess, name: string): Promise<number | undefined> {
  const body = (await httpRequest(p.admin, 'GET', `/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`)).body;
  const m = body.split('\n').map((l) => l.split(': ')).find(([n]) => n === name);
  return m ? Number(m[1]) : undefined;
}

export async function configDump(p: ProxyProcess): Promise<{ configs: Obj[] }> {
  return JSON.parse((await httpRequest(p.admin, 'GET', '/config_dump?include_eds')).body) as { configs: Obj[] };
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- load ----

export interface LoadResult {
  ok: number;
  readonly failures: string[];
  readonly byUpstream: Map<string, number>;
  /** Upstream names in response order. */
  readonly sequence: string[];
}

/**
 * Sends up to `count` GETs to `hostPort` from `concurrency` keep-alive clients, for at most
 * `maxMs`. A failure is anything but a 200 from an upstream (status, reset, timeout).
 */
export function loadLoop(hostPort: string, count: number, concurrency: number, maxMs: number, pauseMs = 5, keepAlive = true): { done: Promise<LoadResult>; stop(): void } {
  const [host, port] = splitHostPort(hostPort);
  const agent = new http.Agent({ keepAlive, maxSockets: concurrency });
  const res: LoadResult = { ok: 0, failures: [], byUpstream: new Map(), sequence: [] };
  let sent = 0;
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const req = http.get({ host, port, path: `/load/${sent}`, agent }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (d) => (body += d));
        r.on('end', () => {
          if (r.statusCode === 200 && r.headers['x-upstream']) {
            res.ok++;
            res.byUpstream.set(body, (res.byUpstream.get(body) ?? 0) + 1);
            res.sequence.push(body);
          } else res.failures.push(`status ${r.statusCode} flags=${r.headers['x-envoy-response-flags'] ?? ''} body=${body.slice(0, 100)}`);
          resolve();
        });
        r.on('error', (e) => {
          res.failures.push(`response error ${e.message}`);
          resolve();
        });
      });
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.on('error', (e) => {
        res.failures.push(`request error ${(e as NodeJS.ErrnoException).code ?? e.message}`);
        resolve();
      });
    });
  const worker = async (): Promise<void> => {
    while (!stopped && sent < count && Date.now() < deadline) {
      sent++;
      await one();
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
    agent.destroy();
    return res;
  });
  return { done, stop: () => void (stopped = true) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
