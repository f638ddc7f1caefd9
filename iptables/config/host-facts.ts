// The host probes Istio makes at run time, kept out of the pure config path: the uid of $ENVOY_USER,
// whether the pod's address is IPv6 (the first global address; with dual stack, any), and the
// nameservers in /etc/resolv.conf. Inside --network-namespace the addresses are read with `ip`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { isIP } from 'node:net';

export function lookupUid(user: string, passwdPath = '/etc/passwd'): string | undefined {
  let text: string;
  try { text = fs.readFileSync(passwdPath, 'utf8'); } catch { return undefined; }
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name === user && uid !== undefined && /^\d+$/.test(uid)) return uid;
  }
  return undefined;
}

export function parseResolvConf(text: string): string[] {
  const servers: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    // A scoped v6 server (fe80::1%eth0) cannot be written into a rule; Istio's parser drops those too.
    if (m && isIP(m[1]) !== 0) servers.push(m[1]);
  }
  return servers;
}

export function readResolvConf(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try { text = fs.readFileSync(path, 'utf8'); } catch (e) {
    throw new Error(`cannot read ${path} to find the DNS servers for --redirect-dns (${(e as Error).message}); pass them with --dns-servers, or use --capture-all-dns`);
  }
  return parseResolvConf(text);
}

function isGlobal(addr: string): boolean {
  const a = addr.toLowerCase();
  return !(a.startsWith('127.') || a === '::1' || a.startsWith('fe80:') || a.startsWith('169.254.') || a.startsWith('ff'));
}

/** Addresses in interface order, from os.networkInterfaces() or `ip -o addr show` output. */
export function detectIpv6(addresses: readonly string[], dualStack: boolean): boolean {
  const global = addresses.filter(isGlobal);
  if (global.length === 0) return false;
  return dualStack ? global.some((a) => isIP(a) === 6) : isIP(global[0]) === 6;
}

export function localAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** Parses `ip -o addr show` lines ("2: eth0    inet 10.0.0.5/24 ..."). */
export function parseIpAddrOutput(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /\sinet6?\s+([^/\s]+)/.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}
