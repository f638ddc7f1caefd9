// Socket addresses as the listener and filters see them: parsed once per connection into
// numbers so CIDR lookups cost a few integer operations, and printed as Envoy prints them.
import type { SocketAddress } from './types';

/** `ip:port`, `[v6]:port` (Envoy's Address::asString). */
export function formatSocketAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Node reports IPv4 peers of a dual-stack socket as `::ffff:a.b.c.d`; Envoy prints them as v4. */
export function stripV4Mapped(ip: string): string {
  return ip.length > 7 && ip.charCodeAt(0) === 58 /* : */ && ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

export function socketAddress(ip: string | undefined, port: number | undefined): SocketAddress {
  const v = stripV4Mapped(ip ?? '0.0.0.0');
  return { ip: v, port: port ?? 0, family: v.includes(':') ? 6 : 4 };
}

/** IPv4 dotted quad -> uint32, or -1 when not IPv4. */
export function ipv4ToUint(ip: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  return n * 256 + part;
}

/** One group of 1-4 hex digits -> its value, or -1. */
function hexGroup(s: string): number {
  if (s.length === 0 || s.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** A dotted quad inside an IPv6 address, as net.isIPv6 accepts it (no leading zeros) -> uint32, or -1. */
function embeddedV4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let n = 0;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p.charCodeAt(0) === 48)) return -1;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 48 || c > 57) return -1;
      v = v * 10 + (c - 48);
    }
    if (v > 255) return -1;
    n = n * 256 + v;
  }
  return n;
}

/** The 16-bit groups of `s` (one side of '::', or a whole address); a dotted quad may end it when `v4Last`. */
function groupsOf(s: string, v4Last: boolean): number[] | undefined {
  if (s === '') return [];
  const parts = s.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (v4Last && i === parts.length - 1 && p.includes('.')) {
      const v4 = embeddedV4(p);
      if (v4 < 0) return undefined;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      const g = hexGroup(p);
      if (g < 0) return undefined;
      out.push(g);
    }
  }
  return out;
}

/**
 * IPv6 text -> 16 bytes (v4-mapped and embedded-v4 forms included), or undefined. Accepts exactly
 * what net.isIPv6 accepts (test/proxy/network/address.test.ts compares them), without its
 * regular expression: compiling that one cost ~8 ms at the first call, on the start-up path
 * (CIDR tables of filter chain matches).
 */
export function ipv6ToBytes(ip: string): Uint8Array | undefined {
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const dbl = ip.indexOf('::');
  let all: number[];
  if (dbl < 0) {
    const g = groupsOf(ip, true);
    if (g === undefined || g.length !== 8) return undefined;
    all = g;
  } else {
    if (ip.indexOf('::', dbl + 1) >= 0) return undefined;
    const h = groupsOf(ip.slice(0, dbl), false);
    const t = groupsOf(ip.slice(dbl + 2), true);
    // '::' stands for at least one zero group.
    if (h === undefined || t === undefined || h.length + t.length > 7) return undefined;
    all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = (all[i] >> 8) & 0xff;
    out[2 * i + 1] = all[i] & 0xff;
  }
  return out;
}

/** Canonical text of an IPv6 address (RFC 5952 lower case, longest zero run compressed). */
export function canonicalIp(ip: string): string {
  const v = stripV4Mapped(ip);
  if (!v.includes(':')) return v;
  const b = ipv6ToBytes(v);
  if (!b) return v;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i] << 8) | b[2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function isWildcardIp(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::' || canonicalIp(ip) === '::';
}

export function isLoopbackIp(ip: string): boolean {
  const v = stripV4Mapped(ip);
  if (v.includes(':')) return canonicalIp(v) === '::1';
  return v.startsWith('127.');
}

let nextConnectionId = 1;

/** Process-wide connection ids (%CONNECTION_ID%), shared by every listener. */
export function newConnectionId(): number {
  return nextConnectionId++;
}
