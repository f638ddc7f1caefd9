// Which iptables programs to run for each IP family, and a clear error when they are not installed.
// `iptables` follows Debian's alternatives (iptables-nft by default since bullseye); --force-iptables-binary
// picks iptables-nft or iptables-legacy explicitly.
import { ActionableError } from '../errors';
import { findExecutable } from './runner';

export type IpFamily = 'v4' | 'v6';

export interface FamilyTools {
  readonly family: IpFamily;
  readonly iptables: string;
  readonly save: string;
  readonly restore: string;
}

export function toolNames(binary: string, family: IpFamily): FamilyTools {
  const base = family === 'v6' ? binary.replace(/^iptables/, 'ip6tables') : binary;
  return { family, iptables: base, save: `${base}-save`, restore: `${base}-restore` };
}

/** Resolves the tools to absolute paths, or says which Debian package to install. */
export function locateTools(binary: string, family: IpFamily): FamilyTools {
  const names = toolNames(binary, family);
  const resolve = (name: string) => {
    const found = findExecutable(name);
    if (!found) {
      throw new ActionableError(
        `${name} was not found on PATH or in /usr/sbin and /sbin; install the Debian package iptables ` +
          '(apt-get install -y iptables), or choose an installed backend with --force-iptables-binary',
      );
    }
    return found;
  };
  return { family, iptables: resolve(names.iptables), save: resolve(names.save), restore: resolve(names.restore) };
}

export function locateIp(): string {
  const ip = findExecutable('ip');
  if (!ip) throw new ActionableError('the ip command was not found; install the Debian package iproute2 (apt-get install -y iproute2); TPROXY mode and IPv6 need it for the policy route and the ::6 loopback address');
  return ip;
}
