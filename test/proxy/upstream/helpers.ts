// Shared helpers for the upstream tests: JSON/YAML Cluster -> decoded canonical -> ClusterConfig,
// a manager with a stats store, stat readers, and small real upstream servers on 127.0.0.1.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Canonical } from '../../../proxy/config/canonical';
import type { ConfigIssue } from '../../../proxy/config/result';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import { createStatsStore, StatsStore } from '../../../proxy/stats/stats-store';
import { ClusterConfig, parseCluster } from '../../../proxy/upstream/cluster-config';
import { ClusterManagerImpl } from '../../../proxy/upstream/cluster-manager';
import type { ConnectionPool, ConnectionPoolFactory } from '../../../proxy/upstream/types';

export function decodeCluster(json: object): Canonical {
  const d = decodeJson(envoySchema(), 'envoy.config.cluster.v3.Cluster', json);
  if (!d.ok) throw new Error(d.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return d.value;
}

export function config(json: object, path = 'clusters[0]'): ClusterConfig {
  const r = parseCluster(decodeCluster(json), path);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r.value;
}

export function configErrors(json: object, path = 'clusters[0]'): ConfigIssue[] {
  const r = parseCluster(decodeCluster(json), path);
  assert.equal(r.ok, false, 'expected the cluster to be rejected');
  return r.ok ? [] : [...r.errors];
}

/** A pool that only records its lifecycle (LB and manager tests never send traffic through it). */
export class RecordingPool implements ConnectionPool {
  drained = false;
  destroyed = false;
  drain(): void {
    this.drained = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export const recordingPools: ConnectionPoolFactory = () => new RecordingPool();

export function manager(store: StatsStore = createStatsStore()): { cm: ClusterManagerImpl; store: StatsStore } {
  return { cm: new ClusterManagerImpl({ stats: store, pools: { http1: recordingPools } }), store };
}

export function counter(store: StatsStore, name: string): number | undefined {
  for (const c of store.counters()) if (c.name === name) return c.value;
  return undefined;
}

export function gauge(store: StatsStore, name: string): number | undefined {
  for (const g of store.gauges()) if (g.name === name) return g.value;
  return undefined;
}

export function endpoint(ip: string, port: number, extra: object = {}): object {
  return { endpoint: { address: { socket_address: { address: ip, port_value: port } } }, ...extra };
}

/** A STATIC cluster with the given lb_endpoints in one locality (priority 0). */
export function staticCluster(name: string, endpoints: object[], extra: object = {}): object {
  return { name, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: endpoints }] }, ...extra };
}

export function hosts(n: number, basePort = 10000): object[] {
  return Array.from({ length: n }, (_, i) => endpoint('127.0.0.1', basePort + i));
}

export async function until(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface TestHttpServer {
  readonly port: number;
  /** Status to answer with; 0 = never answer. */
  status: number;
  headers: Record<string, string>;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  readonly connections: number;
  close(): Promise<void>;
}

export async function httpServer(status = 200): Promise<TestHttpServer> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const state: TestHttpServer = {
    port: 0,
    status,
    headers: {},
    requests: [],
    get connections() {
      return connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    state.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (state.status === 0) return;
    res.writeHead(state.status, state.headers);
    res.end('ok');
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (state as { port: number }).port = (server.address() as net.AddressInfo).port;
  return state;
}

export interface TestTcpServer {
  readonly port: number;
  /** Reply to each chunk received; undefined = stay silent. */
  reply: Buffer | undefined;
  received: Buffer[];
  connections: number;
  close(): Promise<void>;
}

export async function tcpServer(reply?: Buffer): Promise<TestTcpServer> {
  const sockets = new Set<net.Socket>();
  const state: TestTcpServer = {
    port: 0,
    reply,
    received: [],
    connections: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d) => {
      state.received.push(d);
      if (state.reply !== undefined) s.write(state.reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (state as { port: number }).port = (server.address() as net.AddressInfo).port;
  return state;
}

/** A port nothing listens on (bound then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
