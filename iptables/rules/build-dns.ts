// DNS capture for the agent's resolver on 15053: nat redirects port 53 (to the resolv.conf servers, or
// everything with capture-all-dns), and raw splits DNS into two conntrack zones (proxy <-> upstream in
// zone 1, app <-> agent in zone 2) so the two legs' UDP entries cannot collide.
import { CaptureConfig, splitList } from '../config/capture-config';
import { PlannedRule, append } from './rule';

const AGENT_DNS_PORT = '15053';

export function dnsRules(cfg: CaptureConfig): PlannedRule[] {
  const v4 = cfg.dnsServersV4;
  const v6 = cfg.dnsServersV6;
  const all = cfg.captureAllDns;
  const out: PlannedRule[] = [append('raw', 'OUTPUT', ['-j', 'ISTIO_OUTPUT_DNS'])];
  // Jump per family only when that family has something to capture: no empty jumps in v6 for v4-only DNS.
  if (all || v4.length > 0) out.push(append('nat', 'ISTIO_OUTPUT', ['-j', 'ISTIO_OUTPUT_DNS'], 'v4'));
  if (all || v6.length > 0) out.push(append('nat', 'ISTIO_OUTPUT', ['-j', 'ISTIO_OUTPUT_DNS'], 'v6'));

  // Istio emits the TCP redirects before the UDP ones; note UDP says --to-port, as Istio's does.
  for (const [proto, toPorts] of [['tcp', '--to-ports'], ['udp', '--to-port']] as const) {
    if (all) {
      out.push(append('nat', 'ISTIO_OUTPUT_DNS', ['-p', proto, '--dport', '53', '-j', 'REDIRECT', toPorts, AGENT_DNS_PORT]));
      continue;
    }
    for (const s of v4) out.push(append('nat', 'ISTIO_OUTPUT_DNS', ['-p', proto, '--dport', '53', '-d', `${s}/32`, '-j', 'REDIRECT', toPorts, AGENT_DNS_PORT], 'v4'));
    for (const s of v6) out.push(append('nat', 'ISTIO_OUTPUT_DNS', ['-p', proto, '--dport', '53', '-d', `${s}/128`, '-j', 'REDIRECT', toPorts, AGENT_DNS_PORT], 'v6'));
  }
  return [...out, ...conntrackZoneRules(cfg)];
}

function conntrackZoneRules(cfg: CaptureConfig): PlannedRule[] {
  const owners = [
    ...splitList(cfg.proxyUid).map((id) => ['--uid-owner', id]),
    ...splitList(cfg.proxyGid).map((id) => ['--gid-owner', id]),
  ];
  const out = owners.flatMap(([match, id]) => [
    append('raw', 'ISTIO_OUTPUT_DNS', ['-p', 'udp', '--dport', '53', '-m', 'owner', match, id, '-j', 'CT', '--zone', '1']),
    append('raw', 'ISTIO_OUTPUT_DNS', ['-p', 'udp', '--sport', AGENT_DNS_PORT, '-m', 'owner', match, id, '-j', 'CT', '--zone', '2']),
  ]);
  if (cfg.captureAllDns) {
    return [
      ...out,
      append('raw', 'PREROUTING', ['-j', 'ISTIO_INBOUND']),
      append('raw', 'ISTIO_OUTPUT_DNS', ['-p', 'udp', '--dport', '53', '-j', 'CT', '--zone', '2']),
      append('raw', 'ISTIO_INBOUND', ['-p', 'udp', '--sport', '53', '-j', 'CT', '--zone', '1']),
    ];
  }
  const perFamily = (servers: readonly string[], bits: string, family: 'v4' | 'v6'): PlannedRule[] =>
    servers.length === 0 ? [] : [
      append('raw', 'PREROUTING', ['-j', 'ISTIO_INBOUND'], family),
      ...servers.flatMap((s) => [
        append('raw', 'ISTIO_OUTPUT_DNS', ['-p', 'udp', '--dport', '53', '-d', `${s}/${bits}`, '-j', 'CT', '--zone', '2'], family),
        append('raw', 'ISTIO_INBOUND', ['-p', 'udp', '--sport', '53', '-s', `${s}/${bits}`, '-j', 'CT', '--zone', '1'], family),
      ]),
    ];
  return [...out, ...perFamily(cfg.dnsServersV4, '32', 'v4'), ...perFamily(cfg.dnsServersV6, '128', 'v6')];
}
