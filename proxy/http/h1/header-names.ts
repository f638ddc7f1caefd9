// Well-known header names as constant strings. The head parser returns these instead of slicing
// (and lower-casing) the received bytes: no string is allocated for the usual names, and later
// lookups compare them with the literals in the code by pointer (both are internalized).
const NAMES = [
  'accept', 'accept-encoding', 'accept-language', 'accept-ranges', 'access-control-allow-origin', 'age', 'alt-svc',
  'authorization', 'cache-control', 'connection', 'content-encoding', 'content-length', 'content-range', 'content-type',
  'cookie', 'date', 'etag', 'expect', 'expires', 'forwarded', 'grpc-message', 'grpc-status', 'host', 'http2-settings',
  'if-modified-since', 'if-none-match', 'keep-alive', 'last-modified', 'location', 'origin', 'pragma', 'proxy-connection',
  'range', 'referer', 'sec-websocket-accept', 'sec-websocket-key', 'sec-websocket-version', 'server', 'set-cookie',
  'strict-transport-security', 'te', 'traceparent', 'tracestate', 'transfer-encoding', 'upgrade', 'user-agent', 'vary',
  'via', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-spanid', 'x-b3-traceid', 'x-content-type-options',
  'x-envoy-attempt-count', 'x-envoy-expected-rq-timeout-ms', 'x-envoy-external-address', 'x-envoy-internal',
  'x-envoy-original-path', 'x-envoy-upstream-service-time', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto',
  'x-frame-options', 'x-request-id',
];

/** Tried first within their length: the names nearly every request or response carries. */
const COMMON = ['host', 'date', 'server', 'content-type', 'content-length', 'connection', 'user-agent', 'accept'];

/** Candidates by length, each with its bytes for the comparison. */
const BY_LENGTH: (readonly { readonly name: string; readonly bytes: Uint8Array }[] | undefined)[] = [];
for (const name of [...COMMON, ...NAMES.filter((n) => !COMMON.includes(n))]) {
  const list = (BY_LENGTH[name.length] ??= []) as { name: string; bytes: Uint8Array }[];
  list.push({ name, bytes: Uint8Array.from(Buffer.from(name, 'latin1')) });
}

/**
 * The constant for the token buf[s, e) compared case-insensitively, or undefined. The bytes are
 * already known to be tchars: OR-ing 0x20 then folds only letters onto the lower-case table bytes
 * ('-' and digits map to themselves; no other tchar lands on a letter, '-' or digit).
 */
export function knownHeaderName(buf: Buffer, s: number, e: number): string | undefined {
  const list = BY_LENGTH[e - s];
  if (list === undefined) return undefined;
  for (let k = 0; k < list.length; k++) {
    const bytes = list[k].bytes;
    let j = 0;
    while (j < bytes.length && (buf[s + j] | 0x20) === bytes[j]) j++;
    if (j === bytes.length) return list[k].name;
  }
  return undefined;
}
