// One family's rules -> iptables-restore input, laid out as Istio's builder lays it out: tables in
// alphabetical order, each opening with -N for its ISTIO chains (those with rules first, then chains
// only jumped to), then the rules in build order. Used with --noflush, so nothing else is touched.
import { BUILTIN_CHAINS_AND_TARGETS, Rule, Table } from '../rules/rule';

export function ruleLine(rule: Rule): string {
  const head = rule.insertAt === undefined ? ['-A', rule.chain] : ['-I', rule.chain, String(rule.insertAt)];
  return [...head, ...rule.params].join(' ');
}

/** The chains a family's rules need created, per table, in creation order. */
export function chainsToCreate(rules: readonly Rule[]): Map<Table, string[]> {
  const chains = new Map<Table, string[]>();
  const add = (table: Table, chain: string) => {
    if (BUILTIN_CHAINS_AND_TARGETS.has(chain)) return;
    const list = chains.get(table) ?? [];
    if (!list.includes(chain)) list.push(chain);
    chains.set(table, list);
  };
  for (const r of rules) add(r.table, r.chain);
  for (const r of rules) {
    const n = r.params.length;
    if (n >= 2 && r.params[n - 2] === '-j') add(r.table, r.params[n - 1]);
  }
  return chains;
}

export function tablesOf(rules: readonly Rule[]): Table[] {
  return [...new Set(rules.map((r) => r.table))].sort();
}

/** The restore body for one table (no `*table` / COMMIT lines). */
export function tableBody(rules: readonly Rule[], table: Table): string[] {
  const own = rules.filter((r) => r.table === table);
  const created = chainsToCreate(own).get(table) ?? [];
  return [...created.map((c) => `-N ${c}`), ...own.map(ruleLine)];
}

export function renderRestore(rules: readonly Rule[]): string {
  return tablesOf(rules)
    .map((t) => ['* ' + t, ...tableBody(rules, t), 'COMMIT'].join('\n') + '\n')
    .join('');
}
