// CaptureConfig -> RuleSet, pure. The sections run in the order istio-iptables runs them, because the
// order of appends is the order of the restore text, and the goldens compare that text byte for byte.
import { CaptureConfig } from '../config/capture-config';
import { PlannedRule, RuleSet, append, toRuleSet } from './rule';
import { separateV4V6 } from './network-range';
import { excludeInterfaceRules, kubeVirtShortCircuitRules } from './build-interfaces';
import { inboundRules } from './build-inbound';
import { outboundDestinationRules, outputJumpRules, ownerGroupRules, proxyOwnerRules } from './build-outbound';
import { dnsRules } from './build-dns';
import { tproxyMarkRules } from './build-tproxy-marks';

/** Istio turns DNS capture off when there is nothing to capture (no servers, not capture-all). */
export function effectiveRedirectDns(cfg: CaptureConfig): boolean {
  return cfg.redirectDns && (cfg.captureAllDns || cfg.dnsServersV4.length > 0 || cfg.dnsServersV6.length > 0);
}

export function buildRuleSet(cfg: CaptureConfig): RuleSet {
  const exclude = separateV4V6(cfg.outboundIpRangesExclude);
  const include = separateV4V6(cfg.outboundIpRangesInclude);
  const redirectDns = effectiveRedirectDns(cfg);
  const planned: PlannedRule[] = [
    ...excludeInterfaceRules(cfg),
    ...kubeVirtShortCircuitRules(cfg),
    ...(cfg.dropInvalid ? dropInvalidRules() : []),
    ...baseChainRules(cfg),
    ...inboundRules(cfg),
    ...outputJumpRules(cfg),
    ...proxyOwnerRules(cfg, redirectDns, include),
    ...ownerGroupRules(cfg),
    ...(redirectDns ? dnsRules(cfg) : []),
    ...outboundDestinationRules(cfg, include, exclude),
    ...tproxyMarkRules(cfg),
  ];
  return toRuleSet(planned, cfg.enableIpv6);
}

/** Out-of-window packets are dropped rather than reset (INVALID_DROP). */
function dropInvalidRules(): PlannedRule[] {
  return [
    append('mangle', 'PREROUTING', ['-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'ISTIO_DROP']),
    append('mangle', 'ISTIO_DROP', ['-j', 'DROP']),
  ];
}

/** The tunnel port (HBONE) bypasses capture; ISTIO_REDIRECT and ISTIO_IN_REDIRECT hold the two REDIRECTs. */
function baseChainRules(cfg: CaptureConfig): PlannedRule[] {
  return [
    append('nat', 'ISTIO_INBOUND', ['-p', 'tcp', '--dport', cfg.inboundTunnelPort, '-j', 'RETURN']),
    append('nat', 'ISTIO_REDIRECT', ['-p', 'tcp', '-j', 'REDIRECT', '--to-ports', cfg.proxyPort]),
    append('nat', 'ISTIO_IN_REDIRECT', ['-p', 'tcp', '-j', 'REDIRECT', '--to-ports', cfg.inboundCapturePort]),
  ];
}
