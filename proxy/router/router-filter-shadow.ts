// request_mirror_policies: a copy of the request goes to the shadow cluster with `-shadow`
// appended to the host; the response is read and dropped, failures are ignored (fire and forget).
// As in Envoy (whose shadow goes through a router of its own), the shadow cluster and host count
// the response: upstream_rq_<code>, upstream_rq_<class>xx, host rq_success / rq_error.
import { ResetReason } from '../http/codec-types';
import type { RequestHead } from '../http/filter-types';
import type { H1Parser } from '../http/h1/h1-parser';
import type { Http1ConnectionPool, Http1PoolConnection, UpstreamStreamHandler } from '../upstream/http1-pool';
import { clusterTrafficStats } from '../upstream/http1-pool-stats';
import type { Cluster, Host } from '../upstream/types';

class ShadowRequest implements UpstreamStreamHandler {
  private status = 0;
  constructor(
    private readonly cluster: Cluster,
    private readonly host: Host,
    private readonly head: string,
    private readonly body: Buffer[],
    private readonly chunked: boolean,
  ) {}
  onPoolReady(conn: Http1PoolConnection): void {
    conn.cork();
    conn.write(this.head);
    for (const b of this.body) {
      if (this.chunked) conn.write(`${b.length.toString(16)}\r\n`);
      conn.write(b);
      if (this.chunked) conn.write('\r\n');
    }
    if (this.chunked) conn.write('0\r\n\r\n');
    conn.uncork();
    conn.requestComplete();
  }
  onPoolFailure(_reason: ResetReason): void {}
  onUpstreamHeaders(p: H1Parser): void {
    this.status = p.statusCode;
    clusterTrafficStats(this.cluster.info).chargeResponse(p.statusCode);
  }
  onUpstreamData(_d: Buffer): void {}
  onUpstreamComplete(): void {
    if (this.status >= 500) this.host.stats.rq_error++;
    else this.host.stats.rq_success++;
  }
  onUpstreamReset(_r: ResetReason): void {
    this.host.stats.rq_error++;
  }
  onUpstreamDrain(): void {}
}

/** `host:port` -> `host-shadow:port`. */
export function shadowAuthority(authority: string): string {
  const m = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(authority);
  if (m === null) return `${authority}-shadow`;
  return `${m[1]}-shadow${m[2] ?? ''}`;
}

export function sendShadow(cluster: Cluster, req: RequestHead, body: readonly Buffer[], chunked: boolean, headersOnly: boolean, suffix = true): void {
  const host = cluster.chooseHost(undefined);
  if (host === undefined) return;
  const h = req.headers.clone();
  if (suffix) h.set('host', shadowAuthority(req.authority));
  let head = `${req.method} ${req.path} HTTP/1.1\r\n${h.serialize()}`;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  else if (headersOnly && !h.has('content-length') && !['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'].includes(req.method)) head += 'content-length: 0\r\n';
  head += '\r\n';
  const pool = cluster.connectionPool(host) as Http1ConnectionPool;
  pool.newStream(new ShadowRequest(cluster, host, head, [...body], chunked), req.method === 'HEAD');
}
