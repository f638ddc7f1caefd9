/**
 * Query parameters the way Envoy's admin reads them (QueryParamsMulti): `k=v` and bare `k` (value
 * ""), percent-decoded, every value kept in order, lookups take the first. A `+` in the URL stays a
 * `+` so that `filter=a.+b` is the regex the user typed; form bodies (POST with
 * application/x-www-form-urlencoded and no URL query) decode `+` as a space.
 */
export class QueryParams {
  constructor(readonly entries: readonly (readonly [string, string])[]) {}

  static fromUrl(pathAndQuery: string): QueryParams {
    const at = pathAndQuery.indexOf('?');
    if (at < 0) return new QueryParams([]);
    let query = pathAndQuery.slice(at + 1);
    const hash = query.indexOf('#');
    if (hash >= 0) query = query.slice(0, hash);
    return QueryParams.parse(query, false);
  }

  static parse(text: string, plusIsSpace: boolean): QueryParams {
    const out: [string, string][] = [];
    for (const part of text.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const k = eq < 0 ? part : part.slice(0, eq);
      const v = eq < 0 ? '' : part.slice(eq + 1);
      out.push([decode(k, plusIsSpace), decode(v, plusIsSpace)]);
    }
    return new QueryParams(out);
  }

  get size(): number {
    return this.entries.length;
  }

  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }

  /** The first value of `key` (possibly ""), or undefined when absent. */
  first(key: string): string | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }

  /** The first value of `key` unless absent or empty (Envoy's `nonEmptyQueryParam`). */
  nonEmpty(key: string): string | undefined {
    const v = this.first(key);
    return v === undefined || v === '' ? undefined : v;
  }
}

function decode(s: string, plusIsSpace: boolean): string {
  const t = plusIsSpace ? s.replace(/\+/g, ' ') : s;
  if (!t.includes('%')) return t;
  try {
    return decodeURIComponent(t);
  } catch {
    // A stray '%' is kept literally rather than failing the whole request.
    return t.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}
