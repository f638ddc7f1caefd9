// Peer "tsenvoy hcm": tsenvoy's HTTP data plane without the server around it: the
// HttpConnectionManager built from the same HCM JSON the bench bootstrap uses (validated by the
// real decoder), served on a plain net.Server, routing to a STATIC one-host cluster with the real
// HTTP/1 pool. It measures the proxy path alone (codec, HCM, router, pool) until the server wiring
// lands, and afterwards stays as the floor the full process is compared with.
// Usage: node tsenvoy-hcm.js <listenPort> <upstreamPort>
import * as net from 'node:net';
import { decodeJson } from '../../proxy/config/proto-json';
import { envoySchema } from '../../proxy/config/schema/schema';
import { AccessLogManager } from '../../proxy/http/access-log/log-writer';
import { HCM_TYPE } from '../../proxy/http/hcm-config';
import { HttpConnectionManager } from '../../proxy/http/http-connection-manager';
import { registerHttp } from '../../proxy/http/register';
import { ExtensionRegistry } from '../../proxy/registry/registry';
import { registerRecognised } from '../../proxy/registry/recognised';
import { buildRouteTable } from '../../proxy/router/route-table';
import { createStatsStore } from '../../proxy/stats';
import { http1PoolFactory } from '../../proxy/upstream/http1-pool';
import type { Cluster, ClusterInfo, ClusterManager, ConnectionPool, Host, HostStats, ResourceLimit } from '../../proxy/upstream/types';

const HCM = {
  stat_prefix: 'bench_http',
  route_config: {
    name: 'bench',
    virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'bench_upstream' } }] }],
  },
  http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
};

class Limit implements ResourceLimit {
  count = 0;
  constructor(readonly max: number) {}
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

class StaticHost implements Host {
  readonly address: Host['address'];
  readonly addressString: string;
  readonly hostname = '';
  readonly weight = 1;
  readonly priority = 0;
  readonly locality = { region: '', zone: '', sub_zone: '' };
  readonly metadata = undefined;
  readonly stats: HostStats = { cx_total: 0, cx_active: 0, cx_connect_fail: 0, rq_total: 0, rq_active: 0, rq_success: 0, rq_error: 0, rq_timeout: 0 };
  constructor(ip: string, port: number) {
    this.address = { kind: 'socket', ip, port, family: 4 };
    this.addressString = `${ip}:${port}`;
  }
  healthy(): boolean {
    return true;
  }
  putHttpResponseCode(): void {}
  putResult(): void {}
}

/** Envoy's default circuit breakers (1024 each, 3 retries). */
function resources(): ClusterInfo['resources']['default'] {
  return { connections: new Limit(1024), pendingRequests: new Limit(1024), requests: new Limit(1024), retries: new Limit(3) };
}

class StaticCluster implements Cluster {
  readonly info: ClusterInfo;
  private pool: ConnectionPool | undefined;
  constructor(
    name: string,
    private readonly host: Host,
    stats: unknown,
  ) {
    this.info = {
      name,
      observabilityName: name,
      connectTimeoutMs: 1000,
      perConnectionBufferLimitBytes: 1024 * 1024,
      maxRequestsPerConnection: 0,
      idleTimeoutMs: 3_600_000,
      maxConnectionDurationMs: 0,
      resources: { default: resources(), high: resources() },
      stats,
    };
  }
  chooseHost(): Host {
    return this.host;
  }
  connectionPool(): ConnectionPool {
    if (this.pool === undefined) this.pool = http1PoolFactory(this.host, this.info);
    return this.pool;
  }
}

/** The bench's HCM routing everything to one STATIC host at 127.0.0.1:upstreamPort. */
export function buildBenchHcm(upstreamPort: number): HttpConnectionManager {
  const decoded = decodeJson(envoySchema(), HCM_TYPE, HCM);
  if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors));
  const registry = new ExtensionRegistry();
  registerHttp(registry);
  registerRecognised(registry);
  const store = createStatsStore();
  const cluster = new StaticCluster('bench_upstream', new StaticHost('127.0.0.1', upstreamPort), store.scope('cluster.bench_upstream.'));
  const cm: ClusterManager = { get: (name) => (name === 'bench_upstream' ? cluster : undefined) };
  return new HttpConnectionManager(decoded.value, {
    registry,
    stats: store,
    clusterManager: cm,
    accessLogManager: new AccessLogManager({ flushIntervalMs: 1000 }),
    routeSourceFor: (spec) => {
      if (spec.kind !== 'inline') throw new Error('inline route_config only');
      const t = buildRouteTable(spec.config);
      if (!t.ok) throw new Error(JSON.stringify(t.errors));
      return t.value;
    },
  });
}

export function startHcmPeer(listenPort: number, upstreamPort: number): net.Server {
  const hcm = buildBenchHcm(upstreamPort);
  const server = net.createServer({ noDelay: true }, (s) => hcm.handleConnection(s));
  server.listen(listenPort, '127.0.0.1');
  return server;
}

if (require.main === module) {
  startHcmPeer(Number(process.argv[2]), Number(process.argv[3]));
  // A normal exit on the bench's SIGTERM, so --cpu-prof (BENCH_HCM_NODE_ARGS) writes its profile.
  process.once('SIGTERM', () => process.exit(0));
}
