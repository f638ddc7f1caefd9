// Pure decisions of the applier. Given what iptables-save shows and which of our rules `iptables -C`
// finds, it says whether the wanted rules are already in place, and writes the single
// iptables-restore --noflush transaction per family that removes old ISTIO state and installs the new
// one, so a reconcile never leaves the pod half-captured.
import { Rule, Table } from '../rules/rule';
import { chainsToCreate, ruleLine, tableBody } from '../render/restore-text';
import { SaveState, hasIstioResidue } from './save-state';

export type FamilyStatus = 'clean' | 'in-place' | 'drift';

/** Arguments for `iptables -t T -C CHAIN ...` for each rule (position dropped for inserts). */
export function checkArgs(rule: Rule): string[] {
  return ['-t', rule.table, '-C', rule.chain, ...rule.params];
}

export function jumpsToIstio(rule: Rule): boolean {
  const i = rule.params.indexOf('-j');
  return i >= 0 && (rule.params[i + 1] ?? '').startsWith('ISTIO_');
}

/** Rules in built-in chains that are not jumps: only `-C` can find them (save output respells them). */
export function builtinNonJumpRules(rules: readonly Rule[]): Rule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    if (r.chain.startsWith('ISTIO_') || jumpsToIstio(r)) return false;
    const key = `${r.table} ${r.chain} ${r.params.join(' ')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The ISTIO chains the rules create per table, with how many rules each should hold. */
export function expectedIstioChains(rules: readonly Rule[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [table, chains] of chainsToCreate(rules)) {
    const counts = new Map<string, number>();
    for (const c of chains.filter((x) => x.startsWith('ISTIO_'))) counts.set(c, rules.filter((r) => r.table === table && r.chain === c).length);
    out.set(table, counts);
  }
  return out;
}

/**
 * As Istio's VerifyIptablesState: in place when every expected ISTIO chain exists with the same number of
 * rules, no other ISTIO chain exists, and every rule passes `-C` (asked last and lazily: it runs commands).
 */
export function familyStatus(state: SaveState, rules: readonly Rule[], allChecksPass: () => boolean): FamilyStatus {
  if (!hasIstioResidue(state)) return 'clean';
  const expected = expectedIstioChains(rules);
  const tables = new Set([...state.keys(), ...expected.keys()]);
  for (const table of tables) {
    const want = expected.get(table) ?? new Map<string, number>();
    const have = state.get(table)?.istioChains ?? new Map<string, string[]>();
    if (want.size !== have.size) return 'drift';
    for (const [chain, n] of want) if ((have.get(chain)?.length ?? -1) !== n) return 'drift';
  }
  return allChecksPass() ? 'in-place' : 'drift';
}

/** Lines that take a table's ISTIO state out: jumps first, then flush all ISTIO chains, then delete them. */
export function removalLines(state: SaveState, table: string, presentBuiltinRules: readonly Rule[]): string[] {
  const t = state.get(table);
  const chains = t ? [...t.istioChains.keys()] : [];
  return [
    ...(t?.istioJumps ?? []).map((line) => line.replace(/^-A\s/, '-D ')),
    ...presentBuiltinRules.filter((r) => r.table === table).map((r) => ruleLine({ ...r, insertAt: undefined }).replace(/^-A\s/, '-D ')),
    ...chains.map((c) => `-F ${c}`),
    ...chains.map((c) => `-X ${c}`),
  ];
}

/**
 * One restore transaction: per table (alphabetical), the removal of what is there, then the new chains
 * and rules. With `rules` empty it is a pure cleanup. Empty when there is nothing to do.
 */
export function transaction(state: SaveState, rules: readonly Rule[], presentBuiltinRules: readonly Rule[]): string {
  const tables = new Set<string>([...rules.map((r) => r.table), ...presentBuiltinRules.map((r) => r.table)]);
  for (const [name, t] of state) if (t.istioChains.size || t.istioJumps.length) tables.add(name);
  return [...tables].sort().map((table) => {
    const body = [...removalLines(state, table, presentBuiltinRules), ...tableBody(rules, table as Table)];
    return body.length ? ['*' + table, ...body, 'COMMIT'].join('\n') + '\n' : '';
  }).join('');
}
