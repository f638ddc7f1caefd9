/**
 * /clusters?format=json: `envoy.admin.v3.Clusters` as proto3 JSON the way Envoy builds it. Keys
 * follow field-number order; default values are omitted (a COUNTER has no `type`, a zero stat no
 * `value`, the DEFAULT threshold no `priority`), uint64 values are strings, and messages Envoy
 * always sets (`health_status`, `locality`, the thresholds' wrappers) are printed even when empty.
 */
import { addressJson } from './address-format';
import type { AdminClusterView, AdminHealthFlags, AdminHostView, AdminThresholds } from './admin-target';

type Json = Record<string, unknown>;

export function clustersJson(clusters: readonly AdminClusterView[]): Json {
  return clusters.length === 0 ? {} : { cluster_statuses: clusters.map(clusterJson) };
}

export function clusterJson(c: AdminClusterView): Json {
  const out: Json = {};
  if (c.name !== '') out['name'] = c.name;
  if (c.addedViaApi) out['added_via_api'] = true;
  if (c.outlier && c.outlier.successRateEjectionThreshold > 0) {
    out['success_rate_ejection_threshold'] = percent(c.outlier.successRateEjectionThreshold);
  }
  if (c.hosts.length > 0) out['host_statuses'] = c.hosts.map(hostJson);
  if (c.outlier && c.outlier.localOriginSuccessRateEjectionThreshold > 0) {
    out['local_origin_success_rate_ejection_threshold'] = percent(c.outlier.localOriginSuccessRateEjectionThreshold);
  }
  out['circuit_breakers'] = {
    thresholds: [thresholdsJson(undefined, c.circuitBreakers.default), thresholdsJson('HIGH', c.circuitBreakers.high)],
  };
  if (c.observabilityName !== '') out['observability_name'] = c.observabilityName;
  if (c.edsServiceName) out['eds_service_name'] = c.edsServiceName;
  return out;
}

function thresholdsJson(priority: 'HIGH' | undefined, t: AdminThresholds): Json {
  const out: Json = {};
  if (priority) out['priority'] = priority;
  out['max_connections'] = t.maxConnections;
  out['max_pending_requests'] = t.maxPendingRequests;
  out['max_requests'] = t.maxRequests;
  out['max_retries'] = t.maxRetries;
  return out;
}

function hostJson(h: AdminHostView): Json {
  const out: Json = { address: addressJson(h.address) };
  const stats: Json[] = [];
  // Envoy adds all counters, then all gauges.
  for (const type of ['counter', 'gauge'] as const) {
    for (const s of h.stats) {
      if (s.type !== type) continue;
      const m: Json = {};
      if (type === 'gauge') m['type'] = 'GAUGE';
      if (s.value !== 0) m['value'] = String(s.value);
      if (s.name !== '') m['name'] = s.name;
      stats.push(m);
    }
  }
  if (stats.length > 0) out['stats'] = stats;
  out['health_status'] = healthJson(h.health);
  if (h.successRate >= 0) out['success_rate'] = percent(h.successRate);
  if (h.weight !== 0) out['weight'] = h.weight;
  if (h.hostname !== '') out['hostname'] = h.hostname;
  if (h.priority !== 0) out['priority'] = h.priority;
  if (h.localOriginSuccessRate >= 0) out['local_origin_success_rate'] = percent(h.localOriginSuccessRate);
  const locality: Json = {};
  if (h.locality.region !== '') locality['region'] = h.locality.region;
  if (h.locality.zone !== '') locality['zone'] = h.locality.zone;
  if (h.locality.subZone !== '') locality['sub_zone'] = h.locality.subZone;
  out['locality'] = locality;
  return out;
}

export function edsHealthStatus(f: AdminHealthFlags): 'HEALTHY' | 'UNHEALTHY' | 'DEGRADED' | 'DRAINING' {
  if (f.edsStatusDraining) return 'DRAINING';
  if (f.failedEdsHealth) return 'UNHEALTHY';
  if (f.degradedEdsHealth) return 'DEGRADED';
  return 'HEALTHY';
}

function healthJson(f: AdminHealthFlags): Json {
  const out: Json = {};
  if (f.failedActiveHc) out['failed_active_health_check'] = true;
  if (f.failedOutlierCheck) out['failed_outlier_check'] = true;
  out['eds_health_status'] = edsHealthStatus(f);
  if (f.degradedActiveHc) out['failed_active_degraded_check'] = true;
  if (f.pendingDynamicRemoval) out['pending_dynamic_removal'] = true;
  if (f.pendingActiveHc) out['pending_active_hc'] = true;
  if (f.excludedViaImmediateHcFail) out['excluded_via_immediate_hc_fail'] = true;
  if (f.activeHcTimeout) out['active_hc_timeout'] = true;
  return out;
}

/** `envoy.type.v3.Percent`: a zero value is a set but empty message. */
function percent(v: number): Json {
  return v === 0 ? {} : { value: v };
}
