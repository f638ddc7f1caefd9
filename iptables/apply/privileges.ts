// Fails early, before any command runs, when this process cannot change netfilter state: the capability
// check reads CapEff from /proc, so it also works for non-root users granted CAP_NET_ADMIN.
import * as fs from 'node:fs';
import { ActionableError, privilegeError } from '../errors';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

export function effectiveCapabilities(statusText: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(statusText);
  return m ? BigInt('0x' + m[1]) : undefined;
}

export function checkPrivileges(needsNamespaceSwitch: boolean, statusText?: string): void {
  let text = statusText;
  if (text === undefined) {
    try { text = fs.readFileSync('/proc/self/status', 'utf8'); } catch { return; /* not Linux /proc: let the tools report */ }
  }
  const caps = effectiveCapabilities(text);
  if (caps === undefined) return;
  if (((caps >> CAP_NET_ADMIN) & 1n) === 0n) throw privilegeError('Changing iptables rules');
  if (needsNamespaceSwitch && ((caps >> CAP_SYS_ADMIN) & 1n) === 0n) {
    throw new ActionableError('--network-namespace needs CAP_SYS_ADMIN to enter the namespace; run as root, or run the tool inside the namespace instead (ip netns exec NAME tsenvoy-iptables ...)');
  }
}
