// DNS discovery for STRICT_DNS and LOGICAL_DNS clusters. Each configured endpoint name is a
// resolve target re-resolved every dns_refresh_rate (or the record TTL with respect_dns_ttl;
// failures back off from dns_failure_refresh_rate). dns_lookup_family follows Envoy: AUTO tries
// IPv6 then IPv4, V4_PREFERRED the reverse, ALL takes both. Names go through the system
// resolver (getaddrinfo, so /etc/hosts applies); TTLs need DNS answers, so respect_dns_ttl asks
// DNS directly first and falls back to the system resolver.
import { promises as dnsp, lookup } from 'node:dns';
import type { DnsConfig, DnsLookupFamily } from './cluster-config';
import { ipFamily } from './endpoint-config';

export interface Resolved {
  readonly ip: string;
  readonly family: 4 | 6;
}

export interface ResolveResult {
  readonly addresses: readonly Resolved[];
  /** Smallest record TTL when known. */
  readonly ttlMs: number | undefined;
}

function lookupFamily(name: string, family: 0 | 4 | 6): Promise<Resolved[]> {
  return new Promise((resolve, reject) => {
    lookup(name, { all: true, family, verbatim: true }, (err, addrs) => {
      if (err) {
        if (err.code === 'ENOTFOUND' || err.code === 'ENODATA') resolve([]);
        else reject(err);
        return;
      }
      resolve(addrs.filter((a) => family === 0 || a.family === family).map((a) => ({ ip: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });
}

async function dnsFamily(name: string, family: 4 | 6): Promise<{ list: Resolved[]; ttl: number | undefined }> {
  try {
    const recs = family === 4 ? await dnsp.resolve4(name, { ttl: true }) : await dnsp.resolve6(name, { ttl: true });
    let ttl: number | undefined;
    for (const r of recs) ttl = ttl === undefined ? r.ttl : Math.min(ttl, r.ttl);
    return { list: recs.map((r) => ({ ip: r.address, family })), ttl: ttl === undefined ? undefined : ttl * 1000 };
  } catch {
    return { list: [], ttl: undefined };
  }
}

async function byFamily(name: string, family: 4 | 6, respectTtl: boolean): Promise<ResolveResult> {
  if (respectTtl) {
    const r = await dnsFamily(name, family);
    if (r.list.length > 0) return { addresses: r.list, ttlMs: r.ttl };
  }
  return { addresses: await lookupFamily(name, family), ttlMs: undefined };
}

/** Resolves `name` per Envoy's dns_lookup_family; an IP literal resolves to itself. */
export async function resolveName(name: string, family: DnsLookupFamily, respectTtl: boolean): Promise<ResolveResult> {
  const literal = ipFamily(name);
  if (literal !== 0) return { addresses: [{ ip: name, family: literal }], ttlMs: undefined };
  switch (family) {
    case 'V4_ONLY':
      return byFamily(name, 4, respectTtl);
    case 'V6_ONLY':
      return byFamily(name, 6, respectTtl);
    case 'V4_PREFERRED': {
      const v4 = await byFamily(name, 4, respectTtl);
      return v4.addresses.length > 0 ? v4 : byFamily(name, 6, respectTtl);
    }
    case 'ALL': {
      const [v4, v6] = await Promise.all([byFamily(name, 4, respectTtl), byFamily(name, 6, respectTtl)]);
      const ttls = [v4.ttlMs, v6.ttlMs].filter((t): t is number => t !== undefined);
      return { addresses: [...v4.addresses, ...v6.addresses], ttlMs: ttls.length ? Math.min(...ttls) : undefined };
    }
    default: {
      const v6 = await byFamily(name, 6, respectTtl);
      return v6.addresses.length > 0 ? v6 : byFamily(name, 4, respectTtl);
    }
  }
}

/** One name re-resolved on its own schedule; results go to `onResult` (an error keeps old hosts). */
export class ResolveTarget {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;
  resolvedOnce = false;

  constructor(
    readonly name: string,
    private readonly cfg: DnsConfig,
    private readonly onResult: (t: ResolveTarget, r: ResolveResult | undefined) => void,
  ) {}

  start(): void {
    void this.resolve();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async resolve(): Promise<void> {
    let result: ResolveResult | undefined;
    try {
      result = await resolveName(this.name, this.cfg.family, this.cfg.respectTtl);
    } catch {
      result = undefined;
    }
    if (this.stopped) return;
    this.resolvedOnce = true;
    let next = this.cfg.refreshRateMs;
    if (result === undefined) {
      this.failures++;
      const base = this.cfg.failureRefreshBaseMs;
      if (base > 0) next = Math.min(this.cfg.failureRefreshMaxMs, base * 2 ** Math.min(this.failures - 1, 20)) * (0.5 + Math.random() / 2);
    } else {
      this.failures = 0;
      if (this.cfg.respectTtl && result.ttlMs !== undefined && result.ttlMs > 0) next = result.ttlMs;
    }
    this.onResult(this, result);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.resolve(), Math.max(1, next));
    this.timer.unref();
  }
}
