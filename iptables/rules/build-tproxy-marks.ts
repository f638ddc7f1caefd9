// TPROXY's packet marks in mangle. The inbound mark (1337 by default) routes diverted packets to lo via
// the policy route; 1338 marks the proxy's own connections to its pod IP so they are not diverted back
// into the inbound listener; connmark carries the mark across a connection's packets.
import { CaptureConfig, splitList } from '../config/capture-config';
import { IP_VERSION_SPECIFIC, PlannedRule, append, appendVersioned, insert } from './rule';

export const OUTBOUND_MARK = '1338';

export function tproxyMarkRules(cfg: CaptureConfig): PlannedRule[] {
  if (cfg.inboundInterceptionMode !== 'TPROXY') return [];
  const mark = cfg.inboundTProxyMark;
  const markOwner = (match: string, id: string) =>
    appendVersioned(cfg.hostIpv4LoopbackCidr, '::1/128', 'mangle', 'OUTPUT', [
      '!', '-d', IP_VERSION_SPECIFIC, '-p', 'tcp', '-o', 'lo', '-m', 'owner', match, id, '-j', 'MARK', '--set-mark', OUTBOUND_MARK,
    ]);
  return [
    // Save the mark original_src set, so replies in the same connection carry it.
    append('mangle', 'PREROUTING', ['-p', 'tcp', '-m', 'mark', '--mark', mark, '-j', 'CONNMARK', '--save-mark']),
    // Already-marked envoy -> app traffic must not be marked again.
    append('mangle', 'OUTPUT', ['-p', 'tcp', '-o', 'lo', '-m', 'mark', '--mark', mark, '-j', 'RETURN']),
    ...splitList(cfg.proxyUid).flatMap((id) => markOwner('--uid-owner', id)),
    ...splitList(cfg.proxyGid).flatMap((id) => markOwner('--gid-owner', id)),
    append('mangle', 'OUTPUT', ['-p', 'tcp', '-m', 'connmark', '--mark', mark, '-j', 'CONNMARK', '--restore-mark']),
    // Inserted last but evaluated first: no infinite redirect, no capture of 127.0.0.6 or app -> app on lo.
    insert('mangle', 'ISTIO_INBOUND', 1, ['-p', 'tcp', '-m', 'mark', '--mark', mark, '-j', 'RETURN']),
    insert('mangle', 'ISTIO_INBOUND', 2, ['-p', 'tcp', '-s', '127.0.0.6/32', '-i', 'lo', '-j', 'RETURN'], 'v4'),
    insert('mangle', 'ISTIO_INBOUND', 2, ['-p', 'tcp', '-s', '::6/128', '-i', 'lo', '-j', 'RETURN'], 'v6'),
    insert('mangle', 'ISTIO_INBOUND', 3, ['-p', 'tcp', '-i', 'lo', '-m', 'mark', '!', '--mark', OUTBOUND_MARK, '-j', 'RETURN']),
  ];
}
