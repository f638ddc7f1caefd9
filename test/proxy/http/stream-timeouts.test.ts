import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hcmConfig, rawExchange, startProxy, startUpstream, TestCluster } from './harness';

test('stream_idle_timeout -> 408 SI; request_headers_timeout -> 408', async () => {
  const up = await startUpstream((_q, res) => setTimeout(() => res.end('late'), 2000));
  const p = await startProxy(hcmConfig(undefined, { stream_idle_timeout: '0.15s', request_headers_timeout: '0.15s' }), (cm, store) =>
    cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    const r = await rawExchange(p.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 1500);
    assert.match(r.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(r.text, /stream timeout$/);
    assert.equal(p.counter('http.ingress.downstream_rq_idle_timeout'), 1);
    const h = await rawExchange(p.port, 'GET / HTTP/1.1\r\nHost: a\r\n', 1500);
    assert.match(h.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(h.text, /request header timeout$/);
    assert.equal(h.closed, true);
  } finally {
    await p.close();
    await up.close();
  }
});
