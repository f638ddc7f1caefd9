// ListenerFilterChainMatchPredicate (a listener filter's `filter_disabled`): and/or/not over
// destination port ranges, evaluated on the (restored) local port before each filter runs.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';

export type PortPredicate = (port: number) => boolean;

export function compilePortPredicate(c: Canonical, path: string, sink: IssueSink): PortPredicate {
  if (c.any_match === true) return () => true;
  if (c.destination_port_range) {
    const r = c.destination_port_range as Canonical;
    const start = typeof r.start === 'number' ? r.start : 0;
    const end = typeof r.end === 'number' ? r.end : 0;
    return (p) => p >= start && p < end;
  }
  const list = (key: string): PortPredicate[] =>
    (((c[key] as Canonical).rules as Canonical[] | undefined) ?? []).map((r, i) => compilePortPredicate(r, `${path}.${key}.rules[${i}]`, sink));
  if (c.or_match) {
    const ps = list('or_match');
    return (p) => ps.some((f) => f(p));
  }
  if (c.and_match) {
    const ps = list('and_match');
    return (p) => ps.every((f) => f(p));
  }
  if (c.not_match) {
    const inner = compilePortPredicate(c.not_match as Canonical, `${path}.not_match`, sink);
    return (p) => !inner(p);
  }
  if (c.destination_port_range === undefined && Object.keys(c).length) sink.error(path, 'unsupported listener filter predicate');
  return () => false;
}
