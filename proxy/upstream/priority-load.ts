// Envoy's split of traffic over priorities (LoadBalancerBase::recalculatePerPriorityState and
// the panic rules): each priority's availability is its healthy (then degraded) share of hosts
// scaled by the overprovisioning factor; load fills priorities in order by availability, the rest
// going to degraded hosts; a priority below the panic threshold balances over all its hosts, and
// when every priority is in panic, load follows the plain host counts. Integer percentages, as in
// Envoy, so a given health state yields exactly Envoy's numbers.

export interface PriorityCounts {
  /** hosts minus excluded. */
  readonly total: number;
  readonly healthy: number;
  readonly degraded: number;
  /** All hosts, excluded ones too (total-panic split). */
  readonly all: number;
  /** Weighted priority health: the same three as sums of host weights (0 when unused). */
  readonly healthyWeight: number;
  readonly degradedWeight: number;
  readonly totalWeight: number;
  readonly overprovisioningFactor: number;
}

export interface PriorityLoad {
  readonly healthy: number[];
  readonly degraded: number[];
  readonly panic: boolean[];
}

function distribute(load: number[], availability: number[], total: number, normalized: number): [number, number] {
  let first = -1;
  for (let i = 0; i < availability.length; i++) {
    if (first < 0 && availability[i] > 0) first = i;
    const share = Math.min(total, Math.floor((availability[i] * 100) / normalized));
    load[i] = share;
    total -= share;
  }
  return [first, total];
}

/** `weighted`: load_assignment.policy.weighted_priority_health. */
export function computePriorityLoad(sets: readonly PriorityCounts[], panicThreshold: number, weighted: boolean): PriorityLoad {
  const n = Math.max(1, sets.length);
  const healthy = new Array<number>(n).fill(0);
  const degraded = new Array<number>(n).fill(0);
  const panic = new Array<boolean>(n).fill(false);
  const health = new Array<number>(n).fill(0);
  const degradedAvail = new Array<number>(n).fill(0);
  for (let i = 0; i < sets.length; i++) {
    const s = sets[i];
    if (s.total <= 0) continue;
    const h = weighted ? s.healthyWeight : s.healthy;
    const d = weighted ? s.degradedWeight : s.degraded;
    const t = weighted ? s.totalWeight : s.total;
    if (t <= 0) continue;
    health[i] = Math.min(100, Math.floor((s.overprovisioningFactor * h) / t));
    degradedAvail[i] = Math.min(100, Math.floor((s.overprovisioningFactor * d) / t));
  }
  let sumH = 0;
  let sumD = 0;
  for (let i = 0; i < n; i++) {
    sumH += health[i];
    sumD += degradedAvail[i];
  }
  const normalized = Math.min(100, sumH + sumD);
  if (normalized > 0) {
    const [firstHealthy, rest] = distribute(healthy, health, 100, normalized);
    const [firstDegraded, remaining] = distribute(degraded, degradedAvail, rest, normalized);
    if (remaining !== 0) {
      if (firstHealthy !== -1) healthy[firstHealthy] += remaining;
      else if (firstDegraded !== -1) degraded[firstDegraded] += remaining;
    }
  }
  // Panic: with full availability nobody panics; else each priority by its own healthy share.
  if (panicThreshold === 0 && normalized === 0) {
    healthy[0] = 100;
    return { healthy, degraded, panic };
  }
  let allPanic = true;
  for (let i = 0; i < n; i++) {
    const s = sets[i];
    let p = false;
    if (normalized !== 100) {
      const count = s === undefined ? 0 : s.total;
      const pct = count === 0 ? 0 : (100 * (s.healthy + s.degraded)) / count;
      p = pct < panicThreshold;
    }
    panic[i] = p;
    if (!p) allPanic = false;
  }
  if (allPanic) {
    let all = 0;
    for (const s of sets) all += s.all;
    if (all === 0) {
      healthy.fill(0);
      degraded.fill(0);
      healthy[0] = 100;
      return { healthy, degraded, panic };
    }
    let left = 100;
    let firstNonEmpty = -1;
    for (let i = 0; i < n; i++) {
      const hosts = sets[i] === undefined ? 0 : sets[i].all;
      if (firstNonEmpty < 0 && hosts !== 0) firstNonEmpty = i;
      const share = Math.floor((100 * hosts) / all);
      healthy[i] = share;
      degraded[i] = 0;
      left -= share;
    }
    healthy[firstNonEmpty] += left;
  }
  return { healthy, degraded, panic };
}

/**
 * Envoy's choosePriority: `hash` mod 100 + 1 walks the healthy loads, then the degraded ones.
 * Returns `priority << 1 | degraded` so the pick allocates nothing.
 */
export function choosePriority(hashMod100: number, load: PriorityLoad): number {
  const h = hashMod100 + 1;
  let acc = 0;
  const hl = load.healthy;
  for (let i = 0; i < hl.length; i++) {
    acc += hl[i];
    if (h <= acc) return i << 1;
  }
  const dl = load.degraded;
  for (let i = 0; i < dl.length; i++) {
    acc += dl[i];
    if (h <= acc) return (i << 1) | 1;
  }
  return 0;
}
