// What every load balancer offers its cluster: a pick, and a rebuild when the priority set
// changes. Picks never allocate; rebuilds (membership or health changes) may.
import type { HostImpl } from './host';
import type { LbContext } from './types';

export interface LoadBalancer {
  chooseHost(ctx: LbContext | undefined): HostImpl | undefined;
  /** The priority set was rebuilt (hosts added/removed, health or weights changed). */
  refresh(): void;
}

/** The one stat a load balancer touches on the hot path. */
export interface LbCounters {
  readonly lb_healthy_panic: { inc(): void };
}

/** Uniform integer in [0, n). */
export function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}

/** Envoy's hash_key override: endpoint metadata filter_metadata['envoy.lb'].hash_key. */
export function hashKeyOf(h: HostImpl, useHostname: boolean): string {
  const md = h.metadata?.filter_metadata as Record<string, Record<string, unknown>> | undefined;
  const k = md?.['envoy.lb']?.hash_key;
  if (typeof k === 'string' && k !== '') return k;
  if (useHostname && h.hostname !== '') return h.hostname;
  return h.addressString;
}
