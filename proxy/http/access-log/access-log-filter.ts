// access_log[].filter (envoy.config.accesslog.v3.AccessLogFilter) compiled into predicate objects.
import type { Canonical } from '../../config/canonical';
import type { ConfigIssue } from '../../config/result';
import { responseFlagFromShort } from '../response-flags';
import type { StreamInfo } from '../stream-info';

export interface AccessLogFilter {
  evaluate(info: StreamInfo): boolean;
}

type Cmp = (a: number, b: number) => boolean;
const OPS: Record<string, Cmp> = { EQ: (a, b) => a === b, GE: (a, b) => a >= b, LE: (a, b) => a <= b, NE: (a, b) => a !== b };

class ComparisonFilter implements AccessLogFilter {
  constructor(
    private readonly get: (i: StreamInfo) => number,
    private readonly cmp: Cmp,
    private readonly value: number,
  ) {}
  evaluate(info: StreamInfo): boolean {
    return this.cmp(this.get(info), this.value);
  }
}

class FnFilter implements AccessLogFilter {
  constructor(private readonly fn: (i: StreamInfo) => boolean) {}
  evaluate(info: StreamInfo): boolean {
    return this.fn(info);
  }
}

class ListFilter implements AccessLogFilter {
  constructor(
    private readonly all: boolean,
    private readonly filters: AccessLogFilter[],
  ) {}
  evaluate(info: StreamInfo): boolean {
    for (const f of this.filters) if (f.evaluate(info) !== this.all) return !this.all;
    return this.all;
  }
}

function comparison(c: Canonical | undefined, path: string, issues: ConfigIssue[], get: (i: StreamInfo) => number): AccessLogFilter {
  const cmpCfg = (c?.comparison ?? {}) as Canonical;
  const op = OPS[(cmpCfg.op as string) ?? 'EQ'];
  if (op === undefined) issues.push({ path: `${path}.comparison.op`, message: `unsupported op ${String(cmpCfg.op)}` });
  const value = ((cmpCfg.value as Canonical | undefined)?.default_value as number | undefined) ?? 0;
  return new ComparisonFilter(get, op ?? OPS.EQ, value);
}

function headerPredicate(h: Canonical): (v: string | undefined) => boolean {
  const invert = h.invert_match === true;
  let f: (v: string | undefined) => boolean;
  const sm = h.string_match as Canonical | undefined;
  if (h.present_match !== undefined) f = (v) => (v !== undefined) === (h.present_match !== false);
  else if (h.exact_match !== undefined) f = (v) => v === h.exact_match;
  else if (h.prefix_match !== undefined) f = (v) => v !== undefined && v.startsWith(h.prefix_match as string);
  else if (h.suffix_match !== undefined) f = (v) => v !== undefined && v.endsWith(h.suffix_match as string);
  else if (sm !== undefined) {
    const ic = sm.ignore_case === true;
    const norm = (s: string): string => (ic ? s.toLowerCase() : s);
    if (sm.exact !== undefined) f = (v) => v !== undefined && norm(v) === norm(sm.exact as string);
    else if (sm.prefix !== undefined) f = (v) => v !== undefined && norm(v).startsWith(norm(sm.prefix as string));
    else if (sm.suffix !== undefined) f = (v) => v !== undefined && norm(v).endsWith(norm(sm.suffix as string));
    else if (sm.contains !== undefined) f = (v) => v !== undefined && norm(v).includes(norm(sm.contains as string));
    else if (sm.safe_regex !== undefined) {
      const re = new RegExp(`^(?:${(sm.safe_regex as Canonical).regex as string})$`);
      f = (v) => v !== undefined && re.test(v);
    } else f = (v) => v !== undefined;
  } else f = (v) => v !== undefined;
  return invert ? (v) => !f(v) : f;
}

export function compileAccessLogFilter(c: Canonical, path: string, issues: ConfigIssue[]): AccessLogFilter {
  if (c.status_code_filter !== undefined) return comparison(c.status_code_filter as Canonical, `${path}.status_code_filter`, issues, (i) => i.responseCode);
  if (c.duration_filter !== undefined) return comparison(c.duration_filter as Canonical, `${path}.duration_filter`, issues, (i) => Math.floor(i.finalMs));
  if (c.not_health_check_filter !== undefined) return new FnFilter((i) => !i.healthCheck);
  if (c.traceable_filter !== undefined) return new FnFilter(() => false);
  if (c.response_flag_filter !== undefined) {
    const flags = ((c.response_flag_filter as Canonical).flags as string[] | undefined) ?? [];
    let mask = 0;
    flags.forEach((f, k) => {
      const bit = responseFlagFromShort(f);
      if (bit === undefined) issues.push({ path: `${path}.response_flag_filter.flags[${k}]`, message: `unknown response flag ${f}` });
      else mask |= bit;
    });
    return new FnFilter(flags.length === 0 ? (i) => i.responseFlags !== 0 : (i) => (i.responseFlags & mask) !== 0);
  }
  if (c.header_filter !== undefined) {
    const h = (c.header_filter as Canonical).header as Canonical;
    const name = String(h.name ?? '').toLowerCase();
    const pred = headerPredicate(h);
    return new FnFilter((i) => pred(i.requestHeaders?.getJoined(name)));
  }
  if (c.runtime_filter !== undefined) {
    const pd = (c.runtime_filter as Canonical).percent_sampled as Canonical | undefined;
    const num = (pd?.numerator as number | undefined) ?? 0;
    const den = ({ HUNDRED: 100, TEN_THOUSAND: 10000, MILLION: 1000000 } as Record<string, number>)[(pd?.denominator as string) ?? 'HUNDRED'] ?? 100;
    return new FnFilter(() => Math.random() * den < num);
  }
  for (const key of ['and_filter', 'or_filter'] as const) {
    if (c[key] !== undefined) {
      const list = (((c[key] as Canonical).filters as Canonical[] | undefined) ?? []).map((f, k) => compileAccessLogFilter(f, `${path}.${key}.filters[${k}]`, issues));
      return new ListFilter(key === 'and_filter', list);
    }
  }
  issues.push({ path, message: `unsupported access log filter: ${Object.keys(c).join(',')}` });
  return new FnFilter(() => true);
}
