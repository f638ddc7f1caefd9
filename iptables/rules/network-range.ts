// CIDR lists as Istio reads them: "*" means everything, otherwise each prefix goes to the v4 or v6 list
// printed the way Go's netip.Prefix prints it (v6 compressed per RFC 5952), so rule text matches Istio's.
import { isIP } from 'node:net';
import { splitList } from '../config/capture-config';

export interface NetworkRange {
  readonly isWildcard: boolean;
  readonly cidrs: readonly string[];
  readonly hasLoopback: boolean;
}

export interface SplitRanges {
  readonly v4: NetworkRange;
  readonly v6: NetworkRange;
}

export interface ParsedPrefix {
  readonly family: 4 | 6;
  readonly text: string;
  readonly loopback: boolean;
}

/** Parses "addr/bits"; undefined when it is not a prefix Go's netip.ParsePrefix would accept. */
export function parsePrefix(s: string): ParsedPrefix | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const family = isIP(addr);
  if (family === 4) {
    if (bits > 32 || addr.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return undefined;
    return { family: 4, text: `${addr}/${bits}`, loopback: addr.startsWith('127.') };
  }
  if (family === 6 && !addr.includes('%')) {
    if (bits > 128) return undefined;
    const groups = expandIpv6(addr);
    const mappedV4 = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
    const loopback = mappedV4 ? groups[6] >> 8 === 127 : groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
    return { family: 6, text: `${formatIpv6(groups)}/${bits}`, loopback };
  }
  return undefined;
}

export function separateV4V6(cidrList: string): SplitRanges {
  if (cidrList === '*') {
    const all = { isWildcard: true, cidrs: [], hasLoopback: false };
    return { v4: all, v6: all };
  }
  const v4: ParsedPrefix[] = [];
  const v6: ParsedPrefix[] = [];
  for (const item of splitList(cidrList)) {
    const p = parsePrefix(item);
    if (!p) throw new Error(`invalid CIDR ${JSON.stringify(item)} (validate the config before building rules)`);
    (p.family === 4 ? v4 : v6).push(p);
  }
  const range = (ps: ParsedPrefix[]): NetworkRange => ({
    isWildcard: false,
    cidrs: ps.map((p) => p.text),
    hasLoopback: ps.some((p) => p.loopback),
  });
  return { v4: range(v4), v6: range(v6) };
}

function expandIpv6(addr: string): number[] {
  let text = addr.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 tail (e.g. ::127.0.0.53) is two 16-bit groups.
    const o = last.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const gap = text.indexOf('::');
  if (gap < 0) return parse(text);
  const left = parse(text.slice(0, gap));
  const right = parse(text.slice(gap + 2));
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function formatIpv6(g: number[]): string {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}
