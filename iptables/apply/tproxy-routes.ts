// The policy routing TPROXY needs, as `ip` commands: packets carrying the inbound mark use a table whose
// only route delivers everything locally on lo (`ip rule add fwmark 1337 lookup 133`,
// `ip route add local default dev lo table 133`). With IPv6 the ::6 address goes on lo, because v6
// loopback only binds ::1 by default and the inbound passthrough binds ::6. The plans are pure.
import { CaptureConfig } from '../config/capture-config';

export type IpCommand = readonly string[];

export interface RoutePlan {
  /** Each step: a probe (`ip ... show`), a pattern meaning "already there", and the command to add it. */
  readonly steps: readonly { readonly show: IpCommand; readonly present: RegExp; readonly add: IpCommand }[];
}

function hexMark(mark: string): string {
  return '0x' + Number(mark).toString(16);
}

export function routePlan(cfg: CaptureConfig): RoutePlan {
  const steps: { show: IpCommand; present: RegExp; add: IpCommand }[] = [];
  if (cfg.enableIpv6) {
    steps.push({ show: ['-6', 'addr', 'show', 'dev', 'lo'], present: /inet6 ::6\/128/, add: ['-6', 'addr', 'add', '::6/128', 'dev', 'lo'] });
  }
  if (cfg.inboundInterceptionMode === 'TPROXY' && cfg.inboundPortsInclude !== '') {
    const table = cfg.inboundTProxyRouteTable;
    for (const fam of cfg.enableIpv6 ? ['-4', '-6'] : ['-4']) {
      steps.push({
        show: [fam, 'rule', 'show'],
        present: new RegExp(`fwmark ${hexMark(cfg.inboundTProxyMark)} lookup ${table}\\b`),
        add: [fam, 'rule', 'add', 'fwmark', cfg.inboundTProxyMark, 'lookup', table],
      });
      steps.push({
        show: [fam, 'route', 'show', 'table', table],
        present: /^local default dev lo\b/m,
        add: [fam, 'route', 'add', 'local', 'default', 'dev', 'lo', 'table', table],
      });
    }
  }
  return { steps };
}

/** The inverse for --cleanup-only: the mark's rules and the local default route in its table. */
export function routeCleanupPlan(cfg: CaptureConfig): { readonly show: IpCommand; readonly present: RegExp; readonly del: IpCommand }[] {
  const table = cfg.inboundTProxyRouteTable;
  return ['-4', '-6'].flatMap((fam) => [
    { show: [fam, 'rule', 'show'], present: new RegExp(`fwmark ${hexMark(cfg.inboundTProxyMark)} lookup ${table}\\b`), del: [fam, 'rule', 'del', 'fwmark', cfg.inboundTProxyMark, 'lookup', table] },
    { show: [fam, 'route', 'show', 'table', table], present: /^local default dev lo\b/m, del: [fam, 'route', 'del', 'local', 'default', 'dev', 'lo', 'table', table] },
  ]);
}
