/**
 * /clusters text, as Envoy's ClustersHandler writes it: per cluster `observability_name`, the four
 * outlier lines (only with a detector, `%g`), circuit breakers (default then high), `added_via_api`,
 * `eds_service_name` (when set); then per host its stats sorted by name and the fixed host lines.
 * Yields one string per cluster so a large table is written without one huge concatenation.
 */
import { addressText } from './address-format';
import type { AdminClusterView, AdminHealthFlags, AdminHostView, AdminThresholds } from './admin-target';
import { formatG, formatShortest } from './number-format';

/** Envoy's HostUtility::healthFlagsToString order. */
const FLAG_NAMES: readonly (readonly [keyof AdminHealthFlags, string])[] = [
  ['failedActiveHc', 'failed_active_hc'],
  ['failedOutlierCheck', 'failed_outlier_check'],
  ['failedEdsHealth', 'failed_eds_health'],
  ['degradedActiveHc', 'degraded_active_hc'],
  ['degradedEdsHealth', 'degraded_eds_health'],
  ['pendingDynamicRemoval', 'pending_dynamic_removal'],
  ['pendingActiveHc', 'pending_active_hc'],
  ['excludedViaImmediateHcFail', 'excluded_via_immediate_hc_fail'],
  ['activeHcTimeout', 'active_hc_timeout'],
  ['edsStatusDraining', 'eds_status_draining'],
];

export function healthFlagsText(h: AdminHealthFlags): string {
  let out = '';
  for (const [key, name] of FLAG_NAMES) if (h[key]) out += `/${name}`;
  return out === '' ? 'healthy' : out;
}

export function* clustersText(clusters: readonly AdminClusterView[]): Generator<string> {
  for (const c of clusters) yield clusterText(c);
}

export function clusterText(c: AdminClusterView): string {
  const n = c.name;
  let out = `${n}::observability_name::${c.observabilityName}\n`;
  if (c.outlier) {
    const o = c.outlier;
    out += `${n}::outlier::success_rate_average::${formatG(o.successRateAverage)}\n`;
    out += `${n}::outlier::success_rate_ejection_threshold::${formatG(o.successRateEjectionThreshold)}\n`;
    out += `${n}::outlier::local_origin_success_rate_average::${formatG(o.localOriginSuccessRateAverage)}\n`;
    out +=
      `${n}::outlier::local_origin_success_rate_ejection_threshold::` +
      `${formatG(o.localOriginSuccessRateEjectionThreshold)}\n`;
  }
  out += thresholdsText(n, 'default', c.circuitBreakers.default);
  out += thresholdsText(n, 'high', c.circuitBreakers.high);
  out += `${n}::added_via_api::${c.addedViaApi}\n`;
  if (c.edsServiceName) out += `${n}::eds_service_name::${c.edsServiceName}\n`;
  for (const h of c.hosts) out += hostText(n, h);
  return out;
}

function thresholdsText(n: string, priority: string, t: AdminThresholds): string {
  return (
    `${n}::${priority}_priority::max_connections::${t.maxConnections}\n` +
    `${n}::${priority}_priority::max_pending_requests::${t.maxPendingRequests}\n` +
    `${n}::${priority}_priority::max_requests::${t.maxRequests}\n` +
    `${n}::${priority}_priority::max_retries::${t.maxRetries}\n`
  );
}

function hostText(n: string, h: AdminHostView): string {
  const p = `${n}::${addressText(h.address)}::`;
  // Envoy merges counters and gauges into one map keyed by name: sorted, a later duplicate wins.
  const merged = new Map<string, number>();
  for (const s of h.stats) merged.set(s.name, s.value);
  const names = [...merged.keys()].sort(byteOrder);
  let out = '';
  for (const name of names) out += `${p}${name}::${merged.get(name)}\n`;
  out += `${p}hostname::${h.hostname}\n`;
  out += `${p}health_flags::${healthFlagsText(h.health)}\n`;
  out += `${p}weight::${h.weight}\n`;
  out += `${p}region::${h.locality.region}\n`;
  out += `${p}zone::${h.locality.zone}\n`;
  out += `${p}sub_zone::${h.locality.subZone}\n`;
  out += `${p}canary::${h.canary}\n`;
  out += `${p}priority::${h.priority}\n`;
  out += `${p}success_rate::${formatShortest(h.successRate)}\n`;
  out += `${p}local_origin_success_rate::${formatShortest(h.localOriginSuccessRate)}\n`;
  return out;
}

/** std::map<string_view> order: bytewise, which for these ASCII names is code-unit order. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
