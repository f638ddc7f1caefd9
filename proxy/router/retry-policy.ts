// route / virtual host retry_policy compiled into the RetryPolicy of the contract (types.ts).
// Envoy parses retry_on with both the HTTP and the gRPC token tables and silently drops tokens
// neither knows; we do the same and also warn, since a typo otherwise disables retries quietly.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { compileHeaderMatchers } from './header-matcher';
import { RetryOn, type RetryPolicy } from './types';

export const HTTP_RETRY_ON: Readonly<Record<string, number>> = {
  '5xx': RetryOn.X5xx,
  'gateway-error': RetryOn.GatewayError,
  reset: RetryOn.Reset,
  'reset-before-request': RetryOn.ResetBeforeRequest,
  'connect-failure': RetryOn.ConnectFailure,
  'retriable-4xx': RetryOn.Retriable4xx,
  'refused-stream': RetryOn.RefusedStream,
  'retriable-status-codes': RetryOn.RetriableStatusCodes,
  'retriable-headers': RetryOn.RetriableHeaders,
  'envoy-ratelimited': RetryOn.EnvoyRateLimited,
  'http3-post-connect-failure': RetryOn.Http3PostConnectFailure,
};

export const GRPC_RETRY_ON: Readonly<Record<string, number>> = {
  cancelled: RetryOn.GrpcCancelled,
  'deadline-exceeded': RetryOn.GrpcDeadlineExceeded,
  'resource-exhausted': RetryOn.GrpcResourceExhausted,
  unavailable: RetryOn.GrpcUnavailable,
  internal: RetryOn.GrpcInternal,
};

/**
 * Parses a comma list (config retry_on, or x-envoy-retry-on / x-envoy-retry-grpc-on with `grpcOnly`
 * for the latter). Whitespace around tokens is ignored; unknown tokens are returned apart.
 */
export function parseRetryOn(list: string, grpcOnly = false): { bits: number; unknown: string[] } {
  let bits = 0;
  const unknown: string[] = [];
  for (const raw of list.split(',')) {
    const t = raw.trim();
    if (t === '') continue;
    const b = (grpcOnly ? undefined : HTTP_RETRY_ON[t]) ?? GRPC_RETRY_ON[t];
    if (b === undefined) unknown.push(t);
    else bits |= b;
  }
  return { bits, unknown };
}

const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
const KNOWN_PREDICATES: Readonly<Record<string, string>> = {
  'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate': PREVIOUS_HOSTS,
  'envoy.extensions.retry.host.omit_canary_hosts.v3.OmitCanaryHostsPredicate': 'envoy.retry_host_predicates.omit_canary_hosts',
  'envoy.extensions.retry.host.omit_host_metadata.v3.OmitHostMetadataConfig': 'envoy.retry_host_predicates.omit_host_metadata',
  'envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig': 'envoy.retry_priorities.previous_priorities',
};
const KNOWN_NAMES = new Set(Object.values(KNOWN_PREDICATES));

/** A typed extension's canonical name: from typed_config's type when known, else `name`. */
function extensionName(e: Canonical): string | undefined {
  const t = (e.typed_config as Canonical | undefined)?.['@type'];
  if (typeof t === 'string') {
    const byType = KNOWN_PREDICATES[t.slice(t.lastIndexOf('/') + 1)];
    if (byType) return byType;
  }
  return typeof e.name === 'string' && KNOWN_NAMES.has(e.name) ? e.name : undefined;
}

export function compileRetryPolicy(c: Canonical, path: string, sink: IssueSink): RetryPolicy {
  const parsed = parseRetryOn(typeof c.retry_on === 'string' ? c.retry_on : '');
  if (parsed.unknown.length > 0) sink.warn(`${path}.retry_on`, `unknown retry_on token(s) ignored: ${parsed.unknown.join(', ')}`);
  let base = 25;
  let max = 250;
  const back = c.retry_back_off as Canonical | undefined;
  if (back !== undefined) {
    if (typeof back.base_interval !== 'number') sink.error(`${path}.retry_back_off.base_interval`, 'base_interval is required');
    else base = Math.max(1, back.base_interval);
    if (typeof back.max_interval === 'number') {
      max = Math.max(1, back.max_interval);
      if (max < base) sink.error(`${path}.retry_back_off.max_interval`, 'retry_policy.max_interval must greater than or equal to the base_interval');
    } else max = base * 10;
  }
  let previousHosts = false;
  const others: string[] = [];
  const preds = (c.retry_host_predicate as Canonical[] | undefined) ?? [];
  preds.forEach((p, i) => {
    const n = extensionName(p);
    if (n === undefined) sink.error(`${path}.retry_host_predicate[${i}]`, `unknown retry host predicate '${String(p.name ?? (p.typed_config as Canonical | undefined)?.['@type'] ?? '')}'`);
    else if (n === PREVIOUS_HOSTS) previousHosts = true;
    else others.push(n);
  });
  const prio = c.retry_priority as Canonical | undefined;
  if (prio !== undefined && (prio.name !== undefined || prio.typed_config !== undefined)) {
    const n = extensionName(prio);
    if (n === undefined) sink.error(`${path}.retry_priority`, `unknown retry priority '${String(prio.name ?? '')}'`);
    else others.push(n);
  }
  const attempts = typeof c.host_selection_retry_max_attempts === 'number' && c.host_selection_retry_max_attempts > 0 ? c.host_selection_retry_max_attempts : 1;
  return Object.freeze({
    retryOn: parsed.bits,
    numRetries: typeof c.num_retries === 'number' ? c.num_retries : 1,
    perTryTimeoutMs: typeof c.per_try_timeout === 'number' ? c.per_try_timeout : 0,
    perTryIdleTimeoutMs: typeof c.per_try_idle_timeout === 'number' ? c.per_try_idle_timeout : 0,
    retriableStatusCodes: Object.freeze(((c.retriable_status_codes as number[] | undefined) ?? []).slice()),
    retriableHeaders: Object.freeze(compileHeaderMatchers(c.retriable_headers, `${path}.retriable_headers`, sink)),
    retriableRequestHeaders: Object.freeze(compileHeaderMatchers(c.retriable_request_headers, `${path}.retriable_request_headers`, sink)),
    baseIntervalMs: base,
    maxIntervalMs: max,
    hostSelectionRetryMaxAttempts: attempts,
    previousHosts,
    otherPredicates: Object.freeze(others),
  });
}
