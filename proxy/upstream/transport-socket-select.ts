// Which transport socket a connection to a host uses, as Envoy picks it: the first
// `transport_socket_matches` entry whose `match` fields all equal the host's metadata under
// `envoy.transport_socket_match` (Istio's `tlsMode: istio`), else the cluster's `transport_socket`,
// else plaintext. tsenvoy has no upstream TLS yet, so a choice other than raw_buffer is refused
// with a transport failure reason rather than sent in plaintext to a peer that expects TLS.

import { getLogger } from '../common/logger';
import type { Canonical } from '../config/canonical';
import type { Host } from './types';

const log = getLogger('upstream');
const warned = new WeakSet<object>();

const RAW_BUFFER = 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';
const RAW_BUFFER_NAME = 'envoy.transport_sockets.raw_buffer';
const MATCH_KEY = 'envoy.transport_socket_match';

export interface TransportSocketSource {
  readonly name: string;
  readonly transportSocket?: Canonical;
  readonly transportSocketMatches?: readonly Canonical[];
}

/**
 * '' when connections to `host` are plaintext; else why tsenvoy must refuse them (logged once per
 * cluster version at warning level).
 */
export function unsupportedUpstreamTransport(cluster: TransportSocketSource, host: Host): string {
  const why = chooseTransport(cluster, host);
  if (why !== '' && !warned.has(cluster)) {
    warned.add(cluster);
    log.warn('cluster %s: %s', cluster.name, why);
  }
  return why;
}

function chooseTransport(cluster: TransportSocketSource, host: Host): string {
  let chosen = cluster.transportSocket;
  const matches = cluster.transportSocketMatches;
  if (matches !== undefined && matches.length > 0) {
    const fm = (host.metadata?.filter_metadata as Canonical | undefined)?.[MATCH_KEY] as Canonical | undefined;
    for (const m of matches) {
      if (criteriaMatch(m.match as Canonical | undefined, fm)) {
        chosen = m.transport_socket as Canonical | undefined;
        break;
      }
    }
  }
  if (chosen === undefined) return '';
  const type = String((chosen.typed_config as Canonical | undefined)?.['@type'] ?? '');
  if (type === RAW_BUFFER) return '';
  // No typed_config: only the raw_buffer name means plaintext; anything else is refused.
  if (type === '' && chosen.name === RAW_BUFFER_NAME) return '';
  const short = type === '' ? String(chosen.name ?? 'unnamed') : type.slice(type.lastIndexOf('.') + 1);
  return `TLS_error: transport socket ${short} is not implemented in tsenvoy yet; refusing rather than sending plaintext`;
}

function criteriaMatch(criteria: Canonical | undefined, meta: Canonical | undefined): boolean {
  if (criteria === undefined) return true;
  for (const k of Object.keys(criteria)) {
    if (meta === undefined || !sameValue(criteria[k], meta[k])) return false;
  }
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && JSON.stringify(a) === JSON.stringify(b);
}
