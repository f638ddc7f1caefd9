// Micro benchmark: route matching on an Istio-sized table (200 virtual hosts x 20 routes, each
// host listed under its short, namespaced, FQDN and :port names as Istio's sidecar configs do).
// Bounded: 1e6 lookups per case, best of 5 rounds; prints ns/match. Run after tsc:
//   node .build/<dir>/bench/micro/route-match.js
import { decodeJson } from '../../proxy/config/proto-json';
import { envoySchema } from '../../proxy/config/schema/schema';
import { HeaderMapImpl } from '../../proxy/http/header-map-impl';
import { buildRouteTable } from '../../proxy/router/route-table';
import type { RouteRequest } from '../../proxy/router/types';

const VHOSTS = 200;
const ROUTES = 20;
const ITERATIONS = 1_000_000;
const ROUNDS = 5;

function measure(label: string, fn: (n: number) => number): void {
  fn(100_000);
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    sink += fn(ITERATIONS);
    const ns = Number(process.hrtime.bigint() - t0) / ITERATIONS;
    if (ns < best) best = ns;
  }
  console.log(`${label.padEnd(60)} ${best.toFixed(1).padStart(8)} ns/match${sink < 0 ? ' !' : ''}`);
}

function istioLikeConfig(): unknown {
  const virtual_hosts = [];
  for (let v = 0; v < VHOSTS; v++) {
    const svc = `svc-${v}`;
    const ns = `ns-${v % 10}`;
    const domains = [`${svc}.${ns}.svc.cluster.local`, `${svc}.${ns}.svc.cluster.local:8080`, svc, `${svc}:8080`, `${svc}.${ns}`, `${svc}.${ns}:8080`, `10.96.${v >> 8}.${v & 255}`, `10.96.${v >> 8}.${v & 255}:8080`];
    const routes = [];
    for (let r = 0; r < ROUTES - 2; r++) {
      if (r % 3 === 0) routes.push({ name: `r${r}`, match: { prefix: `/api/v${r}/`, headers: [{ name: 'x-version', string_match: { exact: `v${r}` } }] }, route: { cluster: `outbound|8080|v${r}|${svc}.${ns}.svc.cluster.local`, timeout: '0s' } });
      else if (r % 3 === 1) routes.push({ name: `r${r}`, match: { path: `/exact/${r}` }, route: { cluster: `outbound|8080||${svc}.${ns}.svc.cluster.local` } });
      else routes.push({ name: `r${r}`, match: { prefix: `/p${r}`, case_sensitive: false }, route: { cluster: `outbound|8080||${svc}.${ns}.svc.cluster.local` } });
    }
    routes.push({ name: 'regex', match: { safe_regex: { regex: '/users/[0-9]+/orders' } }, route: { cluster: `outbound|8080||${svc}.${ns}.svc.cluster.local` } });
    routes.push({
      name: 'default',
      match: { prefix: '/' },
      route: { weighted_clusters: { clusters: [{ name: `outbound|8080|v1|${svc}.${ns}.svc.cluster.local`, weight: 90 }, { name: `outbound|8080|v2|${svc}.${ns}.svc.cluster.local`, weight: 10 }] }, retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', num_retries: 2 } },
    });
    virtual_hosts.push({ name: `${svc}.${ns}.svc.cluster.local:8080`, domains, routes });
  }
  virtual_hosts.push({ name: 'allow_any', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'PassthroughCluster' } }] });
  return { name: '8080', virtual_hosts };
}

function request(authority: string, path: string, hs: [string, string][] = []): RouteRequest {
  const h = new HeaderMapImpl();
  for (const [k, v] of hs) h.push(k, v);
  return { method: 'GET', authority, path, scheme: 'http', headers: h };
}

export function runRouteMatchBench(): void {
  const decoded = decodeJson(envoySchema(), 'envoy.config.route.v3.RouteConfiguration', istioLikeConfig());
  if (!decoded.ok) throw new Error(JSON.stringify(decoded.errors.slice(0, 3)));
  const t0 = process.hrtime.bigint();
  const built = buildRouteTable(decoded.value);
  if (!built.ok) throw new Error(JSON.stringify(built.errors.slice(0, 3)));
  console.log(`build ${VHOSTS}x${ROUTES} table: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
  const table = built.value;

  const MASK = 1023;
  const make = (f: (i: number) => RouteRequest): RouteRequest[] => Array.from({ length: MASK + 1 }, (_, i) => f(i));
  const short = make((i) => request(`svc-${i % VHOSTS}:8080`, `/some/path?q=${i}`, [['user-agent', 'curl'], ['x-version', 'v3']]));
  const fqdn = make((i) => request(`svc-${i % VHOSTS}.ns-${i % 10}.svc.cluster.local:8080`, '/exact/1', [['user-agent', 'curl']]));
  const first = make((i) => request(`svc-${i % VHOSTS}`, '/api/v0/items', [['x-version', 'v0']]));
  const regex = make((i) => request(`svc-${i % VHOSTS}`, `/users/${i}/orders`));
  const unknown = make((i) => request(`other-${i}.example.com`, '/'));
  const randoms = Float64Array.from({ length: MASK + 1 }, () => Math.random());

  const run = (reqs: RouteRequest[]) => (n: number): number => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (table.route(reqs[i & MASK], randoms[i & MASK]) !== undefined) hits++;
    return hits;
  };
  measure('last route (weighted catch-all) after 19 misses', run(short));
  measure('exact path, 2nd route, FQDN:port host', run(fqdn));
  measure('first route (prefix + header)', run(first));
  measure('safe_regex route (RE2), 19th route', run(regex));
  measure('unknown host -> "*" vhost', run(unknown));
}

if (require.main === module) runRouteMatchBench();
