// filter_chain_matcher (the xDS matcher API Istio emits): a virtualInbound-shaped tree on
// destination port, transport protocol, ALPN and destination IP (IPMatcher), and a matcher_list.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { addListener, captureClientHello, counter, decodeListener, freePort, namedChain, newEnv, probe } from './harness';

const IN = 'type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.';
const input = (t: string): object => ({ name: t, typed_config: { '@type': IN + t } });
const action = (chain: string): object => ({ action: { name: 'forward', typed_config: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: chain } } });
const TLS_INSPECTOR = { name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } };
const HTTP_INSPECTOR = { name: 'envoy.filters.listener.http_inspector', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' } };

test('matcher_tree like Istio virtualInbound: port -> transport -> ALPN, else destination IP ranges', async () => {
  const env = newEnv();
  const inbound = await freePort();
  const app = await freePort();
  const other = await freePort();
  const sa = (a: string, p: number): object => ({ address: { socket_address: { address: a, port_value: p } } });
  try {
    await addListener(env, {
      name: 'virtualInbound',
      address: { socket_address: { address: '127.0.0.1', port_value: inbound } },
      additional_addresses: [sa('127.0.0.1', app), sa('127.0.0.2', other), sa('127.0.0.3', other), sa('127.0.0.1', other)],
      listener_filters: [TLS_INSPECTOR, HTTP_INSPECTOR],
      filter_chains: ['virtualInbound-blackhole', 'app-tls', 'app-http', 'app-tcp', 'ip2', 'lo8'].map((n) => namedChain(n)),
      filter_chain_matcher: {
        matcher_tree: {
          input: input('DestinationPortInput'),
          exact_match_map: {
            map: {
              [String(inbound)]: action('virtualInbound-blackhole'),
              [String(app)]: {
                matcher: {
                  matcher_tree: {
                    input: input('TransportProtocolInput'),
                    exact_match_map: {
                      map: {
                        tls: action('app-tls'),
                        raw_buffer: {
                          matcher: {
                            matcher_tree: { input: input('ApplicationProtocolInput'), exact_match_map: { map: { "'http/1.1'": action('app-http'), "'h2c'": action('app-http') } } },
                            on_no_match: action('app-tcp'),
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        on_no_match: {
          matcher: {
            matcher_tree: {
              input: input('DestinationIPInput'),
              custom_match: {
                name: 'ip',
                typed_config: {
                  '@type': 'type.googleapis.com/xds.type.matcher.v3.IPMatcher',
                  range_matchers: [
                    { ranges: [{ address_prefix: '127.0.0.2', prefix_len: 32 }], on_match: action('ip2') },
                    { ranges: [{ address_prefix: '127.0.0.0', prefix_len: 8 }], on_match: action('lo8') },
                  ],
                },
              },
            },
          },
        },
      },
    });
    assert.equal(await probe(inbound, { payload: 'ping\n' }), 'virtualInbound-blackhole');
    assert.equal(await probe(app, { payload: await captureClientHello({ servername: 'x' }) }), 'app-tls');
    assert.equal(await probe(app, { payload: 'GET / HTTP/1.1\r\n\r\n' }), 'app-http');
    assert.equal(await probe(app, { payload: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' }), 'app-http');
    assert.equal(await probe(app, { payload: '\x00\x01binary' }), 'app-tcp');
    assert.equal(await probe(other, { host: '127.0.0.2', payload: 'ping\n' }), 'ip2');
    assert.equal(await probe(other, { host: '127.0.0.3', payload: 'ping\n' }), 'lo8');
    assert.equal(await probe(other, { host: '127.0.0.1', payload: 'ping\n' }), 'lo8');
  } finally {
    await env.close();
  }
});

test('matcher_list predicates, on_no_match to the default chain, and an action naming no chain closes', async () => {
  const env = newEnv();
  try {
    await addListener(env, {
      name: 'list',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      listener_filters: [TLS_INSPECTOR],
      filter_chains: [namedChain('api'), namedChain('not-example')],
      default_filter_chain: namedChain('default'),
      filter_chain_matcher: {
        matcher_list: {
          matchers: [
            { predicate: { single_predicate: { input: input('ServerNameInput'), value_match: { exact: 'api.example.com' } } }, on_match: action('api') },
            {
              predicate: {
                and_matcher: {
                  predicate: [
                    { single_predicate: { input: input('TransportProtocolInput'), value_match: { exact: 'tls' } } },
                    { not_matcher: { single_predicate: { input: input('ServerNameInput'), value_match: { suffix: '.example.com' } } } },
                  ],
                },
              },
              on_match: action('not-example'),
            },
            { predicate: { single_predicate: { input: input('ServerNameInput'), value_match: { exact: 'ghost.example.com' } } }, on_match: action('no-such-chain') },
          ],
        },
      },
    });
    const port = env.lm.boundAddress('list')!.port;
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'api.example.com' }) }), 'api');
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'foo.org' }) }), 'not-example');
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'www.example.com' }) }), 'default');
    assert.equal(await probe(port, { payload: await captureClientHello({ servername: 'ghost.example.com' }) }), '');
    assert.equal(counter(env.store, 'listener.127.0.0.1_0.no_filter_chain_match'), 1);
  } finally {
    await env.close();
  }
});

test('matcher config errors name their paths', async () => {
  const env = newEnv();
  try {
    const listener = (names: string[]): object => ({
      name: 'bad',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: names.map((n) => namedChain(n)),
      filter_chain_matcher: {
        matcher_tree: { input: input('DestinationPortInput'), custom_match: { name: 'ip', typed_config: { '@type': 'type.googleapis.com/xds.type.matcher.v3.IPMatcher' } } },
      },
    });
    const dup = await env.lm.addOrUpdateListener(decodeListener(listener(['a', 'a'])));
    assert.deepEqual(!dup.ok && dup.errors.map((e) => `${e.path}: ${e.message}`), ["filter_chains[1].name: filter chain name 'a' is not unique"]);
    const r = await env.lm.addOrUpdateListener(decodeListener(listener(['a', 'b'])));
    assert.deepEqual(!r.ok && r.errors.map((e) => `${e.path}: ${e.message}`), [
      'filter_chain_matcher.matcher_tree.custom_match: IPMatcher needs an IP input, got destination_port',
    ]);
    assert.equal(env.lm.get('bad'), undefined);
  } finally {
    await env.close();
  }
});
