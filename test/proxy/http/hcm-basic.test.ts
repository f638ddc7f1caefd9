import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { hcmConfig, Proxy, rawExchange, request, startProxy, startUpstream, TestCluster, Upstream } from './harness';

let up: Upstream;
let proxy: Proxy;

before(async () => {
  up = await startUpstream((req, res, body) => {
    if (req.url === '/chunked') {
      res.write('part1-');
      setTimeout(() => res.end('part2'), 5);
      return;
    }
    if (req.url === '/echo') {
      res.setHeader('x-got-te', String(req.headers['transfer-encoding'] ?? ''));
      res.end(`echo:${body}`);
      return;
    }
    res.setHeader('x-upstream', '1');
    res.end(`ok ${req.url}`);
  });
  proxy = await startProxy(hcmConfig(undefined), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)));
});

after(async () => {
  await proxy.close();
  await up.close();
});

test('proxies a GET with managed headers both ways', async () => {
  const r = await request(proxy.port, { path: '/hello', headers: { 'user-agent': 't' } });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok /hello');
  assert.equal(r.headers.server, 'envoy');
  assert.ok(r.headers.date);
  assert.ok(r.headers['x-envoy-upstream-service-time'] !== undefined);
  assert.equal(r.headers['x-upstream'], '1');
  const seen = up.requests.at(-1)!;
  assert.match(String(seen.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-envoy-expected-rq-timeout-ms'], '15000');
  assert.equal(proxy.counter('http.ingress.downstream_rq_total') >= 1, true);
  assert.equal(proxy.counter('http.ingress.downstream_rq_2xx') >= 1, true);
  assert.equal(proxy.counter('cluster.backend.upstream_rq_200') >= 1, true);
  assert.equal(proxy.counter('cluster.backend.upstream_rq_total') >= 1, true);
});

test('keep-alive reuses downstream and upstream connections', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = up.connections;
  const cxBefore = proxy.counter('http.ingress.downstream_cx_total');
  for (let i = 0; i < 5; i++) {
    const r = await request(proxy.port, { path: `/k${i}`, agent });
    assert.equal(r.body, `ok /k${i}`);
  }
  agent.destroy();
  assert.equal(proxy.counter('http.ingress.downstream_cx_total') - cxBefore, 1);
  assert.ok(up.connections - before <= 1, `upstream connections ${up.connections - before}`);
});

test('chunked response and chunked request body stream through', async () => {
  const r = await request(proxy.port, { path: '/chunked' });
  assert.equal(r.body, 'part1-part2');
  const r2 = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/echo', method: 'POST', agent: false }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(`${res.headers['x-got-te']}|${b}`));
    });
    req.on('error', reject);
    req.write('abc');
    setTimeout(() => req.end('def'), 10);
  });
  assert.equal(r2, 'chunked|echo:abcdef');
});

test('content-length body and POST without body', async () => {
  const r = await request(proxy.port, { path: '/echo', method: 'POST', body: 'x'.repeat(100000) });
  assert.equal(r.body, `echo:${'x'.repeat(100000)}`);
  const raw = await rawExchange(proxy.port, 'POST /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(raw.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(raw.text, /echo:$/);
  assert.equal(up.requests.at(-1)!.headers['content-length'], '0');
});

test('pipelined requests are answered in order', async () => {
  const msg = 'GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\nGET /p3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
  const raw = await rawExchange(proxy.port, msg);
  const bodies = [...raw.text.matchAll(/ok \/p\d/g)].map((m) => m[0]);
  assert.deepEqual(bodies, ['ok /p1', 'ok /p2', 'ok /p3']);
  assert.equal(raw.closed, true);
  assert.match(raw.text, /connection: close/);
});

test('Expect: 100-continue is answered by the proxy', async () => {
  const r = await new Promise<{ cont: boolean; body: string }>((resolve, reject) => {
    let cont = false;
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/echo', method: 'POST', agent: false, headers: { expect: '100-continue', 'content-length': 2 } });
    req.on('continue', () => {
      cont = true;
      req.end('hi');
    });
    req.on('response', (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ cont, body: b }));
    });
    req.on('error', reject);
  });
  assert.equal(r.cont, true);
  assert.equal(r.body, 'echo:hi');
  assert.equal(up.requests.at(-1)!.headers.expect, undefined);
});

test('HTTP/1.0 is rejected with 426 by default', async () => {
  const raw = await rawExchange(proxy.port, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.match(raw.text, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.equal(raw.closed, true);
});

test('HEAD gets headers only', async () => {
  const raw = await rawExchange(proxy.port, 'HEAD /h HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(raw.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(raw.text.endsWith('\r\n\r\n'), JSON.stringify(raw.text));
});

test('hop-by-hop request headers are not forwarded', async () => {
  await rawExchange(proxy.port, 'GET /hop HTTP/1.1\r\nHost: a\r\nConnection: close, x-drop\r\nKeep-Alive: 5\r\nX-Drop: 1\r\nProxy-Connection: x\r\n\r\n');
  const h = up.requests.at(-1)!.headers;
  assert.equal(h['x-drop'], undefined);
  assert.equal(h['keep-alive'], undefined);
  assert.equal(h['proxy-connection'], undefined);
});

test('a raw client closing mid-request does not disturb the proxy', async () => {
  const s = net.connect(proxy.port, '127.0.0.1');
  await new Promise((r) => s.on('connect', r));
  s.write('POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc');
  await new Promise((r) => setTimeout(r, 20));
  s.destroy();
  await new Promise((r) => setTimeout(r, 20));
  const r = await request(proxy.port, { path: '/after' });
  assert.equal(r.status, 200);
});

test('local replies keep the connection: direct_response and 404 then a proxied request on one socket', async () => {
  const p = await startProxy(
    hcmConfig([
      { match: { path: '/direct' }, direct_response: { status: 200, body: { inline_string: 'hi' } } },
      { match: { prefix: '/up' }, route: { cluster: 'backend' } },
    ]),
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
  try {
    const req = 'GET /direct HTTP/1.1\r\nHost: a\r\n\r\nGET /missing HTTP/1.1\r\nHost: a\r\n\r\nGET /up HTTP/1.1\r\nHost: a\r\n\r\n';
    const r = await rawExchange(p.port, req, 1000);
    const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '404', '200'], r.text);
    assert.ok(r.text.includes('ok /up'), r.text);
    assert.ok(!/connection: close/i.test(r.text), 'no response asked to close');
    assert.equal(p.counter('http.ingress.downstream_cx_total'), 1);
  } finally {
    await p.close();
  }
});

/** A raw keep-alive client: what it has read since the last take(), and whether the proxy closed. */
class RawClient {
  private text = '';
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.text += d.toString('latin1')));
    socket.on('close', () => (this.closed = true));
  }
  static async open(port: number): Promise<RawClient> {
    const c = new RawClient(net.connect(port, '127.0.0.1'));
    await new Promise((r) => c.socket.once('connect', r));
    return c;
  }
  get received(): string {
    return this.text;
  }
  /** Sends `req` after forgetting what was read so far. */
  send(req: string): void {
    this.text = '';
    this.socket.write(req);
  }
  async until(done: (c: RawClient) => boolean, stepMs = 10): Promise<void> {
    for (let i = 0; i < 100 && !done(this); i++) await new Promise((r) => setTimeout(r, stepMs));
  }
}

test('drain keeps idle keep-alive connections open and the next response carries connection: close', async () => {
  const p = await startProxy(hcmConfig(undefined), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)));
  try {
    const c = await RawClient.open(p.port);
    c.send('GET /one HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.until((x) => x.received.includes('ok /one'));
    assert.ok(c.received.includes('ok /one'), c.received);
    assert.ok(!/connection: close/i.test(c.received));
    p.hcm.drain();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.closed, false, 'an idle connection stays open through the drain time');
    c.send('GET /two HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.until((x) => x.closed);
    assert.ok(c.received.includes('ok /two'), c.received);
    assert.match(c.received, /connection: close/i);
    assert.equal(c.closed, true, 'closed after the response that said so');
    assert.equal(p.counter('http.ingress.downstream_cx_drain_close'), 1);
  } finally {
    await p.close();
  }
});

test('drain during a response whose head said keep-alive: it stays open; the next response closes', async () => {
  const slow = await startUpstream((_req, res) => {
    res.write('head-');
    setTimeout(() => res.end('tail'), 150);
  });
  const p = await startProxy(hcmConfig(undefined), (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [slow.host], store)));
  try {
    const c = await RawClient.open(p.port);
    c.send('GET /a HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.until((x) => x.received.includes('head-'), 5);
    p.hcm.drain();
    await c.until((x) => x.received.includes('tail'));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!/connection: close/i.test(c.received), c.received);
    assert.equal(c.closed, false, 'the keep-alive response was not followed by a close');
    c.send('GET /b HTTP/1.1\r\nHost: a\r\n\r\n');
    await c.until((x) => x.closed);
    assert.match(c.received, /connection: close/i);
    assert.equal(c.closed, true);
  } finally {
    await p.close();
    await slow.close();
  }
});
