// Checks the values before anything is built, so the builder can trust them. Istio passes most of these
// straight to iptables and fails late (or silently, e.g. "-m tproxy" meaning REDIRECT); here each bad
// value is named with the flag it came from and what a good one looks like.
import { isIP } from 'node:net';
import { splitList } from './capture-config';
import { parsePrefix } from '../rules/network-range';
import { FlagValues } from './parse-args';

const PORT = /^(0|[1-9]\d{0,4})$/;
const MAX_OWNER_GROUPS_INCLUDE = 64;

function isPort(p: string): boolean {
  return PORT.test(p) && Number(p) <= 65535;
}

/** A --dport value: a port or an iptables range "low:high". */
function isPortOrRange(p: string): boolean {
  const [lo, hi, extra] = p.split(':');
  return extra === undefined && isPort(lo) && (hi === undefined || (isPort(hi) && Number(hi) >= Number(lo)));
}

export function validateValues(v: FlagValues, env: Readonly<Record<string, string | undefined>>): string[] {
  const errors: string[] = [];
  const str = (name: string) => String(v[name]);

  for (const name of ['envoy-port', 'inbound-capture-port', 'inbound-tunnel-port']) {
    if (!isPort(str(name))) errors.push(`--${name} "${str(name)}" is not a port; give a number from 0 to 65535`);
  }
  for (const name of ['istio-inbound-ports', 'istio-local-exclude-ports', 'istio-outbound-ports', 'istio-local-outbound-ports-exclude']) {
    if (name === 'istio-inbound-ports' && str(name) === '*') continue;
    const bad = splitList(str(name)).filter((p) => !isPortOrRange(p));
    if (bad.length) errors.push(`--${name} has invalid port(s) ${bad.join(', ')}; give comma separated ports such as 8080,9090${name === 'istio-inbound-ports' ? ' or "*"' : ''}`);
  }
  for (const name of ['proxy-uid', 'proxy-gid']) {
    const bad = splitList(str(name)).filter((id) => !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(id));
    if (bad.length) errors.push(`--${name} has invalid id(s) ${bad.join(', ')}; give comma separated numeric ids such as 1337`);
  }
  const mode = str('istio-inbound-interception-mode');
  if (!['', 'REDIRECT', 'TPROXY'].includes(mode)) {
    errors.push(`--istio-inbound-interception-mode "${mode}" is not supported; use REDIRECT or TPROXY (upper case)`);
  }
  for (const name of ['istio-inbound-tproxy-mark', 'istio-inbound-tproxy-route-table']) {
    if (!/^(0|[1-9]\d{0,9})$/.test(str(name)) || Number(str(name)) > 0xffffffff) {
      errors.push(`--${name} "${str(name)}" must be a decimal number such as ${name.endsWith('mark') ? '1337' : '133'}`);
    }
  }
  for (const name of ['istio-service-cidr', 'istio-service-exclude-cidr']) {
    const value = str(name);
    if (value === '*') {
      if (name === 'istio-service-exclude-cidr') errors.push('--istio-service-exclude-cidr cannot be "*" (that would exclude everything); list the CIDRs to exclude, or leave --istio-service-cidr empty to capture nothing');
      continue;
    }
    const bad = splitList(value).filter((c) => !parsePrefix(c));
    if (bad.length) errors.push(`--${name} has invalid CIDR(s) ${bad.join(', ')}; give comma separated prefixes such as 10.0.0.0/8,fd00::/8${name === 'istio-service-cidr' ? ' or "*"' : ''}`);
  }
  for (const name of ['istio-exclude-interfaces', 'kube-virt-interfaces']) {
    const bad = splitList(str(name)).filter((nic) => !/^[^\s/:]{1,15}$/.test(nic));
    if (bad.length) errors.push(`--${name} has invalid interface name(s) ${bad.join(', ')}; give names such as eth0 (at most 15 characters)`);
  }
  const badDns = splitList(str('dns-servers')).filter((ip) => isIP(ip) === 0);
  if (badDns.length) errors.push(`--dns-servers has invalid address(es) ${badDns.join(', ')}; give IPs such as 10.96.0.10`);
  if (!['', 'true', 'false'].includes(str('enable-ipv6'))) errors.push(`--enable-ipv6 "${str('enable-ipv6')}" must be true or false (or unset to detect)`);
  const bin = str('force-iptables-binary');
  if (!['', 'iptables', 'iptables-nft', 'iptables-legacy'].includes(bin)) {
    errors.push(`--force-iptables-binary "${bin}" is not supported; use iptables, iptables-nft or iptables-legacy`);
  }
  if (v['native-nftables'] === true) errors.push('--native-nftables is not supported by tsenvoy-iptables; drop the flag (on Debian, iptables already programs nftables through the iptables-nft backend)');
  if (v['run-validation'] === true) errors.push('--run-validation is not supported by tsenvoy-iptables; drop the flag and check the rules with iptables-save');
  if (v['iptables-trace-logging'] === true) errors.push('--iptables-trace-logging is not supported by tsenvoy-iptables; drop the flag and use iptables-save or nft monitor trace');

  const loopback = env.ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR ?? '127.0.0.1/32';
  const lp = parsePrefix(loopback);
  const bits = Number(loopback.split('/')[1]);
  if (!lp || lp.family !== 4 || !lp.loopback || bits < 8) {
    errors.push(`ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR "${loopback}" must be an IPv4 loopback CIDR with a mask from 8 to 32, e.g. 127.0.0.1/32`);
  }
  const groups = env.ISTIO_OUTBOUND_OWNER_GROUPS ?? '*';
  if (groups !== '*' && splitList(groups).length > MAX_OWNER_GROUPS_INCLUDE) {
    errors.push(`ISTIO_OUTBOUND_OWNER_GROUPS lists ${splitList(groups).length} groups; at most ${MAX_OWNER_GROUPS_INCLUDE} fit in one rule, so use "*" with ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE instead`);
  }
  return errors;
}
