// Socket addresses as the listener and filters see them: parsed once per connection into
// numbers so CIDR lookups cost a few integer operations, and printed as Envoy prints them.
import * as net from 'node:net';
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

/** IPv6 text -> 16 bytes (v4-mapped and embedded-v4 forms included), or undefined. */
export function ipv6ToBytes(ip: string): Uint8Array | undefined {
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (!net.isIPv6(ip)) return undefined;
  const out = new Uint8Array(16);
  let head = ip;
  let tail = '';
  const dbl = ip.indexOf('::');
  if (dbl >= 0) {
    head = ip.slice(0, dbl);
    tail = ip.slice(dbl + 2);
  }
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const res: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = ipv4ToUint(g);
        res.push((v4 >>> 16) & 0xffff, v4 & 0xffff);
      } else res.push(parseInt(g, 16));
    }
    return res;
  };
  const h = groups(head);
  const t = groups(tail);
  const all = dbl >= 0 ? [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t] : h;
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
