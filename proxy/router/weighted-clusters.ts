// weighted_clusters compiled (v3): weights are summed in list order; total_weight, when set, must
// equal the sum; a request picks by (random or header_name's numeric value) modulo the sum, as
// Envoy's WeightedClusterSpecifierPlugin does. runtime_key_prefix is accepted and ignored (no
// runtime layer here), with a warning.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import type { RouteHeaders, WeightedClusterChoice, WeightedClusters } from './types';

const UINT32_MAX = 4294967295;
const DIGITS = /^\s*\+?(\d+)\s*$/;

/** Parses a header as Envoy's SimpleAtoi<uint64> would, reduced modulo `mod`; undefined if invalid. */
function headerValueMod(v: string, mod: number): number | undefined {
  const m = DIGITS.exec(v);
  if (m === null) return undefined;
  const d = m[1];
  if (d.length <= 15) return Number(d) % mod;
  const big = BigInt(d);
  if (big > 18446744073709551615n) return undefined;
  return Number(big % BigInt(mod));
}

export class CompiledWeightedClusters implements WeightedClusters {
  private readonly cumulative: Uint32Array | Float64Array;
  constructor(
    readonly clusters: readonly WeightedClusterChoice[],
    readonly totalWeight: number,
    readonly headerName: string | undefined,
  ) {
    const c = new Float64Array(clusters.length);
    let s = 0;
    for (let i = 0; i < clusters.length; i++) {
      s += clusters[i].weight;
      c[i] = s;
    }
    this.cumulative = c;
  }

  /** `r` is the route's 32-bit random value; the header, when configured and valid, replaces it. */
  pickIndex(r: number, headers: RouteHeaders): number {
    let selected = -1;
    if (this.headerName !== undefined) {
      const all = headers.getAll(this.headerName);
      if (all.length === 1) selected = headerValueMod(all[0], this.totalWeight) ?? -1;
    }
    if (selected < 0) selected = r % this.totalWeight;
    const c = this.cumulative;
    for (let i = 0; i < c.length; i++) if (selected < c[i]) return i;
    return c.length - 1;
  }

  pick(random: number, headers: RouteHeaders): number {
    return this.pickIndex(toUint32(random), headers);
  }
}

/** The table's integer view of a [0,1) random value (Envoy draws a uint64 per stream). */
export function toUint32(random: number): number {
  const r = Math.floor(random * 4294967296);
  return r < 0 ? 0 : r > UINT32_MAX ? UINT32_MAX : r;
}

export function compileWeightedClusters(wc: Canonical, routeName: string, path: string, sink: IssueSink): { spec: CompiledWeightedClusters; raw: readonly Canonical[] } | undefined {
  const raw = (wc.clusters as Canonical[] | undefined) ?? [];
  if (raw.length === 0) {
    sink.error(`${path}.clusters`, 'at least one weighted cluster is required');
    return undefined;
  }
  if (typeof wc.runtime_key_prefix === 'string' && wc.runtime_key_prefix !== '') {
    sink.warn(`${path}.runtime_key_prefix`, 'runtime weights are not supported; the configured weights are used');
  }
  const choices: WeightedClusterChoice[] = [];
  let sum = 0;
  let ok = true;
  raw.forEach((c, i) => {
    const name = typeof c.name === 'string' && c.name !== '' ? c.name : undefined;
    const header = typeof c.cluster_header === 'string' && c.cluster_header !== '' ? c.cluster_header.toLowerCase() : undefined;
    if ((name === undefined) === (header === undefined)) {
      sink.error(`${path}.clusters[${i}]`, name === undefined ? 'At least one of name or cluster_header need to be specified' : 'Only one of name or cluster_header can be specified');
      ok = false;
    }
    const weight = typeof c.weight === 'number' ? c.weight : 0;
    sum += weight;
    choices.push(Object.freeze({ name, clusterHeader: header, weight }));
  });
  if (sum > UINT32_MAX) {
    sink.error(`${path}.clusters`, `The sum of weights of all weighted clusters of route ${routeName} exceeds ${UINT32_MAX}`);
    return undefined;
  }
  if (typeof wc.total_weight === 'number' && wc.total_weight !== sum) {
    sink.error(`${path}.total_weight`, `Sum of weights in the weighted_cluster should add up to ${wc.total_weight} (got ${sum})`);
    return undefined;
  }
  if (sum === 0) {
    sink.error(`${path}.clusters`, 'Sum of weights in the weighted_cluster must be greater than 0.');
    return undefined;
  }
  if (!ok) return undefined;
  const header = typeof wc.header_name === 'string' && wc.header_name !== '' ? wc.header_name.toLowerCase() : undefined;
  return { spec: new CompiledWeightedClusters(Object.freeze(choices), sum, header), raw };
}
