// Inbound capture: the jump from PREROUTING into ISTIO_INBOUND and what it does with each port. With
// REDIRECT the nat table rewrites the destination to the inbound capture port; with TPROXY the mangle
// table marks packets and hands new connections to the capture port without rewriting them.
import { CaptureConfig, splitList } from '../config/capture-config';
import { IP_VERSION_SPECIFIC, PlannedRule, append, appendVersioned } from './rule';

export function inboundRules(cfg: CaptureConfig): PlannedRule[] {
  if (cfg.inboundPortsInclude === '') return [];
  const tproxy = cfg.inboundInterceptionMode === 'TPROXY';
  const table = tproxy ? 'mangle' : 'nat';
  const out: PlannedRule[] = [];
  if (tproxy) {
    out.push(
      append('mangle', 'ISTIO_DIVERT', ['-j', 'MARK', '--set-mark', cfg.inboundTProxyMark]),
      append('mangle', 'ISTIO_DIVERT', ['-j', 'ACCEPT']),
      ...appendVersioned(cfg.hostIpv4LoopbackCidr, '::1/128', 'mangle', 'ISTIO_TPROXY', [
        '!', '-d', IP_VERSION_SPECIFIC, '-p', 'tcp', '-j', 'TPROXY',
        '--tproxy-mark', `${cfg.inboundTProxyMark}/0xffffffff`, '--on-port', cfg.inboundCapturePort,
      ]),
    );
  }
  out.push(append(table, 'PREROUTING', ['-p', 'tcp', '-j', 'ISTIO_INBOUND']));

  if (cfg.inboundPortsInclude === '*') {
    for (const port of splitList(cfg.inboundPortsExclude)) {
      out.push(append(table, 'ISTIO_INBOUND', ['-p', 'tcp', '--dport', port, '-j', 'RETURN']));
    }
    if (tproxy) {
      // Packets of established sockets go to the loopback route; new connections get TPROXY'd.
      out.push(
        append('mangle', 'ISTIO_INBOUND', ['-p', 'tcp', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ISTIO_DIVERT']),
        append('mangle', 'ISTIO_INBOUND', ['-p', 'tcp', '-j', 'ISTIO_TPROXY']),
      );
    } else {
      out.push(append('nat', 'ISTIO_INBOUND', ['-p', 'tcp', '-j', 'ISTIO_IN_REDIRECT']));
    }
    return out;
  }

  for (const port of splitList(cfg.inboundPortsInclude)) {
    if (tproxy) {
      out.push(
        append('mangle', 'ISTIO_INBOUND', ['-p', 'tcp', '--dport', port, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ISTIO_DIVERT']),
        append('mangle', 'ISTIO_INBOUND', ['-p', 'tcp', '--dport', port, '-j', 'ISTIO_TPROXY']),
      );
    } else {
      out.push(append('nat', 'ISTIO_INBOUND', ['-p', 'tcp', '--dport', port, '-j', 'ISTIO_IN_REDIRECT']));
    }
  }
  return out;
}
