// Micro benchmark: filter-chain selection on an Istio-sized listener. virtualInbound-like: 200
// service ports, each with the 4 chains Istio emits (mTLS HTTP ALPNs, plaintext http/1.1+h2c,
// mTLS TCP, plaintext TCP) + catch-alls; an outbound-like table of 1000 service IPs (/32) on
// shared ports; and the same inbound as a filter_chain_matcher tree. Bounded: 1e6 lookups per
// case, best of 5 rounds; prints ns/match. Run after tsc:
//   node .build/<dir>/bench/micro/filter-chain-match.js
import type { Canonical } from '../../proxy/config/canonical';
import { decodeJson } from '../../proxy/config/proto-json';
import { IssueSink } from '../../proxy/config/result';
import { envoySchema } from '../../proxy/config/schema/schema';
import { parseFilterChainMatch } from '../../proxy/listener/chain-match/filter-chain-match-spec';
import { FilterChainTable } from '../../proxy/listener/chain-match/filter-chain-table';
import { compileFilterChainMatcher } from '../../proxy/listener/chain-match/matcher-tree';
import type { MatchFacts } from '../../proxy/listener/types';
import { parseIp } from '../../proxy/network/cidr-table';

const PORTS = 200;
const SERVICE_IPS = 1000;
const ITERATIONS = 1_000_000;
const ROUNDS = 5;
const IN = 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.';

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

function decodeMatch(m: object): Canonical {
  const d = decodeJson(envoySchema(), 'envoy.config.listener.v3.FilterChainMatch', m);
  if (!d.ok) throw new Error(JSON.stringify(d.errors));
  return d.value;
}

function inboundMatches(): [string, object][] {
  const out: [string, object][] = [['virtualInbound-blackhole', { destination_port: 15006 }]];
  const any = [{ address_prefix: '0.0.0.0', prefix_len: 0 }];
  for (let p = 0; p < PORTS; p++) {
    const port = 8000 + p;
    out.push([`${port}-tls-http`, { destination_port: port, transport_protocol: 'tls', application_protocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'] }]);
    out.push([`${port}-http`, { destination_port: port, transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] }]);
    out.push([`${port}-tls-tcp`, { destination_port: port, transport_protocol: 'tls' }]);
    out.push([`${port}-tcp`, { destination_port: port, transport_protocol: 'raw_buffer' }]);
  }
  out.push(['catchall-tls', { prefix_ranges: any, transport_protocol: 'tls' }]);
  out.push(['catchall-raw', { prefix_ranges: any, transport_protocol: 'raw_buffer' }]);
  return out;
}

function outboundMatches(): [string, object][] {
  const out: [string, object][] = [];
  for (let i = 0; i < SERVICE_IPS; i++) out.push([`svc-${i}`, { destination_port: 80 + (i % 4), prefix_ranges: [{ address_prefix: `10.96.${i >> 8}.${i & 255}`, prefix_len: 32 }] }]);
  out.push(['any', {}]);
  return out;
}

function build(entries: [string, object][]): FilterChainTable<string> {
  const t = new FilterChainTable<string>();
  const sink = new IssueSink();
  entries.forEach(([name, m], i) => t.add(parseFilterChainMatch(decodeMatch(m), `filter_chains[${i}]`, sink), name, `filter_chains[${i}]`, sink));
  if (sink.errors.length) throw new Error(JSON.stringify(sink.errors.slice(0, 3)));
  return t;
}

function facts(dst: string, port: number, transport: string, alpn: string[], src = '10.244.1.7'): MatchFacts {
  return {
    destinationIp: parseIp(dst),
    destinationIpText: dst,
    destinationPort: port,
    serverName: transport === 'tls' ? 'outbound_.8080_._.svc-1.ns.svc.cluster.local' : '',
    transportProtocol: transport,
    applicationProtocols: alpn,
    directSourceIp: parseIp(src),
    directSourceIpText: src,
    sourceIp: parseIp(src),
    sourceIpText: src,
    sourcePort: 40000,
    sourceIsLocal: false,
  };
}

function inboundMatcher(): Canonical {
  const action = (n: string): object => ({ action: { name: n, typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: n } } });
  const input = (t: string): object => ({ name: t, typed_config: { '@type': IN + t } });
  const map: Record<string, object> = { '15006': action('virtualInbound-blackhole') };
  for (let p = 0; p < PORTS; p++) {
    const port = 8000 + p;
    map[String(port)] = {
      matcher: {
        matcher_tree: {
          input: input('TransportProtocolInput'),
          exact_match_map: {
            map: {
              tls: { matcher: { matcher_tree: { input: input('ApplicationProtocolInput'), exact_match_map: { map: { "'istio-http/1.1','istio'": action(`${port}-tls-http`) } } }, on_no_match: action(`${port}-tls-tcp`) } },
              raw_buffer: { matcher: { matcher_tree: { input: input('ApplicationProtocolInput'), exact_match_map: { map: { "'http/1.1'": action(`${port}-http`), "'h2c'": action(`${port}-http`) } } }, on_no_match: action(`${port}-tcp`) } },
            },
          },
        },
      },
    };
  }
  const d = decodeJson(envoySchema(), 'xds.type.matcher.v3.Matcher', {
    matcher_tree: { input: input('DestinationPortInput'), exact_match_map: { map } },
    on_no_match: { matcher: { matcher_tree: { input: input('TransportProtocolInput'), exact_match_map: { map: { tls: action('catchall-tls'), raw_buffer: action('catchall-raw') } } } } },
  });
  if (!d.ok) throw new Error(JSON.stringify(d.errors.slice(0, 3)));
  return d.value;
}

export function runFilterChainMatchBench(): void {
  let t0 = process.hrtime.bigint();
  const inbound = build(inboundMatches());
  const outbound = build(outboundMatches());
  console.log(`build ${PORTS * 4 + 3} inbound + ${SERVICE_IPS + 1} outbound chains: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);
  t0 = process.hrtime.bigint();
  const sink = new IssueSink();
  const tree = compileFilterChainMatcher(inboundMatcher(), 'filter_chain_matcher', sink);
  if (!tree) throw new Error(JSON.stringify(sink.errors.slice(0, 3)));
  console.log(`compile inbound filter_chain_matcher: ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms`);

  const MASK = 1023;
  const make = (f: (i: number) => MatchFacts): MatchFacts[] => Array.from({ length: MASK + 1 }, (_, i) => f(i));
  const inHttp = make((i) => facts('10.244.1.9', 8000 + (i % PORTS), 'raw_buffer', ['http/1.1']));
  const inMtls = make((i) => facts('10.244.1.9', 8000 + (i % PORTS), 'tls', ['istio-http/1.1', 'istio']));
  const inOther = make((i) => facts('10.244.1.9', 30000 + i, 'raw_buffer', []));
  const outSvc = make((i) => facts(`10.96.${(i % SERVICE_IPS) >> 8}.${(i % SERVICE_IPS) & 255}`, 80 + ((i % SERVICE_IPS) % 4), 'raw_buffer', []));
  const outMiss = make((i) => facts(`172.16.${i >> 8}.${i & 255}`, 443, 'raw_buffer', []));

  const runTable = (t: FilterChainTable<string>, fs: MatchFacts[]) => (n: number): number => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (t.find(fs[i & MASK]) !== undefined) hits++;
    return hits;
  };
  const runTree = (fs: MatchFacts[]) => (n: number): number => {
    let hits = 0;
    for (let i = 0; i < n; i++) if (tree.evaluate(fs[i & MASK]) !== undefined) hits++;
    return hits;
  };
  measure('inbound table: plaintext http/1.1 on a service port', runTable(inbound, inHttp));
  measure('inbound table: mTLS istio-http/1.1 on a service port', runTable(inbound, inMtls));
  measure('inbound table: unknown port -> catch-all', runTable(inbound, inOther));
  measure('outbound table: 1000 service /32s', runTable(outbound, outSvc));
  measure('outbound table: miss -> match-all chain', runTable(outbound, outMiss));
  measure('inbound matcher tree: plaintext http/1.1', runTree(inHttp));
  measure('inbound matcher tree: mTLS ALPN', runTree(inMtls));
  measure('inbound matcher tree: unknown port -> on_no_match', runTree(inOther));
  const ips = Array.from({ length: MASK + 1 }, (_, i) => `10.96.${i >> 8}.${i & 255}`);
  measure('per-connection parseIp (IPv4 text -> uint32)', (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += parseIp(ips[i & MASK]).v4 & 1;
    return s;
  });
}

if (require.main === module) runFilterChainMatchBench();
