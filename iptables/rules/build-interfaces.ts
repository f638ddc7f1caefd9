// Interfaces that are left alone: excluded NICs bypass capture in both directions (and in mangle too
// when TPROXY marks packets there); KubeVirt's VM interfaces skip the inbound path, since their
// traffic is treated as outbound later on.
import { CaptureConfig, splitList } from '../config/capture-config';
import { PlannedRule, append, insert } from './rule';

export function excludeInterfaceRules(cfg: CaptureConfig): PlannedRule[] {
  const nics = splitList(cfg.excludeInterfaces);
  const forTable = (table: 'nat' | 'mangle') =>
    nics.flatMap((nic) => [
      append(table, 'PREROUTING', ['-i', nic, '-j', 'RETURN']),
      append(table, 'OUTPUT', ['-o', nic, '-j', 'RETURN']),
    ]);
  return [...forTable('nat'), ...(cfg.inboundInterceptionMode === 'TPROXY' ? forTable('mangle') : [])];
}

export function kubeVirtShortCircuitRules(cfg: CaptureConfig): PlannedRule[] {
  return splitList(cfg.kubeVirtInterfaces).map((nic) => insert('nat', 'PREROUTING', 1, ['-i', nic, '-j', 'RETURN']));
}
