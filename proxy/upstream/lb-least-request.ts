// LEAST_REQUEST, as Envoy: with equal weights, the fewest active requests among `choice_count`
// random hosts (power of two choices; a full scan when the list is no longer than that); with
// different weights, an EDF schedule whose weights are weight / (active + 1)^bias, re-read on
// every pick so busy hosts fall back.
import { EdfScheduler, EdfWeights } from './edf-scheduler';
import type { HostImpl } from './host';
import type { PrioritySet } from './priority-set';
import { LbCounters, randomInt } from './lb-types';
import { HostSource, SourceLb } from './lb-source';

export class LeastRequestLb extends SourceLb implements EdfWeights {
  private current: HostImpl[] = [];

  constructor(
    ps: PrioritySet,
    counters: LbCounters,
    localityWeighted: boolean,
    private readonly choiceCount: number,
    private readonly bias: number,
  ) {
    super(ps, counters, localityWeighted);
  }

  edfWeight(i: number): number {
    const h = this.current[i];
    const active = h.stats.rq_active;
    if (this.bias === 0) return h.weight;
    if (this.bias === 1) return h.weight / (active + 1);
    return h.weight / Math.pow(active + 1, this.bias);
  }

  protected pickFrom(src: HostSource): HostImpl {
    const hosts = src.hosts;
    const n = hosts.length;
    if (!src.weightsEqual) {
      let edf = src.edf;
      if (edf === null) {
        this.current = hosts;
        const w = new Float64Array(n);
        for (let i = 0; i < n; i++) w[i] = this.edfWeight(i);
        edf = src.edf = new EdfScheduler(w);
      }
      this.current = hosts;
      return hosts[edf.pickDynamic(this)];
    }
    if (n <= this.choiceCount) {
      // Full scan from a random start, so ties do not always favour the first host.
      const start = randomInt(n);
      let best = hosts[start];
      for (let k = 1; k < n; k++) {
        const h = hosts[(start + k) % n];
        if (h.stats.rq_active < best.stats.rq_active) best = h;
      }
      return best;
    }
    let best = hosts[randomInt(n)];
    for (let c = 1; c < this.choiceCount; c++) {
      const h = hosts[randomInt(n)];
      if (h.stats.rq_active < best.stats.rq_active) best = h;
    }
    return best;
  }
}
