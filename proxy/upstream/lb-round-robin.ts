// ROUND_ROBIN: equal weights cycle through the list; different weights use an EDF schedule, so
// over sum(weights) picks each host gets exactly its weight, interleaved (Envoy's behaviour).
import { EdfScheduler } from './edf-scheduler';
import type { HostImpl } from './host';
import { HostSource, SourceLb } from './lb-source';

export class RoundRobinLb extends SourceLb {
  protected pickFrom(src: HostSource): HostImpl {
    const hosts = src.hosts;
    if (src.weightsEqual) {
      const i = src.rr;
      src.rr = i + 1 >= hosts.length ? 0 : i + 1;
      return hosts[i];
    }
    let edf = src.edf;
    if (edf === null) edf = src.edf = new EdfScheduler(hosts.map((h) => h.weight));
    return hosts[edf.pick()];
  }
}
