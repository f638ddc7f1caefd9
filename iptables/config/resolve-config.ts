// Flag values + host facts -> CaptureConfig and RunOptions, pure. Host facts are what Istio probes at
// run time (the envoy user's uid, whether the pod's address is IPv6, resolv.conf's nameservers); the
// caller gathers them (see host-facts.ts) only when the flags leave them open.
import { isIP } from 'node:net';
import { CaptureConfig, DEFAULT_CAPTURE_CONFIG, InterceptionMode, RunOptions, splitList } from './capture-config';
import { FlagValues } from './parse-args';
import { ENV_ONLY } from './flag-table';

export interface HostFacts {
  /** uid of $ENVOY_USER, when that user exists. */
  readonly envoyUserUid?: string;
  /** Whether the pod's first global address (any, with dual stack) is IPv6. */
  readonly ipv6Detected: boolean;
  /** Nameservers from /etc/resolv.conf. */
  readonly resolvConfServers: readonly string[];
}

export const DEFAULT_PROXY_UID = '1337';

/** Which host facts the values leave open, so the caller probes only those. */
export function neededFacts(v: FlagValues): { uid: boolean; ipv6: boolean; resolvConf: boolean } {
  return {
    uid: v['proxy-uid'] === '',
    ipv6: v['enable-ipv6'] === '',
    resolvConf: v['redirect-dns'] === true && v['capture-all-dns'] !== true && v['dns-servers'] === '',
  };
}

export function resolveConfig(v: FlagValues, env: Readonly<Record<string, string | undefined>>, facts: HostFacts): { capture: CaptureConfig; run: RunOptions } {
  const str = (name: string) => String(v[name]);
  const bool = (name: string) => v[name] === true;
  const proxyUid = str('proxy-uid') || facts.envoyUserUid || DEFAULT_PROXY_UID;
  const captureAllDns = bool('capture-all-dns');
  // With capture-all-dns the server list is not used, as in Istio (which does not read resolv.conf then).
  const servers = captureAllDns ? [] : str('dns-servers') !== '' ? splitList(str('dns-servers')) : bool('redirect-dns') ? facts.resolvConfServers : [];
  const capture: CaptureConfig = {
    ...DEFAULT_CAPTURE_CONFIG,
    proxyPort: str('envoy-port'),
    inboundCapturePort: str('inbound-capture-port'),
    inboundTunnelPort: str('inbound-tunnel-port'),
    proxyUid,
    proxyGid: str('proxy-gid') || proxyUid,
    inboundInterceptionMode: str('istio-inbound-interception-mode') as InterceptionMode,
    inboundTProxyMark: str('istio-inbound-tproxy-mark'),
    inboundTProxyRouteTable: str('istio-inbound-tproxy-route-table'),
    inboundPortsInclude: str('istio-inbound-ports'),
    inboundPortsExclude: str('istio-local-exclude-ports'),
    ownerGroupsInclude: env[ENV_ONLY.ownerGroupsInclude] ?? '*',
    ownerGroupsExclude: env[ENV_ONLY.ownerGroupsExclude] ?? '',
    outboundPortsInclude: str('istio-outbound-ports'),
    outboundPortsExclude: str('istio-local-outbound-ports-exclude'),
    outboundIpRangesInclude: str('istio-service-cidr'),
    outboundIpRangesExclude: str('istio-service-exclude-cidr'),
    kubeVirtInterfaces: str('kube-virt-interfaces'),
    excludeInterfaces: str('istio-exclude-interfaces'),
    redirectDns: bool('redirect-dns'),
    captureAllDns,
    dropInvalid: bool('drop-invalid'),
    enableIpv6: str('enable-ipv6') === '' ? facts.ipv6Detected : str('enable-ipv6') === 'true',
    dnsServersV4: servers.filter((ip) => isIP(ip) === 4),
    dnsServersV6: servers.filter((ip) => isIP(ip) === 6),
    hostIpv4LoopbackCidr: env[ENV_ONLY.loopbackCidr] ?? '127.0.0.1/32',
  };
  const run: RunOptions = {
    dryRun: bool('dry-run'),
    cleanupOnly: bool('cleanup-only'),
    reconcile: bool('reconcile'),
    forceApply: bool('force-apply'),
    skipRuleApply: bool('skip-rule-apply'),
    dualStack: bool('dual-stack'),
    networkNamespace: str('network-namespace'),
    iptablesBinary: str('force-iptables-binary') || 'iptables',
    cniMode: bool('cni-mode'),
  };
  return { capture, run };
}
