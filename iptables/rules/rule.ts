// The rule set data structure. A planned rule names its IP family ('all' goes to both iptables and
// ip6tables); builders return plain arrays of them in Istio's call order, and the split into v4 and v6
// keeps that order, which is what makes the restore text match Istio's line for line.

export type Table = 'filter' | 'mangle' | 'nat' | 'raw';
export type Family = 'all' | 'v4' | 'v6';

export interface Rule {
  readonly table: Table;
  readonly chain: string;
  /** 1-based position for `-I`; absent for `-A`. */
  readonly insertAt?: number;
  readonly params: readonly string[];
}

export interface PlannedRule extends Rule {
  readonly family: Family;
}

export interface RuleSet {
  readonly v4: readonly Rule[];
  readonly v6: readonly Rule[];
}

/** Stands in for the one address that differs between the v4 and v6 copy of a rule. */
export const IP_VERSION_SPECIFIC = '\u0000ip-version-specific';

export const BUILTIN_CHAINS_AND_TARGETS: ReadonlySet<string> = new Set([
  'INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING', 'ACCEPT', 'RETURN', 'DROP',
]);

export function append(table: Table, chain: string, params: readonly string[], family: Family = 'all'): PlannedRule {
  return { family, table, chain, params };
}

export function insert(table: Table, chain: string, position: number, params: readonly string[], family: Family = 'all'): PlannedRule {
  return { family, table, chain, insertAt: position, params };
}

/** Istio's AppendVersionedRule: one v4 and one v6 rule, the placeholder replaced by each address. */
export function appendVersioned(v4: string, v6: string, table: Table, chain: string, params: readonly string[]): PlannedRule[] {
  const sub = (addr: string) => params.map((p) => (p === IP_VERSION_SPECIFIC ? addr : p));
  return [append(table, chain, sub(v4), 'v4'), append(table, chain, sub(v6), 'v6')];
}

/** Splits planned rules into the v4 and v6 lists; v6 is empty unless IPv6 is enabled (as in Istio). */
export function toRuleSet(planned: readonly PlannedRule[], enableIpv6: boolean): RuleSet {
  const strip = ({ family: _f, ...rule }: PlannedRule): Rule => rule;
  return {
    v4: planned.filter((r) => r.family !== 'v6').map(strip),
    v6: enableIpv6 ? planned.filter((r) => r.family !== 'v4').map(strip) : [],
  };
}
