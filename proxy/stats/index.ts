// proxy/stats: counters, gauges, histograms and text readouts with Envoy's names and semantics.
// Stats are created by full name when a component is built (never per request), tagged once by
// stats_config's tag extractors, filtered by its stats_matcher, and read by the admin renderers
// (/stats text and JSON, /stats/prometheus), which are pure functions over the store.
// Imports nothing outside this folder.

export type { Counter, Gauge, Histogram, TextReadout, StatsScope } from './types';
export type {
  StatsConfigInput,
  TagSpecifierInput,
  StatsMatcherInput,
  StringMatcherInput,
  ListStringMatcherInput,
  HistogramBucketSettingsInput,
  Result,
} from './stats-config';
export {
  createStatsStore,
  compileStatsConfig,
  deferStats,
  undeferStats,
  openStatBlock,
  blockCounter,
  blockGauge,
  REJECTED_BLOCK,
  sanitizeStatsName,
  StatsStore,
  type CompiledStatsConfig,
  type DeferredStatNames,
  type CounterStat,
  type GaugeStat,
} from './stats-store';
export { StatBlockLayout } from './stat-block-layout';
export { parseStatsParams, DEFAULT_STATS_PARAMS, type StatsParams, type StatsType, type StatsFormat, type HistogramBucketsMode } from './stats-params';
export { renderStatsText, streamStatsText } from './render-text';
export { renderStatsJson, streamStatsJson } from './render-json';
export { renderPrometheus, streamPrometheus } from './render-prometheus';
export type { RenderClock } from './render-steps';
export { TagNames } from './well-known-tags';
export { compileTagProducer, TagProducer, type ProducedTags, type FlatTags } from './tag-producer';
export { DEFAULT_BUCKETS, SUPPORTED_QUANTILES, type HistogramStatistics } from './histogram';
export { NULL_COUNTER, NULL_GAUGE, NULL_HISTOGRAM, NULL_TEXT_READOUT } from './null-stats';
