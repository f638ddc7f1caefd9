// Installs one family's rules idempotently: a clean family gets the restore text; a family already
// holding exactly these rules is left alone; a family holding other ISTIO rules is replaced in one
// transaction with --reconcile (or --force-apply), and otherwise refused with advice. Afterwards the
// state is read back, so "done" means the kernel has the rules.
import { ActionableError } from '../errors';
import { Rule } from '../rules/rule';
import { renderRestore } from '../render/restore-text';
import { builtinNonJumpRules, familyStatus, transaction } from './plan';
import { FamilyIo } from './family-io';

export interface ApplyPolicy {
  readonly reconcile: boolean;
  readonly forceApply: boolean;
}

export type ApplyOutcome = 'installed' | 'unchanged' | 'replaced' | 'nothing-to-do';

/**
 * `removalCandidates`: non-jump rules in built-in chains that an earlier run may have left (both
 * interception modes), taken out in the same transaction when they are found.
 */
export function applyFamily(io: FamilyIo, rules: readonly Rule[], policy: ApplyPolicy, removalCandidates: readonly Rule[] = rules): ApplyOutcome {
  const state = io.save();
  const status = familyStatus(state, rules, () => rules.every((r) => io.exists(r)));
  if (status === 'clean') {
    if (rules.length === 0) return 'nothing-to-do';
    io.restore(renderRestore(rules));
    verify(io, rules);
    return 'installed';
  }
  // Residue with no rules planned for this family (e.g. IPv6 now off): Istio leaves it; so do we.
  if (rules.length === 0) return 'nothing-to-do';
  if (status === 'in-place' && !policy.forceApply) return 'unchanged';
  if (status === 'drift' && !policy.reconcile && !policy.forceApply) {
    throw new ActionableError(
      `${io.label}: ISTIO_* chains already exist and differ from the requested rules; rerun with --reconcile ` +
        'to replace them in one transaction, or remove them first with --cleanup-only',
    );
  }
  const present = builtinNonJumpRules(removalCandidates).filter((r) => io.exists(r));
  io.restore(transaction(state, rules, present));
  verify(io, rules);
  return 'replaced';
}

function verify(io: FamilyIo, rules: readonly Rule[]): void {
  if (familyStatus(io.save(), rules, () => rules.every((r) => io.exists(r))) !== 'in-place') {
    throw new ActionableError(`${io.label}: ${io.tools.restore} succeeded but iptables-save does not show the expected ISTIO_* rules; ` +
      'another agent may be rewriting iptables at the same time: stop it and rerun with --reconcile');
  }
}
