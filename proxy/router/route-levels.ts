// The two enclosing levels of every route, compiled once per RouteConfiguration / VirtualHost:
// header mutations, typed_per_filter_config, mirror policies and the vhost defaults (retry
// policy, attempt-count headers, buffer limit) that routes inherit.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { compileHeaderMutations } from './header-mutations';
import { compileRetryPolicy } from './retry-policy';
import type { HeaderFormatterFactory, HeaderMutations, MirrorPolicy, RetryPolicy, VirtualHostInfo } from './types';
import { toUint32 } from './weighted-clusters';

const FILTER_CONFIG = 'envoy.config.route.v3.FilterConfig';
const DENOMINATORS: Readonly<Record<string, number>> = { HUNDRED: 100, TEN_THOUSAND: 10000, MILLION: 1000000 };

/** typed_per_filter_config map; a FilterConfig wrapper is unwrapped to its `config`. */
export type PerFilterMap = ReadonlyMap<string, unknown>;

export function compilePerFilter(m: unknown): PerFilterMap | undefined {
  if (m === undefined || m === null) return undefined;
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
    const t = (v as Canonical | undefined)?.['@type'];
    if (typeof t === 'string' && t.endsWith(FILTER_CONFIG)) {
      const inner = (v as Canonical).config;
      if ((v as Canonical).disabled === true || inner === undefined) continue;
      out.set(k, inner);
    } else out.set(k, v);
  }
  return out.size > 0 ? out : undefined;
}

/** FractionalPercent as {numerator, denominator}. */
export interface Fraction {
  readonly numerator: number;
  readonly denominator: number;
}

export function compileFraction(fp: Canonical | undefined, path: string, sink: IssueSink): Fraction {
  if (fp === undefined) return { numerator: 0, denominator: 100 };
  const denom = DENOMINATORS[String(fp.denominator ?? 'HUNDRED')];
  if (denom === undefined) sink.error(`${path}.denominator`, `unknown denominator ${String(fp.denominator)}`);
  return { numerator: typeof fp.numerator === 'number' ? fp.numerator : 0, denominator: denom ?? 100 };
}

/** Envoy's featureEnabled: `random % denominator < numerator`, random an integer. */
export function fractionHolds(f: Fraction, r: number): boolean {
  return r % f.denominator < f.numerator;
}

class Mirror implements MirrorPolicy {
  constructor(
    readonly cluster: string | undefined,
    readonly clusterHeader: string | undefined,
    private readonly fraction: Fraction,
    readonly traceSampled: boolean,
    readonly disableShadowHostSuffixAppend: boolean,
  ) {}
  sampled(random: number): boolean {
    return fractionHolds(this.fraction, toUint32(random));
  }
}

export function compileMirrors(list: unknown, path: string, sink: IssueSink): MirrorPolicy[] {
  const arr = (list as Canonical[] | undefined) ?? [];
  const out: MirrorPolicy[] = [];
  arr.forEach((m, i) => {
    const p = `${path}[${i}]`;
    const cluster = typeof m.cluster === 'string' && m.cluster !== '' ? m.cluster : undefined;
    const header = typeof m.cluster_header === 'string' && m.cluster_header !== '' ? m.cluster_header.toLowerCase() : undefined;
    if (cluster !== undefined && header !== undefined) {
      sink.error(p, `Only one of cluster '${cluster}' or cluster_header '${header}' in request mirror policy can be specified`);
      return;
    }
    if (cluster === undefined && header === undefined) {
      sink.error(p, 'Exactly one of cluster or cluster_header in request mirror policy need to be specified');
      return;
    }
    const rf = m.runtime_fraction as Canonical | undefined;
    const fraction = rf === undefined ? { numerator: 100, denominator: 100 } : compileFraction(rf.default_value as Canonical | undefined, `${p}.runtime_fraction.default_value`, sink);
    out.push(new Mirror(cluster, header, fraction, m.trace_sampled !== false, m.disable_shadow_host_suffix_append === true));
  });
  return out;
}

/** RouteConfiguration-level data every route sees. */
export class ConfigLevel {
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
  readonly perFilter: PerFilterMap | undefined;
  readonly mirrors: readonly MirrorPolicy[];
  readonly mostSpecificWins: boolean;
  readonly maxDirectResponseBodyBytes: number;
  constructor(
    c: Canonical,
    readonly formatters: HeaderFormatterFactory,
    sink: IssueSink,
  ) {
    this.requestMutations = compileHeaderMutations(c, 'request', '', formatters, sink);
    this.responseMutations = compileHeaderMutations(c, 'response', '', formatters, sink);
    this.perFilter = compilePerFilter(c.typed_per_filter_config);
    this.mirrors = Object.freeze(compileMirrors(c.request_mirror_policies, 'request_mirror_policies', sink));
    this.mostSpecificWins = c.most_specific_header_mutations_wins === true;
    this.maxDirectResponseBodyBytes = typeof c.max_direct_response_body_size_bytes === 'number' ? c.max_direct_response_body_size_bytes : 4096;
  }
}

export class VirtualHostLevel implements VirtualHostInfo {
  readonly name: string;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly includeRequestAttemptCount: boolean;
  readonly includeAttemptCountInResponse: boolean;
  readonly perRequestBufferLimitBytes: number | undefined;
  readonly requestMutations: HeaderMutations;
  readonly responseMutations: HeaderMutations;
  readonly perFilter: PerFilterMap | undefined;
  readonly mirrors: readonly MirrorPolicy[];
  readonly cors: unknown;
  constructor(
    v: Canonical,
    readonly config: ConfigLevel,
    path: string,
    sink: IssueSink,
  ) {
    this.name = typeof v.name === 'string' ? v.name : '';
    this.retryPolicy = v.retry_policy !== undefined ? compileRetryPolicy(v.retry_policy as Canonical, `${path}.retry_policy`, sink) : undefined;
    this.includeRequestAttemptCount = v.include_request_attempt_count === true;
    this.includeAttemptCountInResponse = v.include_attempt_count_in_response === true;
    this.perRequestBufferLimitBytes = typeof v.per_request_buffer_limit_bytes === 'number' ? v.per_request_buffer_limit_bytes : undefined;
    this.requestMutations = compileHeaderMutations(v, 'request', path, config.formatters, sink);
    this.responseMutations = compileHeaderMutations(v, 'response', path, config.formatters, sink);
    this.perFilter = compilePerFilter(v.typed_per_filter_config);
    const own = compileMirrors(v.request_mirror_policies, `${path}.request_mirror_policies`, sink);
    this.mirrors = own.length > 0 ? Object.freeze(own) : config.mirrors;
    this.cors = v.cors;
  }

  perFilterConfig(filterName: string): unknown {
    return this.perFilter?.get(filterName) ?? this.config.perFilter?.get(filterName);
  }
}
