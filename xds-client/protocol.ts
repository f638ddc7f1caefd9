// The two xDS wire dialects as request builders and response readers over TypeState: SotW
// (StreamAggregatedResources: full name lists, version_info, ACK = version + nonce) and delta
// (DeltaAggregatedResources: subscribe/unsubscribe diffs, per-resource versions, removals).
import { DeltaResponse, RawResources, readSliced, walkDeltaResponse, walkSotwResponse } from './envelope';
import { TypeState } from './type-state';
import { DELTA_DISCOVERY_REQUEST, DISCOVERY_REQUEST, RequestTypeName } from './types';

type Req = Record<string, unknown>;

export interface ParsedResponse {
  readonly typeUrl: string;
  readonly nonce: string;
  readonly versionInfo: string;
  readonly resources: RawResources;
  /** Delta's removed_resources; undefined in SotW. */
  readonly removed?: readonly string[];
}

export interface Protocol {
  readonly delta: boolean;
  readonly requestType: RequestTypeName;
  /** Reads a response's envelope, awaiting `pause()` when it returns a promise (a used-up slice). */
  read(buf: Buffer, pause: () => Promise<void> | undefined): Promise<ParsedResponse>;
  /** A request that tells the server the current subscription (first on a stream, or changed). */
  subscription(st: TypeState): Req;
  ack(st: TypeState, nonce: string): Req;
  nack(st: TypeState, nonce: string, message: string): Req;
  /** Names the response removes, given the names it carried. */
  removals(st: TypeState, p: ParsedResponse, present: ReadonlySet<string>): string[];
}

/** google.rpc.Code INTERNAL, as Envoy sets on every NACK. */
const INTERNAL = 13;

export const sotwProtocol: Protocol = {
  delta: false,
  requestType: DISCOVERY_REQUEST,
  async read(buf, pause) {
    const r = await readSliced(walkSotwResponse(buf), pause);
    return { typeUrl: r.typeUrl, nonce: r.nonce, versionInfo: r.versionInfo, resources: r.resources };
  },
  subscription(st) {
    return sotwRequest(st, st.nonce);
  },
  ack(st, nonce) {
    return sotwRequest(st, nonce);
  },
  nack(st, nonce, message) {
    return { ...sotwRequest(st, nonce), error_detail: { code: INTERNAL, message } };
  },
  removals(st, _p, present) {
    if (!st.fullState) return [];
    const out: string[] = [];
    for (const name of st.accepted.keys()) if (!present.has(name)) out.push(name);
    return out;
  },
};

function sotwRequest(st: TypeState, nonce: string): Req {
  // Pure wildcard is an empty list (what Envoy sends for LDS/CDS); wildcard plus names is '*'.
  const names = st.sortedNames();
  const resourceNames = st.wildcard && names.length > 0 ? ['*', ...names] : names;
  return { version_info: st.versionInfo, resource_names: resourceNames, type_url: st.typeUrl, response_nonce: nonce };
}

export const deltaProtocol: Protocol = {
  delta: true,
  requestType: DELTA_DISCOVERY_REQUEST,
  async read(buf, pause) {
    const r: DeltaResponse = await readSliced(walkDeltaResponse(buf), pause);
    return { typeUrl: r.typeUrl, nonce: r.nonce, versionInfo: r.systemVersionInfo, resources: r.resources, removed: r.removed };
  },
  subscription(st) {
    return { ...deltaDiff(st), response_nonce: st.nonce };
  },
  ack(st, nonce) {
    return { ...deltaDiff(st), response_nonce: nonce };
  },
  nack(st, nonce, message) {
    return { ...deltaDiff(st), response_nonce: nonce, error_detail: { code: INTERNAL, message } };
  },
  removals(st, p) {
    return (p.removed ?? []).filter((n) => st.accepted.has(n) || st.wants(n));
  },
};

/** The first request of a stream subscribes everything; later ones carry only the changes. */
function deltaDiff(st: TypeState): Req {
  const req: Req = { type_url: st.typeUrl };
  if (!st.sentOnStream) {
    const names = st.sortedNames();
    // Pure wildcard is the legacy empty subscribe, as Envoy sends it; mixed needs an explicit '*'.
    req.resource_names_subscribe = st.wildcard && names.length > 0 ? ['*', ...names] : names;
    if (st.accepted.size > 0) {
      const versions: Record<string, string> = {};
      for (const [name, r] of st.accepted) versions[name] = r.version;
      req.initial_resource_versions = versions;
    }
    return req;
  }
  const subscribe: string[] = [];
  const unsubscribe: string[] = [];
  if (st.wildcard && !st.sentWildcard) subscribe.push('*');
  if (!st.wildcard && st.sentWildcard) unsubscribe.push('*');
  if (st.subscriptionChanged()) {
    for (const n of st.names.keys()) if (!st.sentNames.has(n)) subscribe.push(n);
    for (const n of st.sentNames) if (!st.names.has(n)) unsubscribe.push(n);
  }
  if (subscribe.length) req.resource_names_subscribe = subscribe.sort();
  if (unsubscribe.length) req.resource_names_unsubscribe = unsubscribe.sort();
  return req;
}
