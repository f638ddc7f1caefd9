// The three things done to one IP family's netfilter state: read it (iptables-save), probe rules
// (iptables -C), and write a transaction (iptables-restore --noflush, so only the lines given change).
// Failures become errors that say what to do.
import { ActionableError, isPrivilegeFailure, privilegeError } from '../errors';
import { Rule } from '../rules/rule';
import { FamilyTools } from './binaries';
import { Runner } from './runner';
import { SaveState, parseSave } from './save-state';
import { checkArgs } from './plan';

export interface FamilyIo {
  readonly tools: FamilyTools;
  readonly label: string;
  save(): SaveState;
  exists(rule: Rule): boolean;
  restore(text: string): void;
}

export function familyIo(run: Runner, tools: FamilyTools): FamilyIo {
  const label = tools.family === 'v4' ? 'IPv4' : 'IPv6';
  const fail = (what: string, stderr: string): never => {
    if (isPrivilegeFailure(stderr)) throw privilegeError(`${what} (${stderr.trim()})`);
    throw new ActionableError(`${what} failed: ${stderr.trim() || 'no output'}; check that the kernel has netfilter support ` +
      '(modules iptable_nat/nf_tables, xt_owner, xt_TPROXY, xt_CT) and rerun; the rules were not changed');
  };
  return {
    tools,
    label,
    save() {
      const r = run(tools.save, []);
      if (r.code !== 0) fail(`${label}: ${tools.save}`, r.stderr);
      return parseSave(r.stdout);
    },
    exists(rule) {
      return run(tools.iptables, checkArgs(rule)).code === 0;
    },
    restore(text) {
      const r = run(tools.restore, ['--noflush'], text);
      if (r.code !== 0) fail(`${label}: ${tools.restore} --noflush`, r.stderr);
    },
  };
}
