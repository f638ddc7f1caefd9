// envoy.config.listener.v3.FilterChainMatch validated into a plain spec (the edge); the table in
// filter-chain-table.ts compiles many of them into lookup maps.
import type { Canonical } from '../../config/canonical';
import type { IssueSink } from '../../config/result';
import { checkCidr, CidrSpec } from '../../network/cidr-table';

export const enum SourceType {
  Any = 0,
  SameIpOrLoopback = 1,
  External = 2,
}

export interface FilterChainMatchSpec {
  /** 0 = any port. */
  readonly destinationPort: number;
  /** Empty = any address. */
  readonly prefixRanges: readonly CidrSpec[];
  /** Lower case; `*.example.com` wildcards kept as written. Empty = any. */
  readonly serverNames: readonly string[];
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
  readonly directSourcePrefixRanges: readonly CidrSpec[];
  readonly sourceType: SourceType;
  readonly sourcePrefixRanges: readonly CidrSpec[];
  readonly sourcePorts: readonly number[];
}

export const MATCH_ANY: FilterChainMatchSpec = {
  destinationPort: 0,
  prefixRanges: [],
  serverNames: [],
  transportProtocol: '',
  applicationProtocols: [],
  directSourcePrefixRanges: [],
  sourceType: SourceType.Any,
  sourcePrefixRanges: [],
  sourcePorts: [],
};

function cidrs(list: unknown, path: string, sink: IssueSink): CidrSpec[] {
  const out: CidrSpec[] = [];
  ((list as Canonical[] | undefined) ?? []).forEach((r, i) => {
    const ip = typeof r.address_prefix === 'string' ? r.address_prefix : '';
    const len = typeof r.prefix_len === 'number' ? r.prefix_len : 0;
    const c = checkCidr(ip, len);
    if (typeof c === 'string') sink.error(`${path}[${i}]`, c);
    else out.push(c);
  });
  return out;
}

function port(v: unknown, path: string, sink: IssueSink): number {
  if (v === undefined) return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    sink.error(path, `value must be inside range [1, 65535]`);
    return 0;
  }
  return n;
}

export function parseFilterChainMatch(c: Canonical | undefined, path: string, sink: IssueSink): FilterChainMatchSpec {
  if (!c) return MATCH_ANY;
  const serverNames: string[] = [];
  ((c.server_names as string[] | undefined) ?? []).forEach((n, i) => {
    const name = n.toLowerCase();
    const star = name.indexOf('*');
    if (star > 0 || (star === 0 && !name.startsWith('*.')) || name.indexOf('*', star + 1) > 0 || name === '*.') {
      sink.error(`${path}.server_names[${i}]`, `partial wildcards are not supported in "server_names"`);
    } else serverNames.push(name);
  });
  const st = c.source_type;
  const sourceType = st === 'SAME_IP_OR_LOOPBACK' ? SourceType.SameIpOrLoopback : st === 'EXTERNAL' ? SourceType.External : SourceType.Any;
  return {
    destinationPort: port(c.destination_port, `${path}.destination_port`, sink),
    prefixRanges: cidrs(c.prefix_ranges, `${path}.prefix_ranges`, sink),
    serverNames,
    transportProtocol: typeof c.transport_protocol === 'string' ? c.transport_protocol : '',
    applicationProtocols: (c.application_protocols as string[] | undefined) ?? [],
    directSourcePrefixRanges: cidrs(c.direct_source_prefix_ranges, `${path}.direct_source_prefix_ranges`, sink),
    sourceType,
    sourcePrefixRanges: cidrs(c.source_prefix_ranges, `${path}.source_prefix_ranges`, sink),
    sourcePorts: ((c.source_ports as number[] | undefined) ?? []).map((p, i) => port(p, `${path}.source_ports[${i}]`, sink)),
  };
}
