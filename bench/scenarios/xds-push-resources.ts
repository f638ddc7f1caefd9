// The xds-push scenario's resources, Istio-shaped: N clusters named
// `outbound|80||svc-<i>.bench.svc.cluster.local`, each with one loopback endpoint (EDS with the
// cluster name as service_name, as Istio does, or STATIC with an inline load_assignment), and one
// route configuration with a virtual host per cluster (domains `svc-<i>...` and `svc-<i>...:80`)
// next to the base host that carries the steady load (no `*` host: a service whose route has not
// arrived yet answers 404, one whose cluster is not warm yet 503, so a 200 means usable). Encoded once per size and kept, so a push
// costs the control plane only the write.
import { encodeResource } from '../../test/xds/control-plane';
import { cla, hcmListener } from '../../test/integration/xds-support';
import { CLUSTER, ENDPOINT, LISTENER, ROUTE } from '../../xds-client/type-urls';

type Obj = Record<string, unknown>;

export const PUSH_MODES = ['eds', 'static'] as const;
export type PushMode = (typeof PUSH_MODES)[number];

export const ROUTE_NAME = 'bench_routes';
export const LISTENER_NAME = 'bench_listener';
export const BASE_CLUSTER = 'bench_base';
export const BASE_HOST = 'base.bench';

export function serviceHost(i: number): string {
  return `svc-${i}.bench.svc.cluster.local`;
}

export function clusterName(i: number): string {
  return `outbound|80||${serviceHost(i)}`;
}

function cluster(i: number, mode: PushMode, upstreamPort: number): Obj {
  const name = clusterName(i);
  const common = { name, connect_timeout: 10_000, lb_policy: 'LEAST_REQUEST' };
  if (mode === 'static') return { ...common, type: 'STATIC', load_assignment: cla(name, [upstreamPort]) };
  return { ...common, type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: 0, resource_api_version: 'V3' }, service_name: name } };
}

function baseVirtualHost(): Obj {
  if (process.env.BENCH_XDS_DIRECT === '1') return { name: 'base', domains: [BASE_HOST], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'ok' } } }] };
  return { name: 'base', domains: [BASE_HOST], routes: [{ match: { prefix: '/' }, route: { cluster: BASE_CLUSTER } }] };
}

export function routeConfig(n: number): Obj {
  const vhosts: Obj[] = [];
  for (let i = 0; i < n; i++) {
    const h = serviceHost(i);
    vhosts.push({ name: `${h}:80`, domains: [h, `${h}:80`], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: clusterName(i), timeout: 0 } }] });
  }
  vhosts.push(baseVirtualHost());
  return { name: ROUTE_NAME, virtual_hosts: vhosts };
}

export function listener(port: number): Obj {
  return hcmListener(LISTENER_NAME, port, { rds: ROUTE_NAME }, 'bench');
}

export function baseCluster(upstreamPort: number): Obj {
  return { name: BASE_CLUSTER, type: 'STATIC', connect_timeout: '1s', load_assignment: cla(BASE_CLUSTER, [upstreamPort]) };
}

export interface EncodedPush {
  readonly n: number;
  readonly mode: PushMode;
  readonly clusters: Record<string, Buffer>;
  readonly endpoints: Record<string, Buffer>;
  readonly routes: Record<string, Buffer>;
  /** Bytes on the wire, roughly (resource bodies only). */
  readonly bytes: number;
}

export function encodePush(n: number, mode: PushMode, upstreamPort: number): EncodedPush {
  const clusters: Record<string, Buffer> = {};
  const endpoints: Record<string, Buffer> = {};
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const name = clusterName(i);
    bytes += (clusters[name] = encodeResource(CLUSTER, cluster(i, mode, upstreamPort))).length;
    if (mode === 'eds') bytes += (endpoints[name] = encodeResource(ENDPOINT, cla(name, [upstreamPort]))).length;
  }
  const routes = { [ROUTE_NAME]: encodeResource(ROUTE, routeConfig(n)) };
  bytes += routes[ROUTE_NAME].length;
  return { n, mode, clusters, endpoints, routes, bytes };
}

export { CLUSTER, ENDPOINT, LISTENER, ROUTE };
