// A StatsScope the store did not make: it forwards to one of the store's scopes, so stats work,
// but store-only features (stat blocks, deferral) must fall back to plain stats through it.
import type { StatsScope } from '../../proxy/stats/types';

export function foreignScope(inner: StatsScope): StatsScope {
  return {
    prefix: inner.prefix,
    counter: (n) => inner.counter(n),
    gauge: (n) => inner.gauge(n),
    histogram: (n) => inner.histogram(n),
    textReadout: (n) => inner.textReadout(n),
    scope: (p) => inner.scope(p),
    release: () => inner.release(),
  };
}
