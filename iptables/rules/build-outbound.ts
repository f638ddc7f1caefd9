// Outbound capture: OUTPUT jumps to ISTIO_OUTPUT, which first lets through what must not loop (traffic
// from the proxy's own uid/gid, inbound-passthrough from 127.0.0.6, excluded ports and CIDRs) and then
// sends the rest to ISTIO_REDIRECT. Traffic from the proxy back to its own pod over lo is re-captured
// as inbound (ISTIO_IN_REDIRECT) so app -> VIP -> Envoy -> Envoy inbound -> app works.
import { CaptureConfig, splitList } from '../config/capture-config';
import { IP_VERSION_SPECIFIC, PlannedRule, append, appendVersioned, insert } from './rule';
import { NetworkRange, SplitRanges } from './network-range';

export function outputJumpRules(cfg: CaptureConfig): PlannedRule[] {
  const out = [append('nat', 'OUTPUT', ['-j', 'ISTIO_OUTPUT'])];
  for (const port of splitList(cfg.outboundPortsExclude)) {
    out.push(
      append('nat', 'ISTIO_OUTPUT', ['-p', 'tcp', '--dport', port, '-j', 'RETURN']),
      append('nat', 'ISTIO_OUTPUT', ['-p', 'udp', '--dport', port, '-j', 'RETURN']),
    );
  }
  return out;
}

/** The rules keyed on the proxy's uids and gids; `redirectDns` keeps port 53 out of the self-redirect. */
export function proxyOwnerRules(cfg: CaptureConfig, redirectDns: boolean, include: SplitRanges): PlannedRule[] {
  const loopback = cfg.hostIpv4LoopbackCidr;
  // 127.0.0.6 / ::6 is the source the inbound passthrough cluster binds to.
  const out = [...appendVersioned('127.0.0.6/32', '::6/128', 'nat', 'ISTIO_OUTPUT', ['-o', 'lo', '-s', IP_VERSION_SPECIFIC, '-j', 'RETURN'])];
  // An explicitly included loopback range means app -> app over lo must be captured, so no RETURN for it.
  const returnOnLo = !include.v4.hasLoopback && !include.v6.hasLoopback;
  const owners: Array<['--uid-owner' | '--gid-owner', string]> = [
    ...splitList(cfg.proxyUid).map((id): ['--uid-owner', string] => ['--uid-owner', id]),
    ...splitList(cfg.proxyGid).map((id): ['--gid-owner', string] => ['--gid-owner', id]),
  ];
  for (const [match, id] of owners) {
    // Istio only widens the DNS exemption to uids (multiport 53); gids keep the tunnel port alone.
    const portMatch = redirectDns && match === '--uid-owner'
      ? ['-m', 'multiport', '!', '--dports', `53,${cfg.inboundTunnelPort}`]
      : ['!', '--dport', cfg.inboundTunnelPort];
    out.push(...appendVersioned(loopback, '::1/128', 'nat', 'ISTIO_OUTPUT', [
      '-o', 'lo', '!', '-d', IP_VERSION_SPECIFIC, '-p', 'tcp', ...portMatch, '-m', 'owner', match, id, '-j', 'ISTIO_IN_REDIRECT',
    ]));
    if (returnOnLo) {
      // With DNS capture, TCP DNS to a server on localhost must still reach the agent.
      const params = redirectDns
        ? ['-o', 'lo', '-p', 'tcp', '!', '--dport', '53', '-m', 'owner', '!', match, id, '-j', 'RETURN']
        : ['-o', 'lo', '-m', 'owner', '!', match, id, '-j', 'RETURN'];
      out.push(append('nat', 'ISTIO_OUTPUT', params));
    }
    // Protocol-independent: nothing the proxy itself sends is captured again.
    out.push(append('nat', 'ISTIO_OUTPUT', ['-m', 'owner', match, id, '-j', 'RETURN']));
  }
  return out;
}

/** ISTIO_OUTBOUND_OWNER_GROUPS[_EXCLUDE]: capture only (or all but) some groups' traffic. */
export function ownerGroupRules(cfg: CaptureConfig): PlannedRule[] {
  if (cfg.ownerGroupsInclude === '*') {
    return splitList(cfg.ownerGroupsExclude).map((g) => append('nat', 'ISTIO_OUTPUT', ['-m', 'owner', '--gid-owner', g, '-j', 'RETURN']));
  }
  const noneOf = splitList(cfg.ownerGroupsInclude).flatMap((g) => ['-m', 'owner', '!', '--gid-owner', g]);
  return [append('nat', 'ISTIO_OUTPUT', [...noneOf, '-j', 'RETURN'])];
}

/** Loopback and excluded CIDRs return; included ports and CIDRs (and KubeVirt interfaces) redirect. */
export function outboundDestinationRules(cfg: CaptureConfig, include: SplitRanges, exclude: SplitRanges): PlannedRule[] {
  const out = [
    ...appendVersioned(cfg.hostIpv4LoopbackCidr, '::1/128', 'nat', 'ISTIO_OUTPUT', ['-d', IP_VERSION_SPECIFIC, '-j', 'RETURN']),
    ...exclude.v4.cidrs.map((c) => append('nat', 'ISTIO_OUTPUT', ['-d', c, '-j', 'RETURN'], 'v4')),
    ...exclude.v6.cidrs.map((c) => append('nat', 'ISTIO_OUTPUT', ['-d', c, '-j', 'RETURN'], 'v6')),
    ...splitList(cfg.outboundPortsInclude).map((p) => append('nat', 'ISTIO_OUTPUT', ['-p', 'tcp', '--dport', p, '-j', 'ISTIO_REDIRECT'])),
  ];
  return [...out, ...includeRules(cfg, include.v4, 'v4'), ...includeRules(cfg, include.v6, 'v6')];
}

function includeRules(cfg: CaptureConfig, range: NetworkRange, family: 'v4' | 'v6'): PlannedRule[] {
  const virt = splitList(cfg.kubeVirtInterfaces);
  if (range.isWildcard) {
    return [
      append('nat', 'ISTIO_OUTPUT', ['-j', 'ISTIO_REDIRECT'], family),
      ...virt.map((nic) => insert('nat', 'PREROUTING', 1, ['-i', nic, '-j', 'ISTIO_REDIRECT'], family)),
    ];
  }
  return range.cidrs.flatMap((cidr) => [
    ...virt.map((nic) => insert('nat', 'PREROUTING', 1, ['-i', nic, '-d', cidr, '-j', 'ISTIO_REDIRECT'], family)),
    append('nat', 'ISTIO_OUTPUT', ['-d', cidr, '-j', 'ISTIO_REDIRECT'], family),
  ]);
}
