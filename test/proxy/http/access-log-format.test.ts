import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFormat, ISTIO_DEFAULT_FORMAT, ISTIO_DEFAULT_JSON_FORMAT, JsonFormatter, TextFormatter } from '../../../proxy/http/access-log/formatter';
import { HeaderMapImpl } from '../../../proxy/http/header-map-impl';
import { StreamInfo } from '../../../proxy/http/stream-info';
import { ResponseFlag } from '../../../proxy/http/response-flags';

function info(): StreamInfo {
  const i = new StreamInfo({
    id: 7, remoteAddress: '10.0.0.2:5555', remoteIp: '10.0.0.2', remotePort: 5555, localAddress: '10.0.0.1:80', localIp: '10.0.0.1', localPort: 80,
    directRemoteAddress: '10.0.0.2:5555', requestedServerName: '', secure: false,
  });
  i.method = 'GET';
  i.path = '/p';
  i.authority = 'svc';
  i.responseCode = 503;
  i.responseFlags = ResponseFlag.UpstreamConnectionFailure | ResponseFlag.UpstreamRetryLimitExceeded;
  i.responseCodeDetails = 'upstream_reset_before_response_started{connection_failure}';
  i.finalMs = 12.7;
  i.requestHeaders = HeaderMapImpl.from([['x-request-id', 'abc'], ['user-agent', 'curl/8']]);
  i.responseHeaders = new HeaderMapImpl();
  return i;
}

test('operators, alternatives, truncation and strftime', () => {
  const r = compileFormat('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %REQ(USER-AGENT):3% %RESPONSE_FLAGS% %DURATION% %START_TIME(%Y)% %CONNECTION_ID% 100%%\n');
  assert.ok(r.ok);
  const s = new TextFormatter(r.parts).format(info());
  assert.equal(s, `/p cur UF,URX 12 ${new Date().getUTCFullYear()} 7 100%\n`);
  assert.equal(compileFormat('%NOT_AN_OPERATOR%').ok, false);
});

test('Istio text and JSON defaults', () => {
  const r = compileFormat(ISTIO_DEFAULT_FORMAT);
  assert.ok(r.ok);
  const line = new TextFormatter(r.parts).format(info());
  assert.match(line, /"GET \/p HTTP\/1\.1" 503 UF,URX upstream_reset_before_response_started\{connection_failure\} - "-" 0 0 12 - "-" "curl\/8" "abc" "svc" "-" - - 10\.0\.0\.1:80 10\.0\.0\.2:5555 - -\n$/);
  const j = JsonFormatter.compile(ISTIO_DEFAULT_JSON_FORMAT);
  assert.ok(j.ok);
  const obj = JSON.parse(j.formatter.format(info()));
  assert.equal(obj.response_code, 503);
  assert.equal(obj.response_flags, 'UF,URX');
  assert.equal(obj.upstream_host, null);
  assert.equal(obj.request_id, 'abc');
});
