// Longest-prefix match over CIDR ranges, built once per config: one hash map per distinct prefix
// length, probed from the longest length down. A lookup costs one probe per distinct length
// (Istio configs use a handful: /32, /128, /0), with no allocation for IPv4.
import { ipv4ToUint, ipv6ToBytes, stripV4Mapped } from './address';

/** An address parsed once per connection for every CIDR table it meets. */
export interface ParsedIp {
  /** uint32 for IPv4, -1 for IPv6. */
  readonly v4: number;
  /** 32 lower-case hex digits for IPv6, '' for IPv4. */
  readonly v6hex: string;
}

export const NO_IP: ParsedIp = { v4: -1, v6hex: '' };

export function parseIp(ip: string): ParsedIp {
  const v = stripV4Mapped(ip);
  const n = ipv4ToUint(v);
  if (n >= 0) return { v4: n, v6hex: '' };
  const b = ipv6ToBytes(v);
  if (!b) return NO_IP;
  return { v4: -1, v6hex: Buffer.from(b).toString('hex') };
}

function v4Key(ip: number, len: number): number {
  return len === 0 ? 0 : len >= 32 ? ip : ip >>> (32 - len);
}

const NIBBLE_MASK = [0x0, 0x8, 0xc, 0xe];

function v6Key(hex: string, len: number): string {
  const full = len >> 2;
  const rest = len & 3;
  if (rest === 0) return hex.slice(0, full);
  return hex.slice(0, full) + (parseInt(hex[full], 16) & NIBBLE_MASK[rest]).toString(16);
}

export interface CidrSpec {
  readonly ip: string;
  readonly prefixLen: number;
}

/** Validates a CidrRange; returns an error message or the normalised spec. */
export function checkCidr(ip: string, prefixLen: number): string | CidrSpec {
  const p = parseIp(ip);
  if (p.v4 >= 0) {
    if (!(prefixLen >= 0 && prefixLen <= 32)) return `invalid prefix length ${prefixLen} for IPv4 ${ip}`;
  } else if (p.v6hex) {
    if (!(prefixLen >= 0 && prefixLen <= 128)) return `invalid prefix length ${prefixLen} for IPv6 ${ip}`;
  } else return `malformed IP address: ${ip}`;
  return { ip: stripV4Mapped(ip), prefixLen };
}

class Level<K, T> {
  readonly map = new Map<K, T>();
  constructor(readonly len: number) {}
}

export class CidrTable<T> {
  private v4: Level<number, T>[] = [];
  private v6: Level<string, T>[] = [];

  /** The value stored for exactly this range (to merge into), or undefined. */
  get(spec: CidrSpec): T | undefined {
    const p = parseIp(spec.ip);
    if (p.v4 >= 0) return this.v4.find((l) => l.len === spec.prefixLen)?.map.get(v4Key(p.v4, spec.prefixLen));
    return this.v6.find((l) => l.len === spec.prefixLen)?.map.get(v6Key(p.v6hex, spec.prefixLen));
  }

  set(spec: CidrSpec, value: T): void {
    const p = parseIp(spec.ip);
    if (p.v4 >= 0) {
      let l = this.v4.find((x) => x.len === spec.prefixLen);
      if (!l) {
        l = new Level<number, T>(spec.prefixLen);
        this.v4.push(l);
        this.v4.sort((a, b) => b.len - a.len);
      }
      l.map.set(v4Key(p.v4, spec.prefixLen), value);
    } else {
      let l = this.v6.find((x) => x.len === spec.prefixLen);
      if (!l) {
        l = new Level<string, T>(spec.prefixLen);
        this.v6.push(l);
        this.v6.sort((a, b) => b.len - a.len);
      }
      l.map.set(v6Key(p.v6hex, spec.prefixLen), value);
    }
  }

  /** The value of the longest range containing `ip`. */
  lookup(ip: ParsedIp): T | undefined {
    if (ip.v4 >= 0) {
      const levels = this.v4;
      for (let i = 0; i < levels.length; i++) {
        const v = levels[i].map.get(v4Key(ip.v4, levels[i].len));
        if (v !== undefined) return v;
      }
      return undefined;
    }
    if (ip.v6hex === '') return undefined;
    const levels = this.v6;
    for (let i = 0; i < levels.length; i++) {
      const v = levels[i].map.get(v6Key(ip.v6hex, levels[i].len));
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Every range containing `ip`, longest first (the IPMatcher falls back to shorter ones). */
  lookupAll(ip: ParsedIp): T[] {
    const out: T[] = [];
    if (ip.v4 >= 0) {
      for (const l of this.v4) {
        const v = l.map.get(v4Key(ip.v4, l.len));
        if (v !== undefined) out.push(v);
      }
    } else if (ip.v6hex !== '') {
      for (const l of this.v6) {
        const v = l.map.get(v6Key(ip.v6hex, l.len));
        if (v !== undefined) out.push(v);
      }
    }
    return out;
  }

  values(): T[] {
    const out: T[] = [];
    for (const l of this.v4) for (const v of l.map.values()) out.push(v);
    for (const l of this.v6) for (const v of l.map.values()) out.push(v);
    return out;
  }
}
