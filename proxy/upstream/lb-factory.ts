// Builds a cluster's load balancer from its LbConfig. CLUSTER_PROVIDED has no generic balancer:
// the ORIGINAL_DST discovery picks the host itself.
import type { LbConfig } from './lb-config';
import { LeastRequestLb } from './lb-least-request';
import { MaglevLb } from './lb-maglev';
import { RandomLb } from './lb-random';
import { RingHashLb } from './lb-ring-hash';
import { RoundRobinLb } from './lb-round-robin';
import type { LbCounters, LoadBalancer } from './lb-types';
import type { PrioritySet } from './priority-set';

export function createLoadBalancer(cfg: LbConfig, ps: PrioritySet, counters: LbCounters): LoadBalancer | undefined {
  switch (cfg.kind) {
    case 'ROUND_ROBIN':
      return new RoundRobinLb(ps, counters, cfg.localityWeighted);
    case 'RANDOM':
      return new RandomLb(ps, counters, cfg.localityWeighted);
    case 'LEAST_REQUEST':
      return new LeastRequestLb(ps, counters, cfg.localityWeighted, cfg.choiceCount, cfg.activeRequestBias);
    case 'RING_HASH':
      return new RingHashLb(ps, counters, cfg.localityWeighted, cfg.minRingSize, cfg.maxRingSize, cfg.useHostname);
    case 'MAGLEV':
      return new MaglevLb(ps, counters, cfg.localityWeighted, cfg.tableSize, cfg.useHostname);
    default:
      return undefined;
  }
}
