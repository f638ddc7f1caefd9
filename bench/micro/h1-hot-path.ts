// Micro benchmark: the small tricks on the HTTP proxy path, each against what it replaced.
//   - header names: the parser's constant for a well-known name vs slicing + lower-casing the text
//   - x-request-id: the pooled, table-formatted UUID vs crypto.randomUUID()
//   - presence bits: skipping the x-envoy-* stripping scans when no such header can be present
//   - response text: one latin1 string for head + small body vs the head string and body Buffer
// Bounded: a fixed count per case, best of 5 rounds; prints ns/op. Run after tsc:
//   node .build/<dir>/bench/micro/h1-hot-path.js
// The write coalescing itself (one socket.write per response) is measured by the http-hcm
// scenario, where it is worth ~25% of the requests per second; no micro loop shows a syscall.
import { randomUUID } from 'node:crypto';
import { knownHeaderName } from '../../proxy/http/h1/header-names';
import { latin1 } from '../../proxy/http/h1/latin1';
import { HeaderBit, HeaderMapImpl } from '../../proxy/http/header-map-impl';
import { newRequestId } from '../../proxy/http/request-id';

const ROUNDS = 5;
let sink = 0;

function measure(label: string, n: number, fn: () => unknown): void {
  for (let i = 0; i < n / 10; i++) fn();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const v = fn();
      if (v === undefined) sink++;
    }
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (ns < best) best = ns;
  }
  console.log(`${label.padEnd(60)} ${best.toFixed(1).padStart(8)} ns/op`);
}

// A response head as nginx sends it: capitalised names.
const head = Buffer.from('HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 25 Nov 2025 22:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n', 'latin1');
const text = latin1(head, 0, head.length);
const spans: [number, number][] = [];
for (const m of text.matchAll(/\r\n([A-Za-z-]+):/g)) spans.push([m.index! + 2, m.index! + 2 + m[1].length]);

measure('5 response header names: slice + toLowerCase', 1_000_000, () => {
  let x = '';
  for (const [s, e] of spans) x = text.slice(s, e).toLowerCase();
  return x;
});
measure('5 response header names: knownHeaderName', 1_000_000, () => {
  let x: string | undefined = '';
  for (const [s, e] of spans) x = knownHeaderName(head, s, e);
  return x;
});

measure('x-request-id: crypto.randomUUID()', 1_000_000, () => randomUUID());
measure('x-request-id: newRequestId()', 1_000_000, () => newRequestId());

const INTERNAL = ['x-envoy-expected-rq-timeout-ms', 'x-envoy-force-trace', 'x-envoy-ip-tags', 'x-envoy-max-retries', 'x-envoy-retry-grpc-on', 'x-envoy-retry-on',
  'x-envoy-retriable-status-codes', 'x-envoy-retriable-header-names', 'x-envoy-upstream-alt-stat-name', 'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response', 'x-envoy-upstream-rq-timeout-ms', 'x-envoy-upstream-stream-duration-ms', 'x-envoy-hedge-on-per-try-timeout', 'x-envoy-original-url'];
const req = new HeaderMapImpl();
for (const [k, v] of [['host', 'a:1'], ['user-agent', 'curl'], ['accept', '*/*'], ['x-forwarded-proto', 'http'], ['x-request-id', 'x']]) req.push(k, v);
measure('strip x-envoy-* request headers: 15 has() scans', 1_000_000, () => {
  for (const n of INTERNAL) if (req.has(n)) req.remove(n);
  return req;
});
measure('strip x-envoy-* request headers: presence bit first', 1_000_000, () => {
  if (req.mayHave(HeaderBit.XEnvoy)) for (const n of INTERNAL) if (req.has(n)) req.remove(n);
  return req;
});

const body = Buffer.from('hello, bench\n');
const respHead = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\ndate: Tue, 25 Nov 2025 22:00:00 GMT\r\nserver: envoy\r\n\r\n';
measure('response head + 13 B body as one latin1 string', 1_000_000, () => Buffer.byteLength(respHead + latin1(body, 0, body.length), 'latin1'));
measure('response head + 13 B body: Buffer.concat', 1_000_000, () => Buffer.concat([Buffer.from(respHead, 'latin1'), body]).length);

if (sink < 0) console.log(sink);
