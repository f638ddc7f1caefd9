// Micro benchmark: decoding a CDS push of 1,000 and 10,000 Istio-like clusters. Compares the
// eager path (decodeBinary of the whole DiscoveryResponse: one event-loop block) with the
// client's path (envelope read + per-resource decode in slices, unchanged resources skipped), and
// measures what a push does to the p99 latency of HTTP requests in flight on the same loop.
// Bounded in count and time; loopback only. Run: node .build/<dir>/bench/micro/xds-decode.js
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { RAW_ANY } from '../../proxy/config/canonical';
import { decodeBinary } from '../../proxy/config/proto-binary';
import { encodeBinary } from '../../proxy/config/proto-binary-encode';
import { decodeJson } from '../../proxy/config/proto-json';
import { envoySchema } from '../../proxy/config/schema/schema';
import { xdsCodec } from '../../proxy/config/xds-codec';
import { readSotwResponse } from '../../xds-client/envelope';
import { CachedResource, decodeBatch } from '../../xds-client/resource-batch';
import { XdsCodec } from '../../xds-client/types';
import { CLUSTER } from '../../xds-client/type-urls';

const schema = envoySchema();
const codec = xdsCodec(schema) as XdsCodec;

function istioCluster(i: number): unknown {
  const host = `svc-${i}.ns-${i % 50}.svc.cluster.local`;
  const json = {
    name: `outbound|8080||${host}`,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' }, service_name: `outbound|8080||${host}` },
    connect_timeout: '10s',
    lb_policy: 'LEAST_REQUEST',
    circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }] },
    common_lb_config: { locality_weighted_lb_config: {} },
    metadata: { filter_metadata: { istio: { services: [{ host, name: `svc-${i}`, namespace: `ns-${i % 50}` }], default_original_port: 8080 } } },
    filters: [{ name: 'istio.metadata_exchange', typed_config: { '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct', type_url: 'type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange', value: { protocol: 'istio-peer-exchange' } } }],
    transport_socket_matches: [{
      name: 'tlsMode-istio',
      match: { tlsMode: 'istio' },
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          common_tls_context: {
            tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
            alpn_protocols: ['istio-peer-exchange', 'istio'],
            tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }], set_node_on_first_message_only: true }, initial_fetch_timeout: '0s', resource_api_version: 'V3' } }],
            combined_validation_context: {
              default_validation_context: { match_subject_alt_names: [{ exact: `spiffe://cluster.local/ns/ns-${i % 50}/sa/default` }] },
              validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }], set_node_on_first_message_only: true }, initial_fetch_timeout: '0s', resource_api_version: 'V3' } },
            },
          },
          sni: `outbound_.8080_._.${host}`,
        },
      },
    }, { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } } }],
  };
  const r = decodeJson(schema, 'envoy.config.cluster.v3.Cluster', json);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

function response(n: number, version: string, salt = ''): Buffer {
  const resources: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const c = istioCluster(i) as Record<string, unknown>;
    resources.push(encodeBinary(schema, 'envoy.config.cluster.v3.Cluster', salt && i % 100 === 0 ? { ...c, alt_stat_name: salt } : c));
  }
  return encodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', {
    version_info: version,
    type_url: CLUSTER,
    nonce: version,
    resources: resources.map((bytes) => ({ '@type': CLUSTER, [RAW_ANY]: bytes })),
  });
}

/** Runs `fn` while a probe measures the longest event-loop block (ms). */
async function blocking<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number; maxBlockMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let maxGap = 0;
  let stop = false;
  const probe = (): void => {
    const now = performance.now();
    if (now - last > maxGap) maxGap = now - last;
    last = now;
    if (!stop) setImmediate(probe);
  };
  setImmediate(probe);
  h.enable();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  stop = true;
  h.disable();
  await new Promise((r) => setImmediate(r));
  return { value, ms, maxBlockMs: Math.max(maxGap, h.max / 1e6) };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly n: number;
}

function stats(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? 0, n: s.length };
}

/**
 * Loopback HTTP requests, 8 in flight, for `ms`; with `during`, it starts a quarter in and the
 * result covers only the requests in flight while it ran (those are the ones a push can hurt).
 */
async function latency(port: number, ms: number, during?: () => Promise<unknown>): Promise<Latency> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const samples: { start: number; end: number }[] = [];
  const end = performance.now() + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && samples.length < 200_000) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        }).on('error', reject);
      });
      samples.push({ start: t0, end: performance.now() });
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  let window = { from: -Infinity, to: Infinity };
  if (during) {
    await new Promise((r) => setTimeout(r, ms / 4));
    const from = performance.now();
    await during();
    window = { from, to: performance.now() };
  }
  await Promise.all(workers);
  agent.destroy();
  return stats(samples.filter((x) => x.end >= window.from && x.start <= window.to).map((x) => x.end - x.start));
}

async function clientPath(buf: Buffer, cache: Map<string, CachedResource>, sliceMs: number): Promise<number> {
  const env = readSotwResponse(buf);
  const r = await decodeBatch(env.resources, { typeUrl: CLUSTER, version: env.versionInfo, sliceMs, codec, cache });
  if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 3)));
  for (const i of r.items) cache.set(i.name, i);
  return r.items.filter((i) => i.changed).length;
}

export async function runXdsDecodeBench(): Promise<void> {
  const f = (n: number): string => n.toFixed(1).padStart(8);
  for (const n of [1_000, 10_000]) {
    const t0 = performance.now();
    const buf = response(n, 'v1');
    const changed = response(n, 'v2', 'changed');
    console.log(`\n${n} clusters: response ${(buf.length / 1e6).toFixed(1)} MB (built in ${(performance.now() - t0).toFixed(0)} ms)`);
    const eager = await blocking(() => decodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', buf));
    console.log(`  eager decodeBinary(DiscoveryResponse)             total ${f(eager.ms)} ms   max loop block ${f(eager.maxBlockMs)} ms`);
    const env = await blocking(() => readSotwResponse(buf));
    console.log(`  envelope only (readSotwResponse)                  total ${f(env.ms)} ms   max loop block ${f(env.maxBlockMs)} ms`);
    const cache = new Map<string, CachedResource>();
    const first = await blocking(() => clientPath(buf, cache, 1));
    console.log(`  client path, first push (${first.value} decoded, 1 ms slices) total ${f(first.ms)} ms   max loop block ${f(first.maxBlockMs)} ms`);
    const same = await blocking(() => clientPath(buf, cache, 1));
    console.log(`  client path, identical re-push (${same.value} decoded)     total ${f(same.ms)} ms   max loop block ${f(same.maxBlockMs)} ms`);
    const one = await blocking(() => clientPath(changed, cache, 1));
    console.log(`  client path, 1% changed (${one.value} decoded)           total ${f(one.ms)} ms   max loop block ${f(one.maxBlockMs)} ms`);
  }

  // The requirement: a 10,000-cluster push adds at most 10 ms to the p99 of requests in flight.
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const buf = response(10_000, 'v1');
  await latency(port, 300); // warm up
  const base = await latency(port, 1500);
  const withPush = await latency(port, 3000, () => clientPath(buf, new Map(), 1));
  const withPush2 = await latency(port, 3000, () => clientPath(buf, new Map(), 3));
  const withEager = await latency(port, 3000, async () => decodeBinary(schema, 'envoy.service.discovery.v3.DiscoveryResponse', buf));
  server.close();
  const line = (l: string, s: Latency): void =>
    console.log(`  ${l.padEnd(40)} p50 ${f(s.p50)} ms   p99 ${f(s.p99)} ms   max ${f(s.max)} ms   (${s.n} requests)`);
  console.log('\nloopback HTTP, 8 in flight; with a push: only requests in flight during it');
  line('no push (all requests)', base);
  line('10,000-cluster push, client, 1 ms slices', withPush);
  line('10,000-cluster push, client, 3 ms slices', withPush2);
  line('10,000-cluster push, eager decode', withEager);
  console.log(`  p99 added by the client path: ${(withPush.p99 - base.p99).toFixed(1)} ms (goal <= 10 ms)`);
}

if (require.main === module) {
  runXdsDecodeBench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
