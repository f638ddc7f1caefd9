// ClusterLoadAssignment (a cluster's inline load_assignment, or an EDS resource) validated into
// flat endpoint specs: one per lb_endpoint, carrying its locality, priority and weights. Cluster
// types differ only in what an address may be: STATIC and EDS need IP literals, DNS clusters
// take host names that discovery resolves later.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import type { HostAddress, Locality } from './types';

export type EdsHealth = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

/** An address as configured: an IP (or pipe) ready to connect to, or a name to resolve. */
export type EndpointAddress = HostAddress | { readonly kind: 'dns'; readonly hostname: string; readonly port: number };

export interface EndpointSpec {
  readonly address: EndpointAddress;
  readonly hostname: string;
  /** lb_endpoint load_balancing_weight, default 1. */
  readonly weight: number;
  readonly priority: number;
  readonly locality: Locality;
  /** The locality's load_balancing_weight (0 = not set). */
  readonly localityWeight: number;
  readonly health: EdsHealth;
  readonly metadata: Canonical | undefined;
  /** health_check_config overrides. */
  readonly hcPort: number;
  readonly hcHostname: string;
}

export interface LoadAssignmentSpec {
  readonly endpoints: readonly EndpointSpec[];
  readonly overprovisioningFactor: number;
  readonly weightedPriorityHealth: boolean;
}

export const EMPTY_ASSIGNMENT: LoadAssignmentSpec = Object.freeze({ endpoints: [], overprovisioningFactor: 140, weightedPriorityHealth: false });

const NO_LOCALITY: Locality = Object.freeze({ region: '', zone: '', sub_zone: '' });

/** `ip:port`, `[v6]:port` or the pipe path, as Envoy's Address::asString. */
export function addressString(a: HostAddress): string {
  if (a.kind === 'pipe') return a.path;
  return a.family === 6 ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 or 6 for an IP literal, 0 otherwise. */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (V4.test(s)) return 4;
  if (s.includes(':') && /^[0-9a-fA-F:.]+(%[\w.-]+)?$/.test(s)) return 6;
  return 0;
}

export function socketAddress(ip: string, port: number): HostAddress | undefined {
  const family = ipFamily(ip);
  if (family === 0) return undefined;
  return Object.freeze({ kind: 'socket', ip, port, family });
}

/** Parses `ip:port` or `[v6]:port` (x-envoy-original-dst-host). */
export function parseIpPort(text: string): HostAddress | undefined {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0 || text[end + 1] !== ':') return undefined;
    host = text.slice(1, end);
    portText = text.slice(end + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return undefined;
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return socketAddress(host, port);
}

export type AddressMode = 'ip' | 'dns';

/** core.v3.Address -> HostAddress (or a DNS name in 'dns' mode); errors name `path`. */
export function parseAddress(a: Canonical | undefined, path: string, mode: AddressMode, sink: IssueSink): EndpointAddress | undefined {
  if (a === undefined) {
    sink.error(path, 'address is required');
    return undefined;
  }
  if (a.pipe !== undefined) {
    const pipe = a.pipe as Canonical;
    const p = String(pipe.path ?? '');
    if (p === '') sink.error(`${path}.pipe.path`, 'value length must be at least 1 characters');
    return Object.freeze({ kind: 'pipe', path: p });
  }
  const sa = a.socket_address as Canonical | undefined;
  if (sa === undefined) {
    sink.error(path, a.envoy_internal_address !== undefined ? 'envoy_internal_address is not supported' : 'socket_address or pipe is required');
    return undefined;
  }
  const host = String(sa.address ?? '');
  if (sa.named_port !== undefined) sink.error(`${path}.socket_address.named_port`, 'named_port is not supported');
  if (sa.protocol === 'UDP') sink.error(`${path}.socket_address.protocol`, 'UDP upstream endpoints are not supported');
  if (sa.resolver_name !== undefined && sa.resolver_name !== '') sink.error(`${path}.socket_address.resolver_name`, `unknown address resolver '${String(sa.resolver_name)}'`);
  const port = typeof sa.port_value === 'number' ? sa.port_value : 0;
  if (port > 65535) sink.error(`${path}.socket_address.port_value`, 'value must be less than or equal to 65535');
  if (host === '') {
    sink.error(`${path}.socket_address.address`, 'value length must be at least 1 characters');
    return undefined;
  }
  const ip = socketAddress(host, port);
  if (ip !== undefined) return ip;
  if (mode === 'ip') {
    sink.error(`${path}.socket_address.address`, `malformed IP address: ${host}`);
    return undefined;
  }
  return Object.freeze({ kind: 'dns', hostname: host, port });
}

const HEALTH = new Set(['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED']);

export function parseLoadAssignment(cla: Canonical | undefined, path: string, mode: AddressMode, sink: IssueSink): LoadAssignmentSpec {
  if (cla === undefined) return EMPTY_ASSIGNMENT;
  const out: EndpointSpec[] = [];
  const groups = (cla.endpoints as Canonical[] | undefined) ?? [];
  groups.forEach((g, i) => {
    const gp = `${path}.endpoints[${i}]`;
    const loc = g.locality as Canonical | undefined;
    const locality: Locality =
      loc === undefined ? NO_LOCALITY : Object.freeze({ region: String(loc.region ?? ''), zone: String(loc.zone ?? ''), sub_zone: String(loc.sub_zone ?? '') });
    const priority = typeof g.priority === 'number' ? g.priority : 0;
    if (priority > 128) sink.error(`${gp}.priority`, 'value must be less than or equal to 128');
    const localityWeight = typeof g.load_balancing_weight === 'number' ? g.load_balancing_weight : 0;
    if (g.leds_cluster_locality_config !== undefined) sink.error(`${gp}.leds_cluster_locality_config`, 'LEDS is not supported');
    const lbs = (g.lb_endpoints as Canonical[] | undefined) ?? [];
    lbs.forEach((e, j) => {
      const ep = `${gp}.lb_endpoints[${j}]`;
      if (e.endpoint_name !== undefined) {
        sink.error(`${ep}.endpoint_name`, 'named endpoints are not supported');
        return;
      }
      const endpoint = (e.endpoint as Canonical | undefined) ?? {};
      const address = parseAddress(endpoint.address as Canonical | undefined, `${ep}.endpoint.address`, mode, sink);
      if (address === undefined) return;
      const weight = typeof e.load_balancing_weight === 'number' ? e.load_balancing_weight : 1;
      if (weight < 1) sink.error(`${ep}.load_balancing_weight`, 'value must be greater than or equal to 1');
      const health = typeof e.health_status === 'string' && HEALTH.has(e.health_status) ? (e.health_status as EdsHealth) : 'UNKNOWN';
      const hc = endpoint.health_check_config as Canonical | undefined;
      out.push(
        Object.freeze({
          address,
          hostname: String(endpoint.hostname ?? ''),
          weight,
          priority,
          locality,
          localityWeight,
          health,
          metadata: e.metadata as Canonical | undefined,
          hcPort: typeof hc?.port_value === 'number' ? hc.port_value : 0,
          hcHostname: String(hc?.hostname ?? ''),
        }),
      );
    });
  });
  const policy = cla.policy as Canonical | undefined;
  let factor = 140;
  if (policy !== undefined) {
    if (typeof policy.overprovisioning_factor === 'number') factor = policy.overprovisioning_factor;
    if (factor <= 0) sink.error(`${path}.policy.overprovisioning_factor`, 'value must be greater than 0');
  }
  return Object.freeze({ endpoints: Object.freeze(out), overprovisioningFactor: factor, weightedPriorityHealth: policy?.weighted_priority_health === true });
}
