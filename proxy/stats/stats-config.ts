// The input shape of envoy.config.metrics.v3.StatsConfig in tsenvoy's canonical form: proto field
// names in snake_case, only present fields, wrappers as bare values, enums as names.

/** envoy.type.matcher.v3.StringMatcher (one of exact/prefix/suffix/contains/safe_regex). */
export interface StringMatcherInput {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safe_regex?: { regex: string; google_re2?: Record<string, unknown> };
  ignore_case?: boolean;
}

/** envoy.type.matcher.v3.ListStringMatcher. */
export interface ListStringMatcherInput {
  patterns?: StringMatcherInput[];
}

/** envoy.config.metrics.v3.TagSpecifier. */
export interface TagSpecifierInput {
  tag_name?: string;
  regex?: string;
  fixed_value?: string;
}

/** envoy.config.metrics.v3.StatsMatcher (one of reject_all / exclusion_list / inclusion_list). */
export interface StatsMatcherInput {
  reject_all?: boolean;
  exclusion_list?: ListStringMatcherInput;
  inclusion_list?: ListStringMatcherInput;
}

/** envoy.config.metrics.v3.HistogramBucketSettings. */
export interface HistogramBucketSettingsInput {
  match?: StringMatcherInput;
  buckets?: number[];
}

/** envoy.config.metrics.v3.StatsConfig. */
export interface StatsConfigInput {
  stats_tags?: TagSpecifierInput[];
  use_all_default_tags?: boolean;
  stats_matcher?: StatsMatcherInput;
  histogram_bucket_settings?: HistogramBucketSettingsInput[];
}

/** Result of validating config at the edge; errors carry field paths. */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: string[] };
