// FilterChainMatch lookup tables against Envoy's ordering rules, evaluated directly on
// MatchFacts (the socket-level tests are in filter-chain-match.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { IssueSink } from '../../../proxy/config/result';
import { parseIp } from '../../../proxy/network/cidr-table';
import { parseFilterChainMatch } from '../../../proxy/listener/chain-match/filter-chain-match-spec';
import { FilterChainTable } from '../../../proxy/listener/chain-match/filter-chain-table';
import type { MatchFacts } from '../../../proxy/listener/types';
import { decode } from './harness';

function facts(p: Partial<{ dst: string; port: number; sni: string; transport: string; alpn: string[]; src: string; srcPort: number; local: boolean }>): MatchFacts {
  const dst = p.dst ?? '10.0.0.1';
  const src = p.src ?? '192.168.0.9';
  return {
    destinationIp: parseIp(dst),
    destinationIpText: dst,
    destinationPort: p.port ?? 80,
    serverName: p.sni ?? '',
    transportProtocol: p.transport ?? 'raw_buffer',
    applicationProtocols: p.alpn ?? [],
    directSourceIp: parseIp(src),
    directSourceIpText: src,
    sourceIp: parseIp(src),
    sourceIpText: src,
    sourcePort: p.srcPort ?? 40000,
    sourceIsLocal: p.local ?? false,
  };
}

function table(matches: Record<string, object | undefined>): { t: FilterChainTable<string>; errors: string[] } {
  const t = new FilterChainTable<string>();
  const sink = new IssueSink();
  let i = 0;
  for (const [name, m] of Object.entries(matches)) {
    const canonical = m ? decode('envoy.config.listener.v3.FilterChainMatch', m) : undefined;
    const spec = parseFilterChainMatch(canonical, `filter_chains[${i}].filter_chain_match`, sink);
    t.add(spec, name, `filter_chains[${i}].filter_chain_match`, sink);
    i++;
  }
  return { t, errors: sink.errors.map((e) => `${e.path}: ${e.message}`) };
}

test('destination port: exact port beats no port; no backtracking to less specific chains', () => {
  const { t } = table({ port80tls: { destination_port: 80, transport_protocol: 'tls' }, any: {} });
  assert.equal(t.find(facts({ port: 80, transport: 'tls' })), 'port80tls');
  assert.equal(t.find(facts({ port: 81 })), 'any');
  // Port 80 picks the port-80 branch; its only chain wants tls, so a raw connection has no match.
  assert.equal(t.find(facts({ port: 80, transport: 'raw_buffer' })), undefined);
});

test('destination prefix ranges: longest prefix wins, unset is /0 for both families', () => {
  const { t } = table({
    host: { prefix_ranges: [{ address_prefix: '10.0.0.1', prefix_len: 32 }] },
    net8: { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
    v6: { prefix_ranges: [{ address_prefix: '2001:db8::', prefix_len: 32 }] },
    any: {},
  });
  assert.equal(t.find(facts({ dst: '10.0.0.1' })), 'host');
  assert.equal(t.find(facts({ dst: '10.9.9.9' })), 'net8');
  assert.equal(t.find(facts({ dst: '11.0.0.1' })), 'any');
  assert.equal(t.find(facts({ dst: '2001:db8::5' })), 'v6');
  assert.equal(t.find(facts({ dst: '2001:db9::5' })), 'any');
  assert.equal(t.find(facts({ dst: '::ffff:10.0.0.1' })), 'host');
});

test('server names: exact, then longest wildcard suffix, then chains without names', () => {
  const { t } = table({
    exact: { server_names: ['api.example.com'] },
    wild: { server_names: ['*.example.com'] },
    com: { server_names: ['*.com'] },
    none: {},
  });
  assert.equal(t.find(facts({ sni: 'api.example.com' })), 'exact');
  assert.equal(t.find(facts({ sni: 'www.example.com' })), 'wild');
  assert.equal(t.find(facts({ sni: 'a.b.example.com' })), 'wild');
  assert.equal(t.find(facts({ sni: 'example.com' })), 'com');
  assert.equal(t.find(facts({ sni: 'example.org' })), 'none');
  assert.equal(t.find(facts({ sni: '' })), 'none');
});

test('transport protocol and application protocols: named value beats empty, first offered ALPN wins', () => {
  const { t } = table({
    tls_h2: { transport_protocol: 'tls', application_protocols: ['h2'] },
    tls_h1: { transport_protocol: 'tls', application_protocols: ['http/1.1'] },
    tls: { transport_protocol: 'tls' },
    raw: { transport_protocol: 'raw_buffer' },
  });
  assert.equal(t.find(facts({ transport: 'tls', alpn: ['h2', 'http/1.1'] })), 'tls_h2');
  assert.equal(t.find(facts({ transport: 'tls', alpn: ['http/1.1', 'h2'] })), 'tls_h1');
  assert.equal(t.find(facts({ transport: 'tls', alpn: ['istio'] })), 'tls');
  assert.equal(t.find(facts({ transport: 'raw_buffer', alpn: ['h2c'] })), 'raw');
});

test('source type, source prefix and source ports', () => {
  const { t } = table({
    local: { source_type: 'SAME_IP_OR_LOOPBACK' },
    ext_net: { source_type: 'EXTERNAL', source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }] },
    ext_port: { source_type: 'EXTERNAL', source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 16 }], source_ports: [1234] },
    any: {},
  });
  assert.equal(t.find(facts({ local: true })), 'local');
  assert.equal(t.find(facts({ src: '192.168.1.1' })), 'ext_net');
  assert.equal(t.find(facts({ src: '192.168.1.1', srcPort: 1234 })), 'ext_port');
  // EXTERNAL branch exists but the source is outside it: no fallback to ANY (no backtracking).
  assert.equal(t.find(facts({ src: '172.16.0.1' })), undefined);
});

test('direct source prefix ranges are matched before source type', () => {
  const { t } = table({
    direct: { direct_source_prefix_ranges: [{ address_prefix: '192.168.0.0', prefix_len: 24 }] },
    any: {},
  });
  assert.equal(t.find(facts({ src: '192.168.0.7' })), 'direct');
  assert.equal(t.find(facts({ src: '192.168.1.7' })), 'any');
});

test('identical matches are a config error; partial wildcards are rejected', () => {
  const dup = table({ a: { destination_port: 80, server_names: ['x.com'] }, b: { server_names: ['x.com'], destination_port: 80 } });
  assert.deepEqual(dup.errors, ['filter_chains[1].filter_chain_match: multiple filter chains with the same matching rules are defined']);
  const empty = table({ a: undefined, b: {} });
  assert.equal(empty.errors.length, 1);
  const bad = table({ a: { server_names: ['www.*.com'] }, b: { server_names: ['*foo.com'] } });
  const partial = bad.errors.filter((e) => e.includes('partial wildcards'));
  assert.equal(partial.length, 2);
  assert.match(partial[0], /filter_chains\[0\]\.filter_chain_match\.server_names\[0\]: partial wildcards/);
  // Overlapping but not identical (one names a transport) is fine.
  assert.deepEqual(table({ a: { destination_port: 80 }, b: { destination_port: 80, transport_protocol: 'tls' } }).errors, []);
});
