// Chooses a connection's filter chain: the compiled FilterChainMatch table, or the
// filter_chain_matcher tree when the listener has one (Envoy then ignores filter_chain_match).
// Nothing found -> the default filter chain, else undefined (the connection is closed).
import type { IssueSink } from '../config/result';
import { FilterChainTable } from './chain-match/filter-chain-table';
import { compileFilterChainMatcher, MatcherNode } from './chain-match/matcher-tree';
import type { FilterChain } from './filter-chain';
import type { ListenerConfig } from './listener-config';
import type { MatchFacts } from './types';

export interface ChainSelector {
  select(f: MatchFacts): FilterChain | undefined;
}

class TableSelector implements ChainSelector {
  constructor(
    private readonly table: FilterChainTable<FilterChain>,
    private readonly fallback: FilterChain | undefined,
  ) {}
  select(f: MatchFacts): FilterChain | undefined {
    return this.table.find(f) ?? this.fallback;
  }
}

class MatcherSelector implements ChainSelector {
  constructor(
    private readonly root: MatcherNode,
    private readonly byName: ReadonlyMap<string, FilterChain>,
    private readonly fallback: FilterChain | undefined,
  ) {}
  select(f: MatchFacts): FilterChain | undefined {
    const name = this.root.evaluate(f);
    // A match naming no chain closes the connection (Envoy does not fall back to the default).
    if (name !== undefined) return this.byName.get(name);
    return this.fallback;
  }
}

export function buildChainSelector(config: ListenerConfig, chains: readonly FilterChain[], fallback: FilterChain | undefined, sink: IssueSink): ChainSelector {
  if (config.filterChainMatcher) {
    const root = compileFilterChainMatcher(config.filterChainMatcher, 'filter_chain_matcher', sink);
    const byName = new Map<string, FilterChain>();
    for (const c of chains) byName.set(c.name, c);
    return root ? new MatcherSelector(root, byName, fallback) : new TableSelector(new FilterChainTable(), fallback);
  }
  const table = new FilterChainTable<FilterChain>();
  for (const c of chains) table.add(c.spec.match, c, `${c.spec.path}.filter_chain_match`, sink);
  return new TableSelector(table, fallback);
}
