// A filter chain built from its spec: network filters instantiated from the registry by config
// type (once, here), the terminal filter that takes the socket, and the transport socket. It
// also tracks its open connections so an update that keeps the chain keeps them, and a drain
// reaches exactly the connections of chains that went away.
import type * as net from 'node:net';
import type { ConfigIssue } from '../config/result';
import { ConfigError } from '../config/result';
import { typeNameOfUrl } from '../config/schema/schema';
import type { ExtensionRegistry } from '../registry/registry';
import type { DownstreamTransportSocketFactory, NetworkFilter, NetworkFilterContext } from '../network/types';
import type { FilterChainSpec } from './listener-config';

const RAW_BUFFER = 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

export class FilterChain {
  readonly name: string;
  /** Filters before the terminal one that look at new connections (may veto). */
  readonly observers: readonly NetworkFilter[];
  /** undefined: the chain has no working terminal filter (connections are closed). */
  readonly terminal: NetworkFilter | undefined;
  /** undefined with `transportUnsupported` false: raw sockets. */
  readonly transport: DownstreamTransportSocketFactory | undefined;
  /** The chain names a transport socket with no implementation here: connections are closed. */
  readonly transportUnsupported: string;
  readonly connections = new Set<net.Socket>();
  readonly filters: readonly NetworkFilter[];

  constructor(
    readonly spec: FilterChainSpec,
    parts: { observers: NetworkFilter[]; terminal: NetworkFilter | undefined; transport: DownstreamTransportSocketFactory | undefined; transportUnsupported: string; filters: NetworkFilter[] },
  ) {
    this.name = spec.name;
    this.observers = parts.observers;
    this.terminal = parts.terminal;
    this.transport = parts.transport;
    this.transportUnsupported = parts.transportUnsupported;
    this.filters = parts.filters;
  }

  /** Listener drain: every filter finishes in-flight work and stops taking new requests. */
  drain(): void {
    for (const f of this.filters) f.drain?.();
  }

  /** End of the drain time: close whatever is still open. */
  destroy(): void {
    for (const f of this.filters) f.destroy?.();
    for (const s of [...this.connections]) s.destroy();
    this.connections.clear();
  }

  initialized(): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (const f of this.filters) if (f.initialized) out.push(f.initialized);
    return out;
  }
}

function prefixed(issues: readonly ConfigIssue[], base: string): ConfigIssue[] {
  return issues.map((i) => ({ path: i.path ? `${base}.${i.path}` : base, message: i.message }));
}

/** Builds a chain's filters; config errors go to `issues` with full paths. */
export function buildFilterChain(spec: FilterChainSpec, registry: ExtensionRegistry, ctx: NetworkFilterContext, issues: ConfigIssue[]): FilterChain {
  const built: NetworkFilter[] = [];
  let terminal: NetworkFilter | undefined;
  spec.filters.forEach((f, i) => {
    const tcPath = `${f.path}.typed_config`;
    if (!f.typedConfig) {
      issues.push({ path: tcPath, message: 'missing typed_config' });
      return;
    }
    const ext = registry.find('network_filter', f.typedConfig);
    if (!ext) {
      const err = registry.check('network_filter', f.typedConfig);
      issues.push({ path: tcPath, message: err ?? 'unknown network filter' });
      return;
    }
    if (!ext.create) return; // recognised, no behaviour yet: the chain runs without it
    let filter: NetworkFilter;
    try {
      filter = ext.create(f.typedConfig, ctx) as NetworkFilter;
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...prefixed(e.issues, tcPath));
      else issues.push({ path: tcPath, message: (e as Error).message });
      return;
    }
    built.push(filter);
    const last = i === spec.filters.length - 1;
    if (last) {
      if (typeof filter.handleConnection !== 'function') {
        issues.push({ path: f.path, message: `non-terminal filter ${f.name || ext.name} is the last filter in a network filter chain.` });
      } else terminal = filter;
    } else if (typeof filter.handleConnection === 'function' && typeof filter.onNewConnection !== 'function') {
      issues.push({ path: f.path, message: `terminal filter named ${f.name || ext.name} of type ${ext.name} must be the last filter in a network filter chain.` });
    }
  });
  const observers = built.filter((f) => f !== terminal && typeof f.onNewConnection === 'function');
  let transport: DownstreamTransportSocketFactory | undefined;
  let transportUnsupported = '';
  const ts = spec.transportSocket;
  if (ts && typeNameOfUrl(String(ts['@type'])) !== RAW_BUFFER) {
    const ext = registry.find('transport_socket', ts);
    if (!ext) issues.push({ path: `${spec.path}.transport_socket.typed_config`, message: registry.check('transport_socket', ts) ?? 'unknown transport socket' });
    else if (!ext.create) transportUnsupported = ext.name;
    else {
      try {
        transport = ext.create(ts, ctx) as DownstreamTransportSocketFactory;
      } catch (e) {
        const p = `${spec.path}.transport_socket.typed_config`;
        if (e instanceof ConfigError) issues.push(...prefixed(e.issues, p));
        else issues.push({ path: p, message: (e as Error).message });
      }
    }
  }
  return new FilterChain(spec, { observers, terminal, transport, transportUnsupported, filters: built });
}
