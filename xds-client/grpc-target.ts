// Where a gRPC config source points: an ApiConfigSource's first grpc_service, resolved against the
// bootstrap's static clusters (envoy_grpc) or taken as a target URI (google_grpc), into a grpc-js
// target, credentials, channel options and initial metadata. Istio's `xds-grpc` cluster is a pipe
// (the agent's unix socket), which grpc-js reaches as a `unix:` target.
import * as net from 'node:net';
import * as path from 'node:path';
import { ChannelCredentials, ChannelOptions, Metadata, credentials } from '@grpc/grpc-js';
import { readDataSource, tlsChannel, TlsConfigError } from './tls-credentials';

type Obj = Readonly<Record<string, unknown>>;

export interface GrpcTarget {
  readonly target: string;
  readonly credentials: ChannelCredentials;
  readonly options: ChannelOptions;
  readonly metadata: Metadata;
  /** For logs and the source label: the cluster name or target URI. */
  readonly label: string;
  readonly delta: boolean;
  readonly setNodeOnFirstMessageOnly: boolean;
}

export type TargetResult = { readonly ok: true; readonly value: GrpcTarget } | { readonly ok: false; readonly error: string };

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

// A push of 10,000 clusters is far beyond grpc-js's 4 MB default; Envoy sets no such limit.
const BASE_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 300_000,
};

function fail(error: string): TargetResult {
  return { ok: false, error };
}

function addressTarget(addr: Obj, label: string): string {
  const pipe = addr.pipe as Obj | undefined;
  if (pipe) {
    const p = String(pipe.path ?? '');
    if (p.startsWith('@')) return `unix-abstract:${p.slice(1)}`;
    return `unix:${path.resolve(p)}`;
  }
  const sock = addr.socket_address as Obj | undefined;
  if (!sock) throw new Error(`${label}: only socket_address and pipe addresses can reach a control plane`);
  const host = String(sock.address ?? '');
  const port = Number(sock.port_value ?? 0);
  const fam = net.isIP(host);
  if (fam === 4) return `ipv4:${host}:${port}`;
  if (fam === 6) return `ipv6:[${host}]:${port}`;
  return `dns:${host}:${port}`;
}

/** The static cluster's endpoint addresses as one grpc-js target. */
function clusterTarget(cluster: Obj, label: string): string {
  const type = String(cluster.type ?? 'STATIC');
  if (cluster.cluster_type || !['STATIC', 'STRICT_DNS', 'LOGICAL_DNS'].includes(type)) {
    throw new Error(`${label}: a control-plane cluster must be STATIC, STRICT_DNS or LOGICAL_DNS (is ${type})`);
  }
  const targets: string[] = [];
  const la = (cluster.load_assignment as Obj | undefined) ?? {};
  for (const [i, le] of ((la.endpoints as Obj[] | undefined) ?? []).entries()) {
    for (const [j, lb] of ((le.lb_endpoints as Obj[] | undefined) ?? []).entries()) {
      const addr = (lb.endpoint as Obj | undefined)?.address as Obj | undefined;
      if (addr) targets.push(addressTarget(addr, `${label}.load_assignment.endpoints[${i}].lb_endpoints[${j}].endpoint.address`));
    }
  }
  if (targets.length === 0) throw new Error(`${label}.load_assignment: no endpoint address`);
  // Several IPs of one family make one grpc-js target that balances over them; else the first.
  const fam = targets[0].slice(0, 5);
  if ((fam === 'ipv4:' || fam === 'ipv6:') && targets.every((t) => t.startsWith(fam))) {
    return fam + targets.map((t) => t.slice(5)).join(',');
  }
  return targets[0];
}

function clusterCredentials(cluster: Obj, label: string): { creds: ChannelCredentials; sni?: string } {
  const ts = cluster.transport_socket as Obj | undefined;
  if (!ts) return { creds: credentials.createInsecure() };
  const cfg = ts.typed_config as Obj | undefined;
  if (ts.name !== TLS_SOCKET && cfg?.['@type'] !== UPSTREAM_TLS) {
    throw new TlsConfigError(`${label}.transport_socket: ${String(ts.name)} cannot carry a control-plane connection (only ${TLS_SOCKET})`);
  }
  const tls = tlsChannel(cfg ?? {}, `${label}.transport_socket.typed_config`);
  return { creds: tls.credentials, sni: tls.sni };
}

function googleCredentials(g: Obj, label: string): ChannelCredentials {
  const cc = g.channel_credentials as Obj | undefined;
  if (!cc || cc.insecure_credentials !== undefined || cc.local_credentials !== undefined) return credentials.createInsecure();
  const ssl = cc.ssl_credentials as Obj | undefined;
  if (ssl) {
    return credentials.createSsl(
      readDataSource(ssl.root_certs as Obj | undefined, `${label}.channel_credentials.ssl_credentials.root_certs`) ?? null,
      readDataSource(ssl.private_key as Obj | undefined, `${label}.channel_credentials.ssl_credentials.private_key`) ?? null,
      readDataSource(ssl.cert_chain as Obj | undefined, `${label}.channel_credentials.ssl_credentials.cert_chain`) ?? null,
    );
  }
  throw new TlsConfigError(`${label}.channel_credentials: only ssl_credentials, local and insecure credentials are supported`);
}

/**
 * ApiConfigSource (canonical) + the bootstrap's static clusters -> a gRPC target. `label` is the
 * config path of the ApiConfigSource, used in every error.
 */
export function resolveApiConfigSource(api: Obj, clusters: readonly Obj[], label: string): TargetResult {
  const apiType = String(api.api_type ?? 'GRPC');
  if (apiType !== 'GRPC' && apiType !== 'DELTA_GRPC' && apiType !== 'AGGREGATED_GRPC' && apiType !== 'AGGREGATED_DELTA_GRPC') {
    return fail(`${label}.api_type: ${apiType} is not supported (GRPC or DELTA_GRPC)`);
  }
  const tv = String(api.transport_api_version ?? 'V3');
  if (tv !== 'V3' && tv !== 'AUTO') return fail(`${label}.transport_api_version: only V3 is supported (is ${tv})`);
  const services = (api.grpc_services as Obj[] | undefined) ?? [];
  if (services.length === 0) return fail(`${label}.grpc_services: a gRPC config source needs one grpc_service`);
  const svc = services[0];
  const spath = `${label}.grpc_services[0]`;
  const metadata = new Metadata();
  for (const hv of (svc.initial_metadata as Obj[] | undefined) ?? []) {
    if (typeof hv.key === 'string') metadata.add(hv.key, String(hv.value ?? (hv.raw_value instanceof Uint8Array ? Buffer.from(hv.raw_value).toString() : '')));
  }
  const options: Record<string, unknown> = { ...BASE_OPTIONS };
  const delta = apiType === 'DELTA_GRPC' || apiType === 'AGGREGATED_DELTA_GRPC';
  const setNodeOnFirstMessageOnly = api.set_node_on_first_message_only === true;
  try {
    const eg = svc.envoy_grpc as Obj | undefined;
    if (eg) {
      const name = String(eg.cluster_name ?? '');
      const i = clusters.findIndex((c) => c.name === name);
      if (i < 0) return fail(`${spath}.envoy_grpc.cluster_name: no static cluster named ${JSON.stringify(name)}`);
      const clabel = `static_resources.clusters[${i}]`;
      const { creds, sni } = clusterCredentials(clusters[i], clabel);
      const authority = typeof eg.authority === 'string' && eg.authority !== '' ? eg.authority : sni ?? name;
      options['grpc.default_authority'] = authority;
      if (sni) options['grpc.ssl_target_name_override'] = sni;
      const target = clusterTarget(clusters[i], clabel);
      return { ok: true, value: { target, credentials: creds, options, metadata, label: name, delta, setNodeOnFirstMessageOnly } };
    }
    const gg = svc.google_grpc as Obj | undefined;
    if (gg) {
      const target = String(gg.target_uri ?? '');
      if (!target) return fail(`${spath}.google_grpc.target_uri: required`);
      const creds = googleCredentials(gg, `${spath}.google_grpc`);
      return { ok: true, value: { target, credentials: creds, options, metadata, label: target, delta, setNodeOnFirstMessageOnly } };
    }
  } catch (e) {
    return fail((e as Error).message);
  }
  return fail(`${spath}: needs envoy_grpc or google_grpc`);
}
