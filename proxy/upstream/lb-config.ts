// The load-balancing policy of a cluster, from the legacy `lb_policy` enum with its
// `*_lb_config` siblings or from `load_balancing_policy` (typed policies; the first one tsenvoy
// implements wins, as Envoy picks the first policy it has a factory for). Both lead to one model.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';

export type LbConfig =
  | { readonly kind: 'ROUND_ROBIN'; readonly localityWeighted: boolean }
  | { readonly kind: 'RANDOM'; readonly localityWeighted: boolean }
  | { readonly kind: 'LEAST_REQUEST'; readonly localityWeighted: boolean; readonly choiceCount: number; readonly activeRequestBias: number }
  | { readonly kind: 'RING_HASH'; readonly localityWeighted: boolean; readonly minRingSize: number; readonly maxRingSize: number; readonly useHostname: boolean }
  | { readonly kind: 'MAGLEV'; readonly localityWeighted: boolean; readonly tableSize: number; readonly useHostname: boolean }
  | { readonly kind: 'CLUSTER_PROVIDED'; readonly localityWeighted: false };

export interface CommonLbConfig {
  /** Percent 0..100; below it a priority is in panic and balances over all its hosts. */
  readonly panicThreshold: number;
  readonly localityWeighted: boolean;
  readonly ignoreNewHostsUntilFirstHc: boolean;
}

const TYPE_PREFIX = 'type.googleapis.com/';
const POLICY_TYPES: Record<string, LbConfig['kind']> = {
  'envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin': 'ROUND_ROBIN',
  'envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest': 'LEAST_REQUEST',
  'envoy.extensions.load_balancing_policies.random.v3.Random': 'RANDOM',
  'envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash': 'RING_HASH',
  'envoy.extensions.load_balancing_policies.maglev.v3.Maglev': 'MAGLEV',
  'envoy.extensions.load_balancing_policies.cluster_provided.v3.ClusterProvided': 'CLUSTER_PROVIDED',
};

export const MAX_RING_SIZE = 8 * 1024 * 1024;

// The configs that carry no numbers of their own, and Envoy's defaults, are shared by every cluster
// that has them (10,000 clusters' copies add up); the rest are made per cluster.
const freeze = <T extends LbConfig>(c: T): T => Object.freeze(c);
const SIMPLE = {
  ROUND_ROBIN: [freeze({ kind: 'ROUND_ROBIN', localityWeighted: false }), freeze({ kind: 'ROUND_ROBIN', localityWeighted: true })],
  RANDOM: [freeze({ kind: 'RANDOM', localityWeighted: false }), freeze({ kind: 'RANDOM', localityWeighted: true })],
  LEAST_REQUEST: [
    freeze({ kind: 'LEAST_REQUEST', localityWeighted: false, choiceCount: 2, activeRequestBias: 1 }),
    freeze({ kind: 'LEAST_REQUEST', localityWeighted: true, choiceCount: 2, activeRequestBias: 1 }),
  ],
} as const;
const CLUSTER_PROVIDED: LbConfig = freeze({ kind: 'CLUSTER_PROVIDED', localityWeighted: false });

/** Common LB configs by panic threshold and flags: at most 101 x 4 of them, each made once. */
const COMMON = new Map<number, CommonLbConfig>();

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

export function parseCommonLbConfig(c: Canonical | undefined): CommonLbConfig {
  const pct = (c?.healthy_panic_threshold as Canonical | undefined)?.value;
  let panic = typeof pct === 'number' ? pct : 50;
  // Envoy rounds the Percent to an integer and treats out-of-range values as the default.
  panic = panic < 0 || panic > 100 ? 50 : Math.round(panic);
  const localityWeighted = c?.locality_weighted_lb_config !== undefined;
  const ignoreNewHostsUntilFirstHc = c?.ignore_new_hosts_until_first_hc === true;
  const key = panic * 4 + (localityWeighted ? 2 : 0) + (ignoreNewHostsUntilFirstHc ? 1 : 0);
  let cfg = COMMON.get(key);
  if (cfg === undefined) COMMON.set(key, (cfg = Object.freeze({ panicThreshold: panic, localityWeighted, ignoreNewHostsUntilFirstHc })));
  return cfg;
}

function ringHash(c: Canonical | undefined, path: string, localityWeighted: boolean, sink: IssueSink): LbConfig {
  const min = typeof c?.minimum_ring_size === 'number' ? c.minimum_ring_size : 1024;
  const max = typeof c?.maximum_ring_size === 'number' ? c.maximum_ring_size : MAX_RING_SIZE;
  if (min > MAX_RING_SIZE) sink.error(`${path}.minimum_ring_size`, `value must be less than or equal to ${MAX_RING_SIZE}`);
  if (max > MAX_RING_SIZE) sink.error(`${path}.maximum_ring_size`, `value must be less than or equal to ${MAX_RING_SIZE}`);
  if (min > max) sink.error(`${path}.minimum_ring_size`, `ring hash: minimum_ring_size (${min}) > maximum_ring_size (${max})`);
  if (c?.hash_function === 'MURMUR_HASH_2') sink.error(`${path}.hash_function`, 'MURMUR_HASH_2 is not supported (XX_HASH is)');
  const consistent = c?.consistent_hashing_lb_config as Canonical | undefined;
  const useHostname = c?.use_hostname_for_hashing === true || consistent?.use_hostname_for_hashing === true;
  return { kind: 'RING_HASH', localityWeighted, minRingSize: Math.max(1, min), maxRingSize: max, useHostname };
}

function maglev(c: Canonical | undefined, path: string, localityWeighted: boolean, sink: IssueSink): LbConfig {
  const size = typeof c?.table_size === 'number' ? c.table_size : 65537;
  if (size > 5000011) sink.error(`${path}.table_size`, 'value must be less than or equal to 5000011');
  else if (!isPrime(size)) sink.error(`${path}.table_size`, `The table size of maglev must be prime number`);
  const consistent = c?.consistent_hashing_lb_config as Canonical | undefined;
  return { kind: 'MAGLEV', localityWeighted, tableSize: size, useHostname: consistent?.use_hostname_for_hashing === true };
}

function leastRequest(c: Canonical | undefined, path: string, localityWeighted: boolean, sink: IssueSink): LbConfig {
  const choice = typeof c?.choice_count === 'number' ? c.choice_count : 2;
  if (choice < 2) sink.error(`${path}.choice_count`, 'value must be greater than or equal to 2');
  const biasCfg = c?.active_request_bias as Canonical | undefined;
  const bias = typeof biasCfg?.default_value === 'number' ? biasCfg.default_value : 1;
  if (bias < 0) sink.error(`${path}.active_request_bias`, 'active request bias must be a non-negative number');
  if (choice === 2 && bias === 1) return SIMPLE.LEAST_REQUEST[localityWeighted ? 1 : 0];
  return { kind: 'LEAST_REQUEST', localityWeighted, choiceCount: choice, activeRequestBias: bias };
}

function fromTyped(kind: LbConfig['kind'], cfg: Canonical, path: string, common: CommonLbConfig, sink: IssueSink): LbConfig {
  const loc = (cfg.locality_lb_config as Canonical | undefined)?.locality_weighted_lb_config !== undefined || common.localityWeighted;
  switch (kind) {
    case 'ROUND_ROBIN':
    case 'RANDOM':
      return SIMPLE[kind][loc ? 1 : 0];
    case 'LEAST_REQUEST':
      return leastRequest(cfg, path, loc, sink);
    case 'RING_HASH':
      return ringHash(cfg, path, loc, sink);
    case 'MAGLEV':
      return maglev(cfg, path, loc, sink);
    default:
      return CLUSTER_PROVIDED;
  }
}

/** `c` is the Cluster; errors use `path` (the cluster's path). */
export function parseLbConfig(c: Canonical, path: string, common: CommonLbConfig, sink: IssueSink): LbConfig {
  const lbp = c.load_balancing_policy as Canonical | undefined;
  if (lbp !== undefined) {
    const policies = (lbp.policies as Canonical[] | undefined) ?? [];
    const names: string[] = [];
    for (let i = 0; i < policies.length; i++) {
      const tec = policies[i].typed_extension_config as Canonical | undefined;
      const tc = tec?.typed_config as Canonical | undefined;
      const url = typeof tc?.['@type'] === 'string' ? (tc['@type'] as string) : '';
      const name = url.startsWith(TYPE_PREFIX) ? url.slice(TYPE_PREFIX.length) : url;
      const kind = POLICY_TYPES[name];
      if (kind !== undefined) return fromTyped(kind, tc!, `${path}.load_balancing_policy.policies[${i}].typed_extension_config.typed_config`, common, sink);
      names.push(name || '(none)');
    }
    sink.error(`${path}.load_balancing_policy`, `didn't find a registered load balancer factory implementation for any of: ${names.join(', ') || '(empty)'}`);
    return SIMPLE.ROUND_ROBIN[0];
  }
  const policy = typeof c.lb_policy === 'string' ? c.lb_policy : 'ROUND_ROBIN';
  const loc = common.localityWeighted;
  switch (policy) {
    case 'ROUND_ROBIN':
    case 'RANDOM':
      return SIMPLE[policy][loc ? 1 : 0];
    case 'LEAST_REQUEST':
      return leastRequest(c.least_request_lb_config as Canonical | undefined, `${path}.least_request_lb_config`, loc, sink);
    case 'RING_HASH':
      return ringHash(c.ring_hash_lb_config as Canonical | undefined, `${path}.ring_hash_lb_config`, loc, sink);
    case 'MAGLEV':
      return maglev(c.maglev_lb_config as Canonical | undefined, `${path}.maglev_lb_config`, loc, sink);
    case 'CLUSTER_PROVIDED':
      return CLUSTER_PROVIDED;
    case 'LOAD_BALANCING_POLICY_CONFIG':
      sink.error(`${path}.lb_policy`, 'LOAD_BALANCING_POLICY_CONFIG requires load_balancing_policy');
      return SIMPLE.ROUND_ROBIN[0];
    default:
      sink.error(`${path}.lb_policy`, `unsupported load balancing policy ${policy}`);
      return SIMPLE.ROUND_ROBIN[0];
  }
}
