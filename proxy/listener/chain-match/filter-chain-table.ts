// Envoy's FilterChainManager lookup, precompiled: every FilterChainMatch is expanded into the
// nested maps below, one level per criterion in Envoy's order. A lookup walks the levels once,
// taking at each level the most specific entry present (exact port before "any", longest prefix,
// exact server name before *.suffix wildcards before "any", ...) and never backtracks: a chain
// that is less specific at an earlier level is not considered, exactly as Envoy does.
// Two chains that land on the same leaf are a config error.
import type { IssueSink } from '../../config/result';
import { CidrSpec, CidrTable, ParsedIp } from '../../network/cidr-table';
import type { MatchFacts } from '../types';
import { FilterChainMatchSpec, SourceType } from './filter-chain-match-spec';

const ANY_V4: CidrSpec = { ip: '0.0.0.0', prefixLen: 0 };
const ANY_V6: CidrSpec = { ip: '::', prefixLen: 0 };

type SourcePortMap<T> = Map<number, T>;
type SourceIpTable<T> = CidrTable<SourcePortMap<T>>;
/** Indexed by SourceType. */
type SourceTypeNode<T> = [SourceIpTable<T> | undefined, SourceIpTable<T> | undefined, SourceIpTable<T> | undefined];
type DirectSourceTable<T> = CidrTable<SourceTypeNode<T>>;
type AlpnMap<T> = Map<string, DirectSourceTable<T>>;
type TransportMap<T> = Map<string, AlpnMap<T>>;
type ServerNameMap<T> = Map<string, TransportMap<T>>;
type DestinationIpTable<T> = CidrTable<ServerNameMap<T>>;

function orAll<X>(list: readonly X[], any: X): readonly X[] {
  return list.length ? list : [any];
}

function cidrsOrAny(list: readonly CidrSpec[]): readonly CidrSpec[] {
  return list.length ? list : [ANY_V4, ANY_V6];
}

function child<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    m.set(k, v);
  }
  return v;
}

function cidrChild<V>(t: CidrTable<V>, k: CidrSpec, make: () => V): V {
  let v = t.get(k);
  if (v === undefined) {
    v = make();
    t.set(k, v);
  }
  return v;
}

/** `*.example.com` is stored as `.example.com`, the form the lookup probes. */
function serverNameKey(name: string): string {
  return name.startsWith('*.') ? name.slice(1) : name;
}

export class FilterChainTable<T> {
  private readonly ports = new Map<number, DestinationIpTable<T>>();
  /** Whether any chain names server names with wildcards (skip suffix probing otherwise). */
  private hasWildcardNames = false;

  /** Adds a chain; reports a config error when its match duplicates another chain's. */
  add(spec: FilterChainMatchSpec, chain: T, path: string, sink: IssueSink): void {
    let duplicate = false;
    const ipTable = child(this.ports, spec.destinationPort, () => new CidrTable<ServerNameMap<T>>());
    for (const dst of cidrsOrAny(spec.prefixRanges)) {
      const names = cidrChild(ipTable, dst, () => new Map());
      for (const sn of orAll(spec.serverNames, '')) {
        if (sn.startsWith('*.')) this.hasWildcardNames = true;
        const transports = child(names, serverNameKey(sn), () => new Map());
        const alpns = child(transports, spec.transportProtocol, () => new Map());
        for (const alpn of orAll(spec.applicationProtocols, '')) {
          const direct = child(alpns, alpn, () => new CidrTable<SourceTypeNode<T>>());
          for (const ds of cidrsOrAny(spec.directSourcePrefixRanges)) {
            const types = cidrChild(direct, ds, (): SourceTypeNode<T> => [undefined, undefined, undefined]);
            const srcTable = (types[spec.sourceType] ??= new CidrTable<SourcePortMap<T>>());
            for (const src of cidrsOrAny(spec.sourcePrefixRanges)) {
              const portsMap = cidrChild(srcTable, src, () => new Map<number, T>());
              for (const sp of orAll(spec.sourcePorts, 0)) {
                const prev = portsMap.get(sp);
                if (prev !== undefined && prev !== chain) duplicate = true;
                else portsMap.set(sp, chain);
              }
            }
          }
        }
      }
    }
    if (duplicate) sink.error(path, 'multiple filter chains with the same matching rules are defined');
  }

  find(f: MatchFacts): T | undefined {
    const ipTable = (f.destinationPort !== 0 ? this.ports.get(f.destinationPort) : undefined) ?? this.ports.get(0);
    if (ipTable === undefined) return undefined;
    const names = ipTable.lookup(f.destinationIp);
    if (names === undefined) return undefined;
    const transports = this.findServerName(names, f.serverName);
    if (transports === undefined) return undefined;
    const alpns = transports.get(f.transportProtocol) ?? transports.get('');
    if (alpns === undefined) return undefined;
    let direct: DirectSourceTable<T> | undefined;
    const protos = f.applicationProtocols;
    for (let i = 0; i < protos.length && direct === undefined; i++) direct = alpns.get(protos[i]);
    direct ??= alpns.get('');
    if (direct === undefined) return undefined;
    const types = direct.lookup(f.directSourceIp);
    if (types === undefined) return undefined;
    const specific = types[f.sourceIsLocal ? SourceType.SameIpOrLoopback : SourceType.External];
    const src = specific ?? types[SourceType.Any];
    if (src === undefined) return undefined;
    return this.findSource(src, f.sourceIp, f.sourcePort);
  }

  private findServerName(names: ServerNameMap<T>, sni: string): TransportMap<T> | undefined {
    if (sni !== '') {
      const exact = names.get(sni);
      if (exact !== undefined) return exact;
      if (this.hasWildcardNames) {
        // www.a.example.com -> .a.example.com -> .example.com -> .com
        for (let dot = sni.indexOf('.', 1); dot >= 0 && dot < sni.length - 1; dot = sni.indexOf('.', dot + 1)) {
          const w = names.get(sni.slice(dot));
          if (w !== undefined) return w;
        }
      }
    }
    return names.get('');
  }

  private findSource(src: SourceIpTable<T>, ip: ParsedIp, port: number): T | undefined {
    const ports = src.lookup(ip);
    if (ports === undefined) return undefined;
    return ports.get(port) ?? ports.get(0);
  }
}
