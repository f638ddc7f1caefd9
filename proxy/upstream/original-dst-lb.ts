// ORIGINAL_DST's CLUSTER_PROVIDED balancer: the host is the downstream connection's original
// destination (or, with use_http_header, the `x-envoy-original-dst-host` value), created on
// first use and removed by a cleanup pass every cleanup_interval when it has not been picked
// since the previous pass and carries no connection. Lookups go ip -> port -> host, so a pick
// builds no string.
import type { OriginalDstConfig } from './cluster-config';
import type { ClusterImpl, ClusterProvidedLb } from './cluster-impl';
import { parseIpPort, socketAddress } from './endpoint-config';
import { HostImpl } from './host';
import type { HostAddress, LbContext, Locality } from './types';

const NO_LOCALITY: Locality = Object.freeze({ region: '', zone: '', sub_zone: '' });

export class OriginalDstLb implements ClusterProvidedLb {
  private readonly byIp = new Map<string, Map<number, HostImpl>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cluster: ClusterImpl,
    private readonly cfg: OriginalDstConfig,
  ) {
    this.timer = setInterval(() => this.cleanup(), cfg.cleanupIntervalMs);
    this.timer.unref();
  }

  chooseHost(ctx: LbContext | undefined): HostImpl | undefined {
    if (ctx === undefined) return undefined;
    let ip: string | undefined;
    let port = 0;
    let parsed: HostAddress | undefined;
    if (this.cfg.useHttpHeader) {
      const v = ctx.originalDstHostHeader ?? ctx.requestHeader?.(this.cfg.httpHeaderName);
      if (v !== undefined && v !== '') {
        parsed = parseIpPort(v.trim());
        if (parsed !== undefined && parsed.kind === 'socket') {
          ip = parsed.ip;
          port = parsed.port;
        }
      }
    }
    if (ip === undefined) {
      const od = ctx.originalDestination;
      if (od === undefined) return undefined;
      ip = od.ip;
      port = od.port;
    }
    if (this.cfg.portOverride > 0) port = this.cfg.portOverride;
    let ports = this.byIp.get(ip);
    let h = ports?.get(port);
    if (h === undefined) {
      const addr = socketAddress(ip, port);
      if (addr === undefined) return undefined;
      h = new HostImpl(this.cluster, addr, '', 1, 0, NO_LOCALITY, undefined);
      if (ports === undefined) this.byIp.set(ip, (ports = new Map()));
      ports.set(port, h);
      this.cluster.addHost(h);
    }
    h.used = true;
    return h;
  }

  /** One cleanup pass (public for tests). */
  cleanup(): void {
    const gone: HostImpl[] = [];
    for (const [ip, ports] of this.byIp) {
      for (const [port, h] of ports) {
        if (h.used || h.stats.cx_active > 0 || h.stats.rq_active > 0) {
          h.used = false;
          continue;
        }
        ports.delete(port);
        gone.push(h);
      }
      if (ports.size === 0) this.byIp.delete(ip);
    }
    this.cluster.removeHosts(gone);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
