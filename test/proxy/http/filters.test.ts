import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hcmConfig, request, startProxy, startUpstream, TestCluster } from './harness';

const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

test('fault filter: abort, delay, header-controlled, per-route override', async () => {
  const up = await startUpstream();
  const p = await startProxy(
    hcmConfig(
      [
        {
          match: { prefix: '/abort' },
          route: { cluster: 'backend' },
          typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, abort: { http_status: 418, percentage: { numerator: 100 } } } },
        },
        {
          match: { prefix: '/delay' },
          route: { cluster: 'backend' },
          typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': FAULT, delay: { fixed_delay: '0.2s', percentage: { numerator: 100 } } } },
        },
        { match: { prefix: '/' }, route: { cluster: 'backend' } },
      ],
      {},
      [{ name: 'envoy.filters.http.fault', typed_config: { '@type': FAULT, abort: { header_abort: {}, percentage: { numerator: 100 } } } }],
    ),
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    let r = await request(p.port, { path: '/abort' });
    assert.equal(r.status, 418);
    assert.equal(r.body, 'fault filter abort');
    const t = Date.now();
    r = await request(p.port, { path: '/delay', method: 'POST', body: 'b' });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t >= 190);
    assert.equal(up.requests.at(-1)?.body, 'b');
    r = await request(p.port, { path: '/x', headers: { 'x-envoy-fault-abort-request': '503' } });
    assert.equal(r.status, 503);
    assert.equal(r.body, 'fault filter abort');
    r = await request(p.port, { path: '/x' });
    assert.equal(r.status, 200);
    assert.equal(p.counter('http.ingress.fault.aborts_injected'), 2);
    assert.equal(p.counter('http.ingress.fault.delays_injected'), 1);
  } finally {
    await p.close();
    await up.close();
  }
});

test('local rate limit answers 429 when the bucket is empty', async () => {
  const up = await startUpstream();
  const p = await startProxy(
    hcmConfig(undefined, {}, [
      {
        name: 'envoy.filters.http.local_ratelimit',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
          stat_prefix: 'rl',
          token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: '60s' },
          filter_enabled: { default_value: { numerator: 100 } },
          filter_enforced: { default_value: { numerator: 100 } },
        },
      },
    ]),
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await request(p.port, { path: '/' })).status);
    assert.deepEqual(codes, [200, 200, 429]);
    assert.equal(p.counter('http.ingress.rl.http_local_rate_limit.rate_limited'), 1);
  } finally {
    await p.close();
    await up.close();
  }
});

test('cors preflight and simple response headers', async () => {
  const up = await startUpstream();
  const p = await startProxy(
    hcmConfig(
      [
        {
          match: { prefix: '/' },
          route: { cluster: 'backend' },
          typed_per_filter_config: {
            'envoy.filters.http.cors': {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
              allow_origin_string_match: [{ exact: 'https://ok.example' }],
              allow_methods: 'GET,POST',
              max_age: '60',
            },
          },
        },
      ],
      {},
      [{ name: 'envoy.filters.http.cors', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } }],
    ),
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    const pre = await request(p.port, { method: 'OPTIONS', headers: { origin: 'https://ok.example', 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://ok.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    const simple = await request(p.port, { headers: { origin: 'https://ok.example' } });
    assert.equal(simple.headers['access-control-allow-origin'], 'https://ok.example');
    const bad = await request(p.port, { headers: { origin: 'https://evil.example' } });
    assert.equal(bad.headers['access-control-allow-origin'], undefined);
  } finally {
    await p.close();
    await up.close();
  }
});
