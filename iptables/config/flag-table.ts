// istio-iptables' command line: every flag with its short name, default and the environment variables
// that may set it. As in Istio, a flag's own variable is its long name upper-cased with '-' -> '_'
// (ISTIO_SERVICE_CIDR for --istio-service-cidr), a few have legacy aliases that win over it, and the
// command line wins over both. Flags marked `ext` are tsenvoy additions, for hosts and tests where
// Istio would probe the pod (IPv6 detection, /etc/resolv.conf).

export type FlagKind = 'string' | 'bool';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: FlagKind;
  readonly def: string | boolean;
  readonly help: string;
  /** Extra variables beyond the derived one, lowest precedence first. */
  readonly aliases?: readonly string[];
  /** No variable derived from the name (Istio binds a few flags to the command line only). */
  readonly noEnv?: boolean;
  readonly ext?: boolean;
}

const s = (name: string, short: string | undefined, def: string, help: string, more: Partial<FlagSpec> = {}): FlagSpec =>
  ({ name, short, kind: 'string', def, help, ...more });
const b = (name: string, short: string | undefined, help: string, more: Partial<FlagSpec> = {}): FlagSpec =>
  ({ name, short, kind: 'bool', def: false, help, ...more });

export const FLAGS: readonly FlagSpec[] = [
  s('envoy-port', 'p', '15001', 'Envoy port to which all outbound TCP traffic is redirected'),
  s('inbound-capture-port', 'z', '15006', 'Port to which all inbound TCP traffic is redirected'),
  s('inbound-tunnel-port', 'e', '15008', 'Istio tunnel (HBONE) port; inbound traffic to it is not captured'),
  s('proxy-uid', 'u', '', 'UID(s) of the proxy, whose traffic is not redirected (default: uid of $ENVOY_USER, else 1337)'),
  s('proxy-gid', 'g', '', 'GID(s) of the proxy, whose traffic is not redirected (default: same as --proxy-uid)'),
  s('istio-inbound-interception-mode', 'm', '', 'Inbound redirection mode: REDIRECT or TPROXY (default REDIRECT)', { aliases: ['INBOUND_INTERCEPTION_MODE'] }),
  s('istio-inbound-ports', 'b', '', 'Comma separated inbound ports to redirect, or "*" for all; empty disables inbound capture'),
  s('istio-local-exclude-ports', 'd', '', 'Comma separated inbound ports excluded from redirection (only with -b "*")'),
  s('istio-exclude-interfaces', 'c', '', 'Comma separated NICs whose traffic is not captured in either direction'),
  s('istio-service-cidr', 'i', '', 'Comma separated CIDRs to redirect outbound traffic for, or "*" for all; empty disables outbound capture'),
  s('istio-service-exclude-cidr', 'x', '', 'Comma separated CIDRs excluded from outbound redirection'),
  s('istio-outbound-ports', 'q', '', 'Comma separated outbound ports always redirected'),
  s('istio-local-outbound-ports-exclude', 'o', '', 'Comma separated outbound ports excluded from redirection'),
  s('kube-virt-interfaces', 'k', '', 'Comma separated virtual interfaces whose inbound traffic is treated as outbound'),
  s('istio-inbound-tproxy-mark', 't', '1337', 'Packet mark used for TPROXY inbound traffic', { aliases: ['INBOUND_TPROXY_MARK'] }),
  s('istio-inbound-tproxy-route-table', 'r', '133', 'Routing table used for TPROXY inbound traffic'),
  b('dry-run', 'n', 'Print the rules (iptables-save form, v4 then v6) instead of applying them'),
  b('redirect-dns', undefined, 'Capture DNS (port 53) to the istio-agent resolver on 15053', { aliases: ['ISTIO_META_DNS_CAPTURE'] }),
  b('capture-all-dns', undefined, 'With --redirect-dns, capture all port 53 traffic rather than only the resolv.conf servers'),
  b('drop-invalid', undefined, 'Drop packets conntrack marks INVALID instead of letting them reset connections', { aliases: ['INVALID_DROP'] }),
  b('dual-stack', undefined, 'Enable IPv4 and IPv6 redirection for dual-stack pods', { aliases: ['ISTIO_AGENT_DUAL_STACK', 'ISTIO_DUAL_STACK'] }),
  b('reconcile', undefined, 'Replace pre-existing ISTIO_* rules that differ from the requested ones instead of failing'),
  b('cleanup-only', undefined, 'Remove ISTIO_* chains and the jumps to them, and create nothing'),
  b('force-apply', undefined, 'Re-install the rules even if they appear to be in place already'),
  s('network-namespace', undefined, '', 'Network namespace to apply the rules in: a name under /var/run/netns or a path such as /proc/PID/ns/net'),
  b('native-nftables', undefined, 'Program nftables directly (not supported by tsenvoy-iptables)'),
  s('force-iptables-binary', undefined, '', 'Use this iptables binary: iptables, iptables-nft or iptables-legacy'),
  b('cni-mode', undefined, 'Accepted for compatibility; has no effect here'),
  b('skip-rule-apply', undefined, 'Do nothing (accepted for compatibility)'),
  b('run-validation', undefined, 'Validate the redirection with a probe (not supported by tsenvoy-iptables)'),
  s('iptables-probe-port', undefined, '15002', 'Port for --run-validation (accepted for compatibility)'),
  s('probe-timeout', undefined, '5s', 'Timeout for --run-validation (accepted for compatibility)'),
  b('iptables-trace-logging', undefined, 'Add NFLOG trace rules (not supported by tsenvoy-iptables)'),
  s('enable-ipv6', undefined, '', 'true/false: also program ip6tables; default: detected from the first non-loopback address', { aliases: ['ENABLE_INBOUND_IPV6'], noEnv: true, ext: true }),
  s('dns-servers', undefined, '', 'Comma separated DNS servers for --redirect-dns; default: nameservers of /etc/resolv.conf', { ext: true }),
  b('help', 'h', 'Show this help', { noEnv: true }),
];

/** Variables that only the environment sets (Istio has no flags for them). */
export const ENV_ONLY = {
  loopbackCidr: 'ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR',
  ownerGroupsInclude: 'ISTIO_OUTBOUND_OWNER_GROUPS',
  ownerGroupsExclude: 'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE',
  envoyUser: 'ENVOY_USER',
} as const;

export function envNameOf(flag: string): string {
  return flag.toUpperCase().replace(/-/g, '_');
}

export function findFlag(nameOrShort: string): FlagSpec | undefined {
  return FLAGS.find((f) => f.name === nameOrShort || f.short === nameOrShort);
}
