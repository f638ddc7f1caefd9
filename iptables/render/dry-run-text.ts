// --dry-run output in the layout of istio-iptables' dry-run record (its capture goldens): the state
// reads it would do first (iptables-save, ip6tables-save), the v4 then v6 restore input, and the final
// state reads (ip6tables-save only when IPv6 is on). Byte for byte with Istio for the same flags.
import { RuleSet } from '../rules/rule';
import { renderRestore } from './restore-text';

export function renderDryRun(rules: RuleSet, enableIpv6: boolean): string {
  return [
    'iptables-save\n',
    'ip6tables-save\n',
    renderRestore(rules.v4),
    renderRestore(rules.v6),
    'iptables-save\n',
    enableIpv6 ? 'ip6tables-save\n' : '',
  ].join('');
}
