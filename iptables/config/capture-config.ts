// What the rule builder needs, as istio-iptables' Config carries it: list-valued settings stay as the
// comma-separated strings the flags gave (Istio splits them late, dropping empty items), so that the
// rules come out byte for byte as Istio's. Host facts (IPv6, DNS servers, proxy uid) are resolved
// before building, so building stays pure.

export type InterceptionMode = '' | 'REDIRECT' | 'TPROXY';

export interface CaptureConfig {
  readonly proxyPort: string;
  readonly inboundCapturePort: string;
  readonly inboundTunnelPort: string;
  readonly proxyUid: string;
  readonly proxyGid: string;
  readonly inboundInterceptionMode: InterceptionMode;
  readonly inboundTProxyMark: string;
  readonly inboundTProxyRouteTable: string;
  readonly inboundPortsInclude: string;
  readonly inboundPortsExclude: string;
  readonly ownerGroupsInclude: string;
  readonly ownerGroupsExclude: string;
  readonly outboundPortsInclude: string;
  readonly outboundPortsExclude: string;
  readonly outboundIpRangesInclude: string;
  readonly outboundIpRangesExclude: string;
  readonly kubeVirtInterfaces: string;
  readonly excludeInterfaces: string;
  readonly redirectDns: boolean;
  readonly captureAllDns: boolean;
  readonly dropInvalid: boolean;
  readonly enableIpv6: boolean;
  readonly dnsServersV4: readonly string[];
  readonly dnsServersV6: readonly string[];
  readonly hostIpv4LoopbackCidr: string;
}

/** The action and environment around the rules: how and where to apply them. */
export interface RunOptions {
  readonly dryRun: boolean;
  readonly cleanupOnly: boolean;
  readonly reconcile: boolean;
  readonly forceApply: boolean;
  readonly skipRuleApply: boolean;
  readonly dualStack: boolean;
  readonly networkNamespace: string;
  readonly iptablesBinary: string;
  readonly cniMode: boolean;
}

/** Istio's DefaultConfig(); proxy uid/gid and IPv6 stay unresolved until host facts are known. */
export const DEFAULT_CAPTURE_CONFIG: CaptureConfig = {
  proxyPort: '15001',
  inboundCapturePort: '15006',
  inboundTunnelPort: '15008',
  proxyUid: '',
  proxyGid: '',
  inboundInterceptionMode: '',
  inboundTProxyMark: '1337',
  inboundTProxyRouteTable: '133',
  inboundPortsInclude: '',
  inboundPortsExclude: '',
  ownerGroupsInclude: '*',
  ownerGroupsExclude: '',
  outboundPortsInclude: '',
  outboundPortsExclude: '',
  outboundIpRangesInclude: '',
  outboundIpRangesExclude: '',
  kubeVirtInterfaces: '',
  excludeInterfaces: '',
  redirectDns: false,
  captureAllDns: false,
  dropInvalid: false,
  enableIpv6: false,
  dnsServersV4: [],
  dnsServersV6: [],
  hostIpv4LoopbackCidr: '127.0.0.1/32',
};

/** Istio's Split: comma-separated, empty items dropped (so "6000,7000," is two ports). */
export function splitList(s: string): string[] {
  return s === '' ? [] : s.split(',').filter((x) => x !== '');
}
