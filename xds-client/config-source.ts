// A ConfigSource (canonical) as the client uses it: which transport carries the subscription
// (ADS, its own gRPC stream, or a watched file) and how long to wait for the first fetch.
type Obj = Readonly<Record<string, unknown>>;

/** Envoy's default initial_fetch_timeout. */
export const DEFAULT_INITIAL_FETCH_TIMEOUT_MS = 15_000;

export type SourceSpec =
  | { readonly kind: 'ads'; readonly timeoutMs: number }
  | { readonly kind: 'api'; readonly api: Obj; readonly key: string; readonly timeoutMs: number }
  | { readonly kind: 'path'; readonly path: string; readonly watchedDirectory?: string; readonly timeoutMs: number };

export class ConfigSourceError extends Error {}

/**
 * Reads a ConfigSource; `label` is its config path, named in every error. An absent source
 * means ADS, as for resources Istio sends (their config_source is always `ads: {}`).
 */
export function parseConfigSource(cs: Obj | undefined, label: string): SourceSpec {
  if (!cs) return { kind: 'ads', timeoutMs: DEFAULT_INITIAL_FETCH_TIMEOUT_MS };
  const timeoutMs = typeof cs.initial_fetch_timeout === 'number' ? cs.initial_fetch_timeout : DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
  const rv = String(cs.resource_api_version ?? 'AUTO');
  if (rv !== 'V3' && rv !== 'AUTO') throw new ConfigSourceError(`${label}.resource_api_version: only V3 is supported (is ${rv})`);
  if (cs.ads !== undefined || cs.self !== undefined) return { kind: 'ads', timeoutMs };
  const pcs = cs.path_config_source as Obj | undefined;
  if (pcs) {
    const wd = (pcs.watched_directory as Obj | undefined)?.path;
    return { kind: 'path', path: String(pcs.path ?? ''), watchedDirectory: typeof wd === 'string' ? wd : undefined, timeoutMs };
  }
  if (typeof cs.path === 'string') return { kind: 'path', path: cs.path, timeoutMs };
  const api = cs.api_config_source as Obj | undefined;
  if (api) {
    const t = String(api.api_type ?? '');
    if (t === 'AGGREGATED_GRPC' || t === 'AGGREGATED_DELTA_GRPC') return { kind: 'ads', timeoutMs };
    return { kind: 'api', api, key: stableKey(api), timeoutMs };
  }
  throw new ConfigSourceError(`${label}: needs one of ads, path_config_source, api_config_source or self`);
}

function stableKey(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return `[${v.map(stableKey).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.keys(v).sort().map((k) => `${k}:${stableKey((v as Obj)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
