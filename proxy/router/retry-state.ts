// The per-request retry state Envoy's router keeps (RetryStateImpl): which outcomes are retriable, how many retries remain,
// the request headers that override the policy (x-envoy-retry-on, x-envoy-max-retries...), the
// retry circuit breaker, and fully jittered exponential back-off.
// The policy itself is compiled by the route table (retry-policy.ts, types.ts RetryPolicy).
import { ResetReason } from '../http/codec-types';
import type { HeaderMapImpl } from '../http/header-map-impl';
import type { ResourceLimit } from '../upstream/types';
import { parseRetryOn } from './retry-policy';
import { RetryOn, type RetryPolicy } from './types';

export const enum RetryStatus {
  No,
  Yes,
  NoOverflow,
  NoRetryLimitExceeded,
}

const GRPC_CODE_BITS: Record<string, number> = { '1': RetryOn.GrpcCancelled, '4': RetryOn.GrpcDeadlineExceeded, '8': RetryOn.GrpcResourceExhausted, '14': RetryOn.GrpcUnavailable, '13': RetryOn.GrpcInternal };

/** One request's retry bookkeeping; exists only when some retry_on applies. */
export class RetryState {
  retryOn: number;
  retriesRemaining: number;
  readonly statusCodes: number[];
  private attempt = 0;
  /** The retry circuit breaker was charged for a scheduled retry not started yet. */
  private pendingCharge = false;

  constructor(
    readonly policy: RetryPolicy | undefined,
    headers: HeaderMapImpl,
    private readonly retries: ResourceLimit,
  ) {
    this.retryOn = policy?.retryOn ?? 0;
    this.retriesRemaining = policy?.numRetries ?? 1;
    this.statusCodes = policy ? [...policy.retriableStatusCodes] : [];
    // Request headers (already stripped from untrusted requests by the HCM) override the policy.
    const on = headers.get('x-envoy-retry-on');
    if (on !== undefined) this.retryOn |= parseRetryOn(on).bits;
    const grpcOn = headers.get('x-envoy-retry-grpc-on');
    if (grpcOn !== undefined) this.retryOn |= parseRetryOn(grpcOn, true).bits;
    const max = headers.get('x-envoy-max-retries');
    if (max !== undefined && /^\d+$/.test(max)) this.retriesRemaining = Number(max);
    const codes = headers.get('x-envoy-retriable-status-codes');
    if (codes !== undefined) {
      for (const c of codes.split(',')) if (/^\s*\d{3}\s*$/.test(c)) this.statusCodes.push(Number(c));
    }
    // retriable_request_headers: only requests matching one of them may be retried.
    const rq = policy?.retriableRequestHeaders;
    if (rq !== undefined && rq.length > 0 && !rq.some((m) => m.matches(headers))) this.retryOn = 0;
  }

  get enabled(): boolean {
    return this.retryOn !== 0;
  }

  wouldRetryFromReset(reason: ResetReason, requestStarted: boolean): boolean {
    if (reason === ResetReason.Overflow) return false;
    const on = this.retryOn;
    if (on & RetryOn.ResetBeforeRequest && !requestStarted) return true;
    if (on & (RetryOn.X5xx | RetryOn.GatewayError | RetryOn.Reset)) return true;
    if (on & RetryOn.RefusedStream && reason === ResetReason.RemoteRefusedStreamReset) return true;
    if (on & RetryOn.ConnectFailure && (reason === ResetReason.ConnectionFailure || reason === ResetReason.ConnectionTimeout)) return true;
    return false;
  }

  wouldRetryFromHeaders(status: number, headers: HeaderMapImpl): boolean {
    const on = this.retryOn;
    if (headers.has('x-envoy-ratelimited')) return (on & RetryOn.EnvoyRateLimited) !== 0;
    if (on & RetryOn.X5xx && status >= 500 && status < 600) return true;
    if (on & RetryOn.GatewayError && status >= 502 && status <= 504) return true;
    if (on & RetryOn.Retriable4xx && status === 409) return true;
    if (on & RetryOn.RetriableStatusCodes && this.statusCodes.includes(status)) return true;
    if (on & RetryOn.RetriableHeaders && this.policy) {
      for (const p of this.policy.retriableHeaders) if (p.matches(headers)) return true;
    }
    if (on & (RetryOn.GrpcCancelled | RetryOn.GrpcDeadlineExceeded | RetryOn.GrpcResourceExhausted | RetryOn.GrpcUnavailable | RetryOn.GrpcInternal)) {
      const g = headers.get('grpc-status');
      if (g !== undefined && (on & (GRPC_CODE_BITS[g] ?? 0)) !== 0) return true;
    }
    return false;
  }

  /** Decides after a retriable outcome; Yes charges the retry circuit breaker. */
  decide(wouldRetry: boolean): RetryStatus {
    if (!wouldRetry) return RetryStatus.No;
    if (this.retriesRemaining <= 0) return RetryStatus.NoRetryLimitExceeded;
    if (!this.retries.canCreate()) return RetryStatus.NoOverflow;
    this.retriesRemaining--;
    this.retries.inc();
    this.pendingCharge = true;
    return RetryStatus.Yes;
  }

  /** The scheduled retry starts (or is abandoned): the circuit breaker is released. */
  release(): void {
    if (!this.pendingCharge) return;
    this.pendingCharge = false;
    this.retries.dec();
  }

  /** Next back-off: random in [0, min((2^n - 1) * base, max)). */
  nextBackoffMs(): number {
    this.attempt++;
    const base = this.policy?.baseIntervalMs ?? 25;
    const max = this.policy?.maxIntervalMs ?? base * 10;
    const ceiling = Math.min((2 ** this.attempt - 1) * base, max);
    return Math.floor(Math.random() * ceiling);
  }
}
