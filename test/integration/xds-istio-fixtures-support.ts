// Istio's real artefacts as a test control plane serves them: the default golden bootstrap that
// pilot-agent renders, rewritten only where it must be to run on this host, and the listeners of a
// real sidecar's /config_dump turned back into the LDS resources istiod sent (with the clusters,
// routes and secrets they name synthesised minimally). The fixtures are read in place from
// ../shared/fixtures/istio (never copied into the repository).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as protobuf from 'protobufjs';
import { packageRoot } from '../../proxy/common/package-root';
import { Canonical, RAW_ANY } from '../../proxy/config/canonical';
import { encodeBinary } from '../../proxy/config/proto-binary-encode';
import { decodeJson } from '../../proxy/config/proto-json';
import { envoySchema, typeNameOfUrl } from '../../proxy/config/schema/schema';

type Obj = Record<string, unknown>;

export const ISTIO_FIXTURES = path.join(packageRoot(), '..', 'shared', 'fixtures', 'istio');
export const GOLDEN_BOOTSTRAP = path.join(ISTIO_FIXTURES, 'bootstrap', 'default_golden.json');
export const SIDECAR_LISTENERS = path.join(ISTIO_FIXTURES, 'config_dump', 'sidecar_listeners_configdump.json');

/** The reason to skip, or false when both fixtures are here. */
export function fixturesMissing(): string | false {
  for (const f of [GOLDEN_BOOTSTRAP, SIDECAR_LISTENERS]) if (!fs.existsSync(f)) return `Istio fixture ${f} is absent (see ../shared/fixtures/istio/SOURCES.md)`;
  return false;
}

/**
 * pilot-agent's command line for Envoy (pkg/envoy/proxy.go) after `-c`: -l is left out (startProxy
 * gives `-l info`, and a second -l is an error, as in Envoy); --skip-deprecated-logs is what the
 * agent adds when ProxyConfig asks for it.
 */
export const PILOT_AGENT_FLAGS = [
  '--drain-time-s', '45', '--drain-strategy', 'immediate', '--local-address-ip-version', 'v4',
  '--file-flush-interval-msec', '1000', '--disable-hot-restart', '--allow-unknown-static-fields',
  '--component-log-level', 'misc:error', '--skip-deprecated-logs', '--concurrency', '2',
];

export interface GoldenPorts {
  readonly admin: number;
  readonly prometheus: number;
  readonly status: number;
  /** Where pilot-agent's status server (the `agent` cluster, 15020 in a pod) listens here. */
  readonly agent: number;
}

function staticEndpoint(cluster: Obj): Obj {
  const la = cluster.load_assignment as { endpoints: { lb_endpoints: { endpoint: { address: Obj } }[] }[] };
  return la.endpoints[0].lb_endpoints[0].endpoint.address;
}

/**
 * default_golden.json with the rewrites this host needs and nothing else. Every other field
 * (node, stats_config, layered_runtime, bootstrap_extensions, overload_manager, the DELTA_GRPC
 * ads_config, the listeners' HTTP filters) is pilot-agent's own.
 */
export function goldenBootstrapForTest(xdsSocket: string, sdsSocket: string, ports: GoldenPorts): Obj {
  const b = JSON.parse(fs.readFileSync(GOLDEN_BOOTSTRAP, 'utf8')) as Obj;
  const sr = b.static_resources as { clusters: Obj[]; listeners: Obj[] };
  const cluster = (name: string): Obj => {
    const c = sr.clusters.find((x) => x.name === name);
    if (!c) throw new Error(`default_golden.json has no ${name} cluster`);
    return c;
  };
  // xds-grpc reaches the agent's xDS proxy over the pipe /tmp/XDS (in a pod, ./etc/istio/proxy/XDS):
  // here it is the test control plane's unix socket. The cluster stays a STATIC pipe cluster.
  (staticEndpoint(cluster('xds-grpc')).pipe as Obj).path = xdsSocket;
  // sds-grpc is a pipe to the agent's SDS server (./var/run/secrets/workload-spiffe-uds/test.sock,
  // relative to the agent's working directory, absent here): pointed at a socket the test serves.
  (staticEndpoint(cluster('sds-grpc')).pipe as Obj).path = sdsSocket;
  // The admin port (15000) and the listeners on 15090 and 15021 would collide with anything else
  // on this host (another test, a real sidecar): free ports instead. prometheus_stats is the admin
  // itself (15090's /stats/prometheus is proxied to it), so it follows the admin port.
  ((b.admin as Obj).address as { socket_address: Obj }).socket_address.port_value = ports.admin;
  (staticEndpoint(cluster('prometheus_stats')).socket_address as Obj).port_value = ports.admin;
  // `agent` is pilot-agent's status server on 15020 (15021's /healthz/ready goes there): the test
  // plays that part on a free port.
  (staticEndpoint(cluster('agent')).socket_address as Obj).port_value = ports.agent;
  const listener = (name: string): Obj => {
    const l = sr.listeners.find((x) => x.name === name);
    if (!l) throw new Error(`default_golden.json has no ${name} listener`);
    return l;
  };
  ((listener('0.0.0.0_15090').address as { socket_address: Obj }).socket_address).port_value = ports.prometheus;
  ((listener('0.0.0.0_15021').address as { socket_address: Obj }).socket_address).port_value = ports.status;
  // admin.profile_path (/var/lib/istio/data/envoy.prof) is only written by /cpuprofiler, and the
  // admin access log is /dev/null: both are left as they are.
  return b;
}

/** A stand-in for pilot-agent's status server: /healthz/ready answers 200 as the agent does once Envoy is ready. */
export async function startAgentStatus(): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const srv = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(req.url === '/healthz/ready' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end(req.url === '/healthz/ready' ? '' : 'not found');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    hits,
    close: () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    }),
  };
}

// ---- Istio's own extension types ----

// istiod packs these into Anys; Envoy's API has no proto for them, so neither has tsenvoy's
// schema (the proxy keeps them as raw bytes and its registry recognises them by type URL). Field
// numbers as in istio/proxy (source/extensions/filters/http/istio_stats/config.proto,
// .../network/metadata_exchange/config/metadata_exchange.proto) and istio/api
// (envoy/config/filter/http/alpn/v2alpha1/config.proto).
const ISTIO_PROTOS = `
syntax = "proto3";
package stats;
message PluginConfig {
  bool disable_host_header_fallback = 6;
  Reporter reporter = 10;
}
enum Reporter { UNSPECIFIED = 0; SERVER_GATEWAY = 1; }
`;
const MX_PROTO = `
syntax = "proto3";
package envoy.tcp.metadataexchange.config;
message MetadataExchange {
  string protocol = 1;
  bool enable_discovery = 2;
  repeated string additional_labels = 3;
}
`;
const ALPN_PROTO = `
syntax = "proto3";
package istio.envoy.config.filter.http.alpn.v2alpha1;
message FilterConfig {
  enum Protocol { HTTP10 = 0; HTTP11 = 1; HTTP2 = 2; }
  message AlpnOverride {
    Protocol upstream_protocol = 1;
    repeated string alpn_override = 2;
  }
  repeated AlpnOverride alpn_override = 1;
}
`;

let istioRoot: protobuf.Root | undefined;

function istioType(typeName: string): protobuf.Type | undefined {
  if (!istioRoot) {
    istioRoot = new protobuf.Root();
    for (const src of [ISTIO_PROTOS, MX_PROTO, ALPN_PROTO]) protobuf.parse(src, istioRoot, { keepCase: true });
  }
  try {
    return istioRoot.lookupType(typeName);
  } catch {
    return undefined;
  }
}

/**
 * Replaces every Any the schema does not know (kept as its JSON by the decoder) with its packed
 * bytes, as the binary decoder would hold it: then encodeBinary writes exactly what istiod sent.
 */
function packForeignAnys(v: unknown, at: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => packForeignAnys(x, `${at}[${i}]`));
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) return v;
  const o = v as Obj;
  const url = o['@type'];
  if (typeof url === 'string' && !envoySchema().hasMessage(typeNameOfUrl(url))) {
    const t = istioType(typeNameOfUrl(url));
    if (!t) throw new Error(`${at}: no proto for ${url} in the test's Istio types`);
    const { ['@type']: _t, ...fields } = o;
    const unknown = Object.keys(fields).filter((k) => !t.fields[k]);
    if (unknown.length) throw new Error(`${at}: ${url}: fields ${unknown.join(', ')} are not in the test's proto`);
    const msg = t.fromObject(fields);
    // The packed message must say exactly what the dump says (no field silently dropped).
    const back = t.toObject(msg, { enums: String });
    if (!isDeepStrictEqual(back, fields)) throw new Error(`${at}: ${url}: ${JSON.stringify(fields)} packs as ${JSON.stringify(back)}`);
    const bytes = Buffer.from(t.encode(msg).finish());
    return { '@type': url, [RAW_ANY]: bytes };
  }
  const out: Obj = {};
  for (const [k, x] of Object.entries(o)) out[k] = packForeignAnys(x, at ? `${at}.${k}` : k);
  if (typeof url === 'string') out['@type'] = url;
  return out;
}

/** A resource from proto3 JSON (a config dump) to the canonical form the control plane encodes. */
export function canonicalFromDump(typeName: string, json: Obj): Canonical {
  const { ['@type']: _t, ...fields } = json;
  const r = decodeJson(envoySchema(), typeName, fields);
  if (!r.ok) throw new Error(`${typeName} ${String(json.name)}: ${r.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  return packForeignAnys(r.value, '') as Canonical;
}

// ---- the sidecar's listeners and what they name ----

export interface FixtureListener {
  readonly name: string;
  /** The Listener as istiod sent it (binary), with the rewrites listed in `rewritten`. */
  readonly bytes: Buffer;
  readonly canonical: Canonical;
  /** Addresses changed so that the listener can bind here: `name: from -> to`. */
  readonly rewritten: string | undefined;
}

export interface ListenerRefs {
  readonly routes: Set<string>;
  readonly clusters: Set<string>;
  /** SDS secret name -> the static cluster its sds_config's gRPC service names. */
  readonly secrets: Map<string, string>;
}

/** The dump's dynamic listeners (active_state.listener), in the dump's order. */
export function dumpListeners(): Obj[] {
  const dump = JSON.parse(fs.readFileSync(SIDECAR_LISTENERS, 'utf8')) as { configs: Obj[] };
  const lds = dump.configs.find((c) => Array.isArray(c.dynamic_listeners)) as { dynamic_listeners: { name: string; active_state: { listener: Obj } }[] };
  return lds.dynamic_listeners.map((l) => l.active_state.listener);
}

/**
 * Every dynamic listener of the dump, encoded for LDS. Listeners that bind a port (15001, 15006,
 * 15008 on 0.0.0.0) get a free port instead so the test cannot collide with a real sidecar or
 * another test on this host; bind_to_port: false listeners and internal listeners bind nothing
 * and are sent unchanged.
 */
export function fixtureListeners(freePorts: () => number): FixtureListener[] {
  return dumpListeners().map((json) => {
    const l = structuredClone(json) as Obj;
    let rewritten: string | undefined;
    const sa = (l.address as { socket_address?: Obj } | undefined)?.socket_address;
    if (sa && l.bind_to_port !== false) {
      const to = freePorts();
      rewritten = `${String(l.name)}: ${String(sa.address)}:${String(sa.port_value)} -> ${String(sa.address)}:${to}`;
      sa.port_value = to;
    }
    const canonical = canonicalFromDump('envoy.config.listener.v3.Listener', l);
    const bytes = encodeBinary(envoySchema(), 'envoy.config.listener.v3.Listener', canonical);
    return { name: String(l.name), bytes, canonical, rewritten };
  });
}

/** The route configurations, clusters and SDS secrets a set of listeners names (walks the JSON). */
export function referencesOf(listeners: readonly Obj[]): ListenerRefs {
  const refs: ListenerRefs = { routes: new Set(), clusters: new Set(), secrets: new Map() };
  const sdsCluster = (sc: Obj): string => {
    const api = ((sc.sds_config as Obj | undefined)?.api_config_source as Obj | undefined) ?? {};
    const svc = ((api.grpc_services as Obj[] | undefined) ?? [])[0] ?? {};
    return String((svc.envoy_grpc as Obj | undefined)?.cluster_name ?? '');
  };
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Obj;
    const type = typeof o['@type'] === 'string' ? typeNameOfUrl(o['@type']) : '';
    if (type.endsWith('.HttpConnectionManager') && o.rds) refs.routes.add(String((o.rds as Obj).route_config_name));
    // tcp_proxy's cluster (or weighted_clusters), and every gRPC service's envoy_grpc cluster
    // (ext_authz) except the SDS ones, which name the bootstrap's static sds-grpc.
    if (type.endsWith('.TcpProxy')) {
      if (typeof o.cluster === 'string') refs.clusters.add(o.cluster);
      for (const w of ((o.weighted_clusters as Obj | undefined)?.clusters as Obj[] | undefined) ?? []) refs.clusters.add(String(w.name));
    }
    if (key === 'grpc_service' && (o.envoy_grpc as Obj | undefined)?.cluster_name) refs.clusters.add(String((o.envoy_grpc as Obj).cluster_name));
    if (key === 'tls_certificate_sds_secret_configs' || key === 'validation_context_sds_secret_config') refs.secrets.set(String(o.name), sdsCluster(o));
    for (const [k, x] of Object.entries(o)) walk(x, k);
  };
  for (const l of listeners) walk(l, '');
  return refs;
}

/**
 * A minimal cluster of that name: Istio's `outbound|port||host` and `inbound|...` clusters are EDS
 * with service_name = cluster name (endpoints on loopback come over EDS); the rest are STATIC on
 * loopback. Only the names matter to the listeners.
 */
export function synthesisedCluster(name: string, loopbackPort: number): { cluster: Obj; cla?: Obj } {
  const cla = { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: loopbackPort } } } }] }] };
  if (/^(outbound|inbound)\|/.test(name) && name !== 'inbound|80||') {
    return {
      cluster: { name, type: 'EDS', connect_timeout: 10_000, eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: 0, resource_api_version: 'V3' }, service_name: name } },
      cla,
    };
  }
  return { cluster: { name, type: 'STATIC', connect_timeout: 10_000, load_assignment: cla } };
}

export function synthesisedRoute(name: string, cluster: string): Obj {
  return { name, validate_clusters: false, virtual_hosts: [{ name: `${name}-vh`, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster } }] }] };
}
