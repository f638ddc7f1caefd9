// Shared pieces of the xDS client tests: a recording watcher, a quiet logger, the canonical
// codec the server wires in, resource builders, and a client pointed at a test control plane.
import { xdsCodec } from '../../proxy/config/xds-codec';
import { envoySchema } from '../../proxy/config/schema/schema';
import { XdsClient, XdsClientOptions } from '../../xds-client/xds-client';
import { ResourceUpdate, TypeWatcher, UpdateOutcome, XdsCodec, XdsLogger } from '../../xds-client/types';
import * as T from '../../xds-client/type-urls';
import { ControlPlane } from './control-plane';

export const codec: XdsCodec = xdsCodec(envoySchema()) as XdsCodec;

export class TestLogger implements XdsLogger {
  readonly lines: string[] = [];
  debug = (): void => undefined;
  info = (m: string, ...a: unknown[]): void => void this.lines.push(fmt('info', m, a));
  warn = (m: string, ...a: unknown[]): void => void this.lines.push(fmt('warn', m, a));
  error = (m: string, ...a: unknown[]): void => void this.lines.push(fmt('error', m, a));
}

function fmt(level: string, m: string, a: unknown[]): string {
  let i = 0;
  return `${level}: ${m.replace(/%[sd]/g, () => String(a[i++]))}`;
}

export class RecordingWatcher implements TypeWatcher {
  readonly updates: ResourceUpdate[] = [];
  readonly dne: string[] = [];
  /** Current state as the proxy would hold it: name -> value. */
  readonly state = new Map<string, unknown>();
  reject: ((u: ResourceUpdate) => UpdateOutcome | undefined) | undefined;
  private waiters: (() => void)[] = [];

  onUpdate(u: ResourceUpdate): UpdateOutcome {
    this.updates.push(u);
    const outcome = this.reject?.(u);
    const bad = new Set(outcome && 'rejected' in outcome ? outcome.rejected.map((r) => r.name) : []);
    for (const n of u.removed) this.state.delete(n);
    for (const r of u.updated) if (!bad.has(r.name)) this.state.set(r.name, r.value);
    this.wake();
    return outcome ?? { accepted: true };
  }

  onResourceDoesNotExist(name: string): void {
    this.dne.push(name);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; updates: ${JSON.stringify(this.updates.map((u) => ({ v: u.versionInfo, up: u.updated.map((r) => r.name), rm: u.removed })))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export interface ClientSetup {
  readonly delta?: boolean;
  readonly setNodeOnFirstMessageOnly?: boolean;
  readonly extra?: Partial<XdsClientOptions>;
}

export function adsConfig(delta: boolean, setNodeOnFirstMessageOnly = true): Record<string, unknown> {
  return {
    api_type: delta ? 'DELTA_GRPC' : 'GRPC',
    transport_api_version: 'V3',
    set_node_on_first_message_only: setNodeOnFirstMessageOnly,
    grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
  };
}

export function newClient(cp: ControlPlane, s: ClientSetup = {}): { client: XdsClient; logger: TestLogger } {
  const logger = new TestLogger();
  const client = new XdsClient({
    node: { id: 'sidecar~127.0.0.1~test.default~default.svc.cluster.local', cluster: 'test.default', metadata: { ISTIO_VERSION: '1.28.0' } },
    adsConfig: adsConfig(s.delta ?? false, s.setNodeOnFirstMessageOnly ?? true),
    clusters: [cp.cluster()],
    codec,
    logger,
    backoff: { baseMs: 20, maxMs: 200 },
    ...s.extra,
  });
  return { client, logger };
}

export function edsCluster(name: string, serviceName = name): Record<string, unknown> {
  return {
    name,
    type: 'EDS',
    connect_timeout: 1000,
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: serviceName },
  };
}

export function cla(name: string, ports: number[]): Record<string, unknown> {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } } })) }],
  };
}

export function listener(name: string, port: number, routeName: string): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
    filter_chains: [{
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: name,
          rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        },
      }],
    }],
  };
}

export function routeConfig(name: string, cluster: string): Record<string, unknown> {
  return { name, virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] };
}

export { T };
