// Virtual host selection by :authority, Envoy's order: exact domain; then the longest suffix
// wildcard ('*.foo.com', '*-bar.foo.com'); then the longest prefix wildcard ('foo.*'); then '*'.
// A wildcard's '*' must cover at least one character. Wildcards are bucketed by the length of
// their fixed part, longest first, so a lookup costs one map probe per distinct length.
import type { IssueSink } from '../config/result';
import { portStart } from './host-port';

interface Bucket<V> {
  readonly len: number;
  readonly map: Map<string, V>;
}

export class VirtualHostMap<V> {
  private readonly exact = new Map<string, V>();
  private readonly suffixes: Bucket<V>[] = [];
  private readonly prefixes: Bucket<V>[] = [];
  private defaultHost: V | undefined = undefined;
  private onlyDefault = true;

  constructor(
    private readonly routeName: string,
    private readonly ignorePort: boolean,
  ) {}

  /** Adds a domain; a duplicate (after lower-casing) is an error at `path`. */
  add(domain: string, value: V, path: string, sink: IssueSink): void {
    const d = domain.toLowerCase();
    let dup = false;
    if (d === '*') {
      if (this.defaultHost !== undefined) {
        sink.error(path, `Only a single wildcard domain is permitted in route ${this.routeName}`);
        return;
      }
      this.defaultHost = value;
      return;
    }
    this.onlyDefault = false;
    if (d.startsWith('*')) dup = !insert(this.suffixes, d.slice(1), value);
    else if (d.endsWith('*')) dup = !insert(this.prefixes, d.slice(0, -1), value);
    else if (this.exact.has(d)) dup = true;
    else this.exact.set(d, value);
    if (dup) sink.error(path, `Only unique values for domains are permitted. Duplicate entry of domain ${d} in route ${this.routeName}`);
  }

  find(authority: string): V | undefined {
    if (this.onlyDefault) return this.defaultHost;
    let host = authority;
    if (this.ignorePort) {
      const p = portStart(host);
      if (p >= 0) host = host.slice(0, p);
    }
    host = host.toLowerCase();
    const e = this.exact.get(host);
    if (e !== undefined) return e;
    const n = host.length;
    for (const b of this.suffixes) {
      if (b.len >= n) continue;
      const v = b.map.get(host.slice(n - b.len));
      if (v !== undefined) return v;
    }
    for (const b of this.prefixes) {
      if (b.len >= n) continue;
      const v = b.map.get(host.slice(0, b.len));
      if (v !== undefined) return v;
    }
    return this.defaultHost;
  }
}

function insert<V>(buckets: Bucket<V>[], key: string, value: V): boolean {
  let b = buckets.find((x) => x.len === key.length);
  if (b === undefined) {
    b = { len: key.length, map: new Map() };
    buckets.push(b);
    buckets.sort((x, y) => y.len - x.len);
  }
  if (b.map.has(key)) return false;
  b.map.set(key, value);
  return true;
}
