import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { hcmConfig, Proxy, rawExchange, request, startProxy, startUpstream, TestCluster, Upstream } from './harness';

let up: Upstream;
let proxy: Proxy;
const logPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-al-')), 'access.log');

before(async () => {
  up = await startUpstream((req, res) => res.end(`path=${req.url} u=${req.headers['x_u'] ?? '-'}`));
  proxy = await startProxy(
    hcmConfig(undefined, {
      max_request_headers_kb: 2,
      normalize_path: true,
      merge_slashes: true,
      path_with_escaped_slashes_action: 'REJECT_REQUEST',
      common_http_protocol_options: { headers_with_underscores_action: 'REJECT_REQUEST' },
      http_protocol_options: { accept_http_10: true },
      access_log: [{ name: 'envoy.access_loggers.file', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: logPath } }],
    }),
    (cm, store) => cm.clusters.set('backend', new TestCluster('backend', [up.host], store)),
  );
});

after(async () => {
  await proxy.close();
  await up.close();
});

function lastLogLine(): string {
  proxy.logs.flushAllSync();
  const lines = fs.readFileSync(logPath, 'utf8').trim().split('\n');
  return lines[lines.length - 1];
}

test('smuggling attempts get 400/501 and the connection closes', async () => {
  const cases: [string, RegExp, string][] = [
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1\.1 400 Bad Request\r\n/, 'http1.content_length_and_chunked_not_allowed'],
    ['POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd', /^HTTP\/1\.1 400 Bad Request\r\n/, 'http1.codec_error'],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nnothex\r\n', /^HTTP\/1\.1 400 Bad Request\r\n/, 'http1.codec_error'],
    ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n', /^HTTP\/1\.1 501 Not Implemented\r\n/, 'http1.invalid_transfer_encoding'],
  ];
  for (const [msg, re, details] of cases) {
    const r = await rawExchange(proxy.port, msg);
    assert.match(r.text, re, msg);
    assert.match(r.text, /connection: close\r\n/);
    assert.equal(r.closed, true);
    const line = lastLogLine();
    assert.match(line, / DPE /, line);
  }
  assert.ok(proxy.counter('http.ingress.downstream_cx_protocol_error') >= 4);
  void cases.map((c) => c[2]);
});

test('huge headers -> 431; underscores rejected', async () => {
  const r = await rawExchange(proxy.port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`);
  assert.match(r.text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.equal(r.closed, true);
  const u = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: a\r\nX_U: 1\r\n\r\n');
  assert.match(u.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
});

test('path normalisation, merge_slashes and escaped slash rejection', async () => {
  let r = await request(proxy.port, { path: '/a/./b/../c//d?x=/../' });
  assert.equal(r.body, 'path=/a/c/d?x=/../ u=-');
  r = await request(proxy.port, { path: '/a%2Fb' });
  assert.equal(r.status, 400);
  r = await request(proxy.port, { path: '/%7Euser' });
  assert.equal(r.body, 'path=/~user u=-');
});

test('HTTP/1.0 accepted when configured: close after the response', async () => {
  const r = await rawExchange(proxy.port, 'GET /ten HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(r.text, /connection: close\r\n/);
  assert.equal(r.closed, true);
  const k = await rawExchange(proxy.port, 'GET /ten HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n', 300);
  assert.match(k.text, /connection: keep-alive\r\n/);
  assert.equal(k.closed, false);
});

test('access log line in Envoy default format', async () => {
  await request(proxy.port, { path: '/logged', headers: { 'user-agent': 'ua/1', 'x-request-id': 'rid-1', host: 'svc:80' } });
  const line = lastLogLine();
  const re = new RegExp(
    `^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] "GET /logged HTTP/1\\.1" 200 - 0 16 \\d+ \\d+ "-" "ua/1" "rid-1" "svc:80" "127\\.0\\.0\\.1:${up.port}"$`,
  );
  assert.match(line, re);
});
