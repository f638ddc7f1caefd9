// The HeaderMap the HTTP/1 codec fills: two parallel arrays in wire order (a linear scan beats a
// hash map at the dozen headers a request carries), plus the raw bytes of the received header
// block. While no received header was changed or removed, serialising reuses those bytes and
// appends only what the proxy added, so a forwarded head is not rebuilt field by field.
//
// `bits` says which headers the connection manager and router care about *may* be present: a clear
// bit means absent for sure, so the managed-header code skips its lookups for the usual request
// that carries none of them (a dozen scans per request otherwise).
import type { HeaderMap } from './header-map';

/** Header families with a presence bit (see `headerBit`). */
export const enum HeaderBit {
  /** connection, keep-alive, proxy-connection, transfer-encoding, te, upgrade */
  HopByHop = 1,
  /** any x-envoy-* header */
  XEnvoy = 2,
  XForwardedFor = 4,
  XForwardedProto = 8,
  XRequestId = 16,
  Via = 32,
  ContentLength = 64,
  Server = 128,
  Date = 256,
  /** grpc-status (retry_on grpc codes) */
  GrpcStatus = 512,
}

/** The presence bit of a lower-case header name (0 for names nobody asks about in bulk). */
export function headerBit(name: string): number {
  switch (name.length) {
    case 2:
      return name === 'te' ? HeaderBit.HopByHop : 0;
    case 3:
      return name === 'via' ? HeaderBit.Via : 0;
    case 4:
      return name === 'date' ? HeaderBit.Date : 0;
    case 6:
      return name === 'server' ? HeaderBit.Server : 0;
    case 7:
      return name === 'upgrade' ? HeaderBit.HopByHop : 0;
    case 10:
      return name === 'connection' || name === 'keep-alive' ? HeaderBit.HopByHop : 0;
    case 11:
      return name === 'grpc-status' ? HeaderBit.GrpcStatus : 0;
    case 12:
      if (name === 'x-request-id') return HeaderBit.XRequestId;
      break;
    case 14:
      if (name === 'content-length') return HeaderBit.ContentLength;
      break;
    case 15:
      if (name === 'x-forwarded-for') return HeaderBit.XForwardedFor;
      break;
    case 16:
      if (name === 'proxy-connection') return HeaderBit.HopByHop;
      break;
    case 17:
      if (name === 'transfer-encoding') return HeaderBit.HopByHop;
      if (name === 'x-forwarded-proto') return HeaderBit.XForwardedProto;
      break;
  }
  // x-envoy-*: 'x' then '-envoy-'.
  return name.length > 8 && name.charCodeAt(0) === 120 && name.startsWith('x-envoy-') ? HeaderBit.XEnvoy : 0;
}

export class HeaderMapImpl implements HeaderMap {
  readonly names: string[] = [];
  readonly values: string[] = [];
  /** The received head text; from `rawStart` on it is the header lines (each ending CRLF). */
  raw: string | undefined = undefined;
  private rawStart = 0;
  /** How many leading entries came from `raw`. */
  rawCount = 0;
  /** A received entry was changed or removed: `raw` no longer describes them. */
  rawDirty = false;
  /** Presence bits (HeaderBit) of every name ever added; never cleared by removal. */
  bits = 0;

  get size(): number {
    return this.names.length;
  }

  /** Codec use: appends a parsed entry (name already lower-case). */
  push(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
    this.bits |= headerBit(name);
  }

  /** Codec use: appends a parsed entry whose presence bit the codec already computed. */
  pushWithBit(name: string, value: string, bit: number): void {
    this.names.push(name);
    this.values.push(value);
    this.bits |= bit;
  }

  /** Codec use: the entries pushed so far are exactly the lines of `raw`. */
  setRaw(headText: string, start: number): void {
    this.raw = headText;
    this.rawStart = start;
    this.rawCount = this.names.length;
    this.rawDirty = false;
  }

  /** True when `bit` may be present (false: certainly absent). */
  mayHave(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  get(name: string): string | undefined {
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) return this.values[i];
    return undefined;
  }

  getAll(name: string): readonly string[] {
    const out: string[] = [];
    const names = this.names;
    for (let i = 0; i < names.length; i++) if (names[i] === name) out.push(this.values[i]);
    return out;
  }

  /** All values of `name` joined by ',' as Envoy presents a repeated header to matchers. */
  getJoined(name: string): string | undefined {
    let out: string | undefined;
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === name) out = out === undefined ? this.values[i] : `${out},${this.values[i]}`;
    }
    return out;
  }

  has(name: string): boolean {
    return this.names.indexOf(name) >= 0;
  }

  set(name: string, value: string): void {
    const names = this.names;
    const i = names.indexOf(name);
    if (i < 0) {
      this.push(name, value);
      return;
    }
    if (this.values[i] !== value) {
      this.values[i] = value;
      if (i < this.rawCount) this.rawDirty = true;
    }
    // Later duplicates go: set() replaces every value.
    for (let j = names.length - 1; j > i; j--) if (names[j] === name) this.removeAt(j);
  }

  add(name: string, value: string): void {
    this.push(name, value);
  }

  remove(name: string): void {
    const names = this.names;
    for (let j = names.length - 1; j >= 0; j--) if (names[j] === name) this.removeAt(j);
  }

  /** Removes every header whose name starts with `prefix`. */
  removePrefix(prefix: string): void {
    const names = this.names;
    for (let j = names.length - 1; j >= 0; j--) if (names[j].startsWith(prefix)) this.removeAt(j);
  }

  removeAt(i: number): void {
    if (i < this.rawCount) {
      this.rawDirty = true;
      this.rawCount--;
    }
    // A shift and pop: splice would allocate the array of removed entries.
    const names = this.names;
    const values = this.values;
    const last = names.length - 1;
    for (let k = i; k < last; k++) {
      names[k] = names[k + 1];
      values[k] = values[k + 1];
    }
    names.pop();
    values.pop();
  }

  forEach(fn: (name: string, value: string) => void): void {
    const names = this.names;
    for (let i = 0; i < names.length; i++) fn(names[i], this.values[i]);
  }

  /** The header lines as wire text (each ending CRLF), reusing the received bytes when unchanged. */
  serialize(): string {
    let s = '';
    let start = 0;
    if (this.raw !== undefined && !this.rawDirty) {
      s = this.rawStart === 0 ? this.raw : this.raw.slice(this.rawStart);
      start = this.rawCount;
    }
    const names = this.names;
    const values = this.values;
    for (let i = start; i < names.length; i++) s += `${names[i]}: ${values[i]}\r\n`;
    return s;
  }

  /** Plain copy (e.g. a mirrored request); the copy does not share raw bytes. */
  clone(): HeaderMapImpl {
    const c = new HeaderMapImpl();
    for (let i = 0; i < this.names.length; i++) c.push(this.names[i], this.values[i]);
    return c;
  }

  static from(entries: Iterable<readonly [string, string]>): HeaderMapImpl {
    const m = new HeaderMapImpl();
    for (const [k, v] of entries) m.push(k.toLowerCase(), v);
    return m;
  }
}
