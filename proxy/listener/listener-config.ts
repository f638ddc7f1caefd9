// envoy.config.listener.v3.Listener validated into an immutable ListenerConfig (the edge). Only
// structure is checked here; filter configs are built (and checked) by their factories when the
// listener is built. Errors name field paths such as `filter_chains[2].filter_chain_match...`.
import { isIP } from 'node:net';
import type { Canonical, CanonicalAny } from '../config/canonical';
import { IssueSink, Result } from '../config/result';
import { canonicalIp, formatSocketAddress } from '../network/address';
import type { TrafficDirection } from '../network/types';
import { FilterChainMatchSpec, parseFilterChainMatch } from './chain-match/filter-chain-match-spec';
import { compilePortPredicate, PortPredicate } from './listener-filter-predicate';

export const LISTENER_TYPE = 'envoy.config.listener.v3.Listener';
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
export const DEFAULT_LISTENER_FILTERS_TIMEOUT_MS = 15000;

export interface ListenAddress {
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly ipv4Compat: boolean;
  /** Envoy's Address::asString: `0.0.0.0:15001`, `[::]:15001`, `envoy://main_internal/`. */
  readonly text: string;
  /** An internal listener's name (Envoy's EnvoyInternalAddress): no socket, no ip or port. */
  readonly internal?: string;
}

export interface ListenerFilterSpec {
  readonly name: string;
  readonly typedConfig: CanonicalAny | undefined;
  readonly disabled: PortPredicate | undefined;
  readonly path: string;
}

export interface FilterChainSpec {
  readonly name: string;
  readonly match: FilterChainMatchSpec;
  readonly filters: readonly { readonly name: string; readonly typedConfig: CanonicalAny | undefined; readonly path: string }[];
  readonly transportSocket: CanonicalAny | undefined;
  readonly path: string;
  /** The chain's canonical form: chains equal by value keep their connections on update. */
  readonly raw: Canonical;
}

export interface ListenerConfig {
  readonly name: string;
  readonly address: ListenAddress;
  readonly additionalAddresses: readonly ListenAddress[];
  readonly statPrefix: string;
  readonly bindToPort: boolean;
  readonly useOriginalDst: boolean;
  readonly transparent: boolean;
  readonly freebind: boolean;
  readonly trafficDirection: TrafficDirection;
  readonly drainType: 'DEFAULT' | 'MODIFY_ONLY';
  readonly perConnectionBufferLimitBytes: number;
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  readonly listenerFilters: readonly ListenerFilterSpec[];
  readonly filterChains: readonly FilterChainSpec[];
  readonly defaultFilterChain: FilterChainSpec | undefined;
  readonly filterChainMatcher: Canonical | undefined;
  readonly backlog: number;
  /** The validated canonical resource (config dump, change detection). */
  readonly raw: Canonical;
}

function parseAddress(c: Canonical | undefined, path: string, sink: IssueSink): ListenAddress | undefined {
  const sa = c?.socket_address as Canonical | undefined;
  if (!sa) {
    if (c?.pipe) sink.error(`${path}.pipe`, 'pipe listeners are not supported');
    else if (c?.envoy_internal_address) sink.error(`${path}.envoy_internal_address`, 'use internal_listener field instead of address for internal listeners');
    else sink.error(path, 'value is required');
    return undefined;
  }
  if (sa.protocol === 'UDP') {
    sink.error(`${path}.socket_address.protocol`, 'UDP listeners are not supported');
    return undefined;
  }
  if (sa.named_port !== undefined || sa.resolver_name !== undefined) {
    sink.error(`${path}.socket_address`, 'named ports and custom resolvers are not supported');
    return undefined;
  }
  const raw = typeof sa.address === 'string' ? sa.address : '';
  const ip = canonicalIp(raw);
  const family: 4 | 6 = ip.includes(':') ? 6 : 4;
  if (!isIP(ip)) {
    sink.error(`${path}.socket_address.address`, `malformed IP address: ${raw}`);
    return undefined;
  }
  const port = typeof sa.port_value === 'number' ? sa.port_value : 0;
  if (port < 0 || port > 65535) {
    sink.error(`${path}.socket_address.port_value`, 'value must be less than or equal to 65535');
    return undefined;
  }
  return { ip, port, family, ipv4Compat: sa.ipv4_compat === true, text: formatSocketAddress(ip, port) };
}

function parseChain(c: Canonical, path: string, sink: IssueSink): FilterChainSpec {
  const filters = ((c.filters as Canonical[] | undefined) ?? []).map((f, i) => {
    const p = `${path}.filters[${i}]`;
    if (f.config_discovery) sink.error(`${p}.config_discovery`, 'network filter config discovery (ECDS) is not supported');
    return { name: typeof f.name === 'string' ? f.name : '', typedConfig: f.typed_config as CanonicalAny | undefined, path: p };
  });
  if (c.on_demand_configuration) sink.error(`${path}.on_demand_configuration`, 'on-demand filter chains are not supported');
  return {
    name: typeof c.name === 'string' ? c.name : '',
    match: parseFilterChainMatch(c.filter_chain_match as Canonical | undefined, `${path}.filter_chain_match`, sink),
    filters,
    transportSocket: (c.transport_socket as Canonical | undefined)?.typed_config as CanonicalAny | undefined,
    path,
    raw: c,
  };
}

export const INTERNAL_LISTENER_EXTENSION = 'envoy.extensions.bootstrap.internal_listener.v3.InternalListener';

/** The bootstrap enables internal listeners (Envoy requires this bootstrap extension for them). */
export function enablesInternalListeners(bootstrap: Canonical): boolean {
  return ((bootstrap.bootstrap_extensions as Canonical[] | undefined) ?? []).some((e) => {
    const tc = e.typed_config as Canonical | undefined;
    // Istio wraps it in a TypedStruct: the type is then the struct's type_url.
    const url = String(tc?.['@type'] ?? '').endsWith('.TypedStruct') ? tc?.type_url : tc?.['@type'];
    return typeof url === 'string' && url.endsWith(`/${INTERNAL_LISTENER_EXTENSION}`);
  });
}

/**
 * An internal listener (Istio's main_internal, connect_originate) has no socket: it is addressed
 * by its name (Envoy's EnvoyInternalInstance, `envoy://<name>/`). Envoy's checks, with its words.
 */
function internalAddress(c: Canonical, name: string, sink: IssueSink): ListenAddress | undefined {
  if (c.address !== undefined || c.additional_addresses !== undefined) {
    sink.error('address', `error adding listener '${name}': address should not be used when an internal listener config is provided`);
    return undefined;
  }
  const balance = c.connection_balance_config as Canonical | undefined;
  if (balance?.exact_balance !== undefined || c.enable_mptcp === true || c.enable_reuse_port !== undefined || c.freebind === true ||
    c.tcp_backlog_size !== undefined || c.tcp_fast_open_queue_length !== undefined || c.transparent === true) {
    sink.error('internal_listener', `error adding listener named '${name}': has unsupported tcp listener feature`);
  }
  if (((c.socket_options as unknown[] | undefined) ?? []).length) sink.error('socket_options', `error adding listener named '${name}': does not support socket option`);
  return { ip: '', port: 0, family: 4, ipv4Compat: false, text: `envoy://${name}/`, internal: name };
}

export function buildListenerConfig(c: Canonical): Result<ListenerConfig> {
  const sink = new IssueSink();
  const name = typeof c.name === 'string' ? c.name : '';
  // Accepted as in Envoy (LDS ACKs it), but nothing reaches an internal listener yet: clusters
  // cannot connect to envoy_internal_address endpoints (internal_upstream) in tsenvoy.
  const internal = c.internal_listener !== undefined;
  const address = internal ? internalAddress(c, name, sink) : parseAddress(c.address as Canonical | undefined, 'address', sink);
  const additionalAddresses: ListenAddress[] = [];
  ((c.additional_addresses as Canonical[] | undefined) ?? []).forEach((a, i) => {
    const addr = parseAddress(a.address as Canonical | undefined, `additional_addresses[${i}].address`, sink);
    if (addr) additionalAddresses.push(addr);
  });
  const listenerFilters: ListenerFilterSpec[] = ((c.listener_filters as Canonical[] | undefined) ?? []).map((f, i) => {
    const p = `listener_filters[${i}]`;
    if (f.config_discovery) sink.error(`${p}.config_discovery`, 'listener filter config discovery (ECDS) is not supported');
    return {
      name: typeof f.name === 'string' ? f.name : '',
      typedConfig: f.typed_config as CanonicalAny | undefined,
      disabled: f.filter_disabled ? compilePortPredicate(f.filter_disabled as Canonical, `${p}.filter_disabled`, sink) : undefined,
      path: p,
    };
  });
  const filterChains = ((c.filter_chains as Canonical[] | undefined) ?? []).map((fc, i) => parseChain(fc, `filter_chains[${i}]`, sink));
  const defaultFilterChain = c.default_filter_chain ? parseChain(c.default_filter_chain as Canonical, 'default_filter_chain', sink) : undefined;
  if (c.filter_chain_matcher) {
    const seen = new Set<string>();
    filterChains.forEach((fc) => {
      if (fc.name === '') sink.error(`${fc.path}.name`, 'filter chains must have names when filter_chain_matcher is used');
      else if (seen.has(fc.name)) sink.error(`${fc.path}.name`, `filter chain name '${fc.name}' is not unique`);
      seen.add(fc.name);
    });
  }
  if (c.udp_listener_config || c.quic_options) sink.error('udp_listener_config', 'UDP/QUIC listeners are not supported');
  if (c.api_listener) sink.error('api_listener', 'API listeners are not supported');
  const td = c.traffic_direction;
  const value: ListenerConfig = {
    name,
    address: address ?? { ip: '0.0.0.0', port: 0, family: 4, ipv4Compat: false, text: '0.0.0.0:0' },
    additionalAddresses,
    // Envoy's listener stats scope: stat_prefix, else `envoy_internal_<name>` or the address.
    statPrefix: typeof c.stat_prefix === 'string' && c.stat_prefix !== '' ? c.stat_prefix : internal ? `envoy_internal_${name}` : '',
    bindToPort: !internal && c.bind_to_port !== false,
    useOriginalDst: c.use_original_dst === true,
    transparent: c.transparent === true,
    freebind: c.freebind === true,
    trafficDirection: td === 'INBOUND' || td === 'OUTBOUND' ? td : 'UNSPECIFIED',
    drainType: c.drain_type === 'MODIFY_ONLY' ? 'MODIFY_ONLY' : 'DEFAULT',
    perConnectionBufferLimitBytes: typeof c.per_connection_buffer_limit_bytes === 'number' ? c.per_connection_buffer_limit_bytes : DEFAULT_BUFFER_LIMIT,
    listenerFiltersTimeoutMs: typeof c.listener_filters_timeout === 'number' ? c.listener_filters_timeout : DEFAULT_LISTENER_FILTERS_TIMEOUT_MS,
    continueOnListenerFiltersTimeout: c.continue_on_listener_filters_timeout === true,
    listenerFilters,
    filterChains,
    defaultFilterChain,
    filterChainMatcher: c.filter_chain_matcher as Canonical | undefined,
    backlog: typeof c.tcp_backlog_size === 'number' ? c.tcp_backlog_size : 511,
    raw: c,
  };
  return sink.result(Object.freeze(value));
}

/** A canonical listener's filter chains, the default chain last (when it has one). */
export function allFilterChains(listener: Canonical): Canonical[] {
  const chains = (listener.filter_chains as Canonical[] | undefined) ?? [];
  return listener.default_filter_chain ? [...chains, listener.default_filter_chain as Canonical] : [...chains];
}
