// --cleanup-only: takes every ISTIO_* chain and every jump into one out of a family, plus our non-jump
// rules in built-in chains (exclusions, TPROXY marks, INVALID drop) wherever `-C` finds them. Those are
// looked for in both interception modes, so cleaning works without repeating the original -m flag.
import { ActionableError } from '../errors';
import { Rule } from '../rules/rule';
import { builtinNonJumpRules, transaction } from './plan';
import { FamilyIo } from './family-io';
import { hasIstioResidue } from './save-state';

export function cleanupFamily(io: FamilyIo, candidates: readonly Rule[]): 'removed' | 'nothing-to-do' {
  const state = io.save();
  const present = builtinNonJumpRules(candidates).filter((r) => io.exists(r));
  if (!hasIstioResidue(state) && present.length === 0) return 'nothing-to-do';
  io.restore(transaction(state, [], present));
  if (hasIstioResidue(io.save())) {
    throw new ActionableError(`${io.label}: ISTIO_* chains are still present after cleanup; another agent may be re-adding them: stop it and rerun --cleanup-only`);
  }
  return 'removed';
}
