// envoy.filters.listener.http_inspector: on plaintext connections, tells HTTP/1.0, HTTP/1.1 and
// HTTP/2 prior knowledge (h2c preface) apart from the first bytes and sets the application
// protocol accordingly; anything else is left undetected. Stats rooted at `http_inspector.`.
import type { StatsScope } from '../../stats/types';
import { AcceptedSocket, ListenerFilter, ListenerFilterStatus } from '../types';

export const HTTP_INSPECTOR_TYPE = 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector';
/** Envoy inspects at most this many bytes. */
const MAX_INSPECT = 8192;
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const MAX_METHOD = 24;

export const enum Detected {
  NeedMore,
  NotHttp,
  Http10,
  Http11,
  H2c,
}

function isTchar(c: number): boolean {
  // Method tokens as Envoy's parsers accept them: upper-case letters, '-' and '_'.
  return (c >= 65 && c <= 90) || c === 45 || c === 95;
}

/** Classifies the bytes seen so far. */
export function detectHttp(d: Buffer): Detected {
  const n = Math.min(d.length, H2_PREFACE.length);
  if (d.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return d.length >= H2_PREFACE.length ? Detected.H2c : Detected.NeedMore;
  let i = 0;
  while (i < d.length && isTchar(d[i])) if (++i > MAX_METHOD) return Detected.NotHttp;
  if (i === d.length) return Detected.NeedMore;
  if (i === 0 || d[i] !== 32) return Detected.NotHttp;
  i++;
  const targetStart = i;
  while (i < d.length && d[i] > 32 && d[i] < 127) i++;
  if (i === d.length) return Detected.NeedMore;
  if (i === targetStart || d[i] !== 32) return Detected.NotHttp;
  i++;
  const version = 'HTTP/1.';
  for (let k = 0; k < version.length; k++, i++) {
    if (i === d.length) return Detected.NeedMore;
    if (d[i] !== version.charCodeAt(k)) return Detected.NotHttp;
  }
  if (i === d.length) return Detected.NeedMore;
  const minor = d[i++];
  if (minor !== 48 && minor !== 49) return Detected.NotHttp;
  if (i === d.length) return Detected.NeedMore;
  if (d[i] === 10 || (d[i] === 13 && (i + 1 === d.length || d[i + 1] === 10))) {
    if (d[i] === 13 && i + 1 === d.length) return Detected.NeedMore;
    return minor === 48 ? Detected.Http10 : Detected.Http11;
  }
  return Detected.NotHttp;
}

interface HttpInspectorStats {
  http10_found: { inc(): void };
  http11_found: { inc(): void };
  http2_found: { inc(): void };
  http_not_found: { inc(): void };
}

export class HttpInspector implements ListenerFilter {
  readonly name = 'envoy.filters.listener.http_inspector';
  readonly maxReadBytes = MAX_INSPECT;
  private readonly stats: HttpInspectorStats;

  constructor(root: StatsScope) {
    const s = root.scope('http_inspector.');
    this.stats = {
      http10_found: s.counter('http10_found'),
      http11_found: s.counter('http11_found'),
      http2_found: s.counter('http2_found'),
      http_not_found: s.counter('http_not_found'),
    };
  }

  onAccept(s: AcceptedSocket): ListenerFilterStatus {
    // Only plaintext: a TLS connection's protocol comes from ALPN.
    if (s.transportProtocol !== '' && s.transportProtocol !== 'raw_buffer') return ListenerFilterStatus.Continue;
    return ListenerFilterStatus.NeedMoreData;
  }

  onData(s: AcceptedSocket, data: Buffer, full: boolean): ListenerFilterStatus {
    switch (detectHttp(data)) {
      case Detected.NeedMore:
        if (!full) return ListenerFilterStatus.NeedMoreData;
        this.stats.http_not_found.inc();
        return ListenerFilterStatus.Continue;
      case Detected.NotHttp:
        this.stats.http_not_found.inc();
        return ListenerFilterStatus.Continue;
      case Detected.Http10:
        this.stats.http10_found.inc();
        s.applicationProtocols = ['http/1.0'];
        return ListenerFilterStatus.Continue;
      case Detected.Http11:
        this.stats.http11_found.inc();
        s.applicationProtocols = ['http/1.1'];
        return ListenerFilterStatus.Continue;
      case Detected.H2c:
        this.stats.http2_found.inc();
        s.applicationProtocols = ['h2c'];
        return ListenerFilterStatus.Continue;
    }
  }
}
