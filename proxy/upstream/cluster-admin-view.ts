// The /clusters view of a cluster (admin/admin-target.ts AdminClusterView): circuit breaker
// limits, the outlier detector's numbers, and every host with its stats and health flags.
// Built on demand for the admin request; nothing here runs per proxied request.
import type { AdminClusterView, AdminHealthFlags, AdminHostStat, AdminHostView, AdminThresholds } from '../../admin/admin-target';
import type { ClusterImpl } from './cluster-impl';
import { HealthFlag, HostImpl } from './host';
import type { ClusterResources } from './types';

function thresholds(r: ClusterResources): AdminThresholds {
  return { maxConnections: r.connections.max, maxPendingRequests: r.pendingRequests.max, maxRequests: r.requests.max, maxRetries: r.retries.max };
}

function health(f: number): AdminHealthFlags {
  return {
    failedActiveHc: (f & HealthFlag.FailedActiveHc) !== 0,
    failedOutlierCheck: (f & HealthFlag.FailedOutlierCheck) !== 0,
    failedEdsHealth: (f & HealthFlag.FailedEdsHealth) !== 0,
    degradedActiveHc: (f & HealthFlag.DegradedActiveHc) !== 0,
    degradedEdsHealth: (f & HealthFlag.DegradedEdsHealth) !== 0,
    pendingDynamicRemoval: (f & HealthFlag.PendingDynamicRemoval) !== 0,
    pendingActiveHc: (f & HealthFlag.PendingActiveHc) !== 0,
    excludedViaImmediateHcFail: (f & HealthFlag.ExcludedViaImmediateHcFail) !== 0,
    activeHcTimeout: (f & HealthFlag.ActiveHcTimeout) !== 0,
    edsStatusDraining: (f & HealthFlag.EdsStatusDraining) !== 0,
  };
}

/** Envoy's ALL_HOST_STATS order: counters, then gauges. */
function hostStats(h: HostImpl): AdminHostStat[] {
  const s = h.stats;
  return [
    { name: 'cx_connect_fail', type: 'counter', value: s.cx_connect_fail },
    { name: 'cx_total', type: 'counter', value: s.cx_total },
    { name: 'rq_error', type: 'counter', value: s.rq_error },
    { name: 'rq_success', type: 'counter', value: s.rq_success },
    { name: 'rq_timeout', type: 'counter', value: s.rq_timeout },
    { name: 'rq_total', type: 'counter', value: s.rq_total },
    { name: 'cx_active', type: 'gauge', value: s.cx_active },
    { name: 'rq_active', type: 'gauge', value: s.rq_active },
  ];
}

function hostView(h: HostImpl): AdminHostView {
  const a = h.address;
  return {
    address: a.kind === 'pipe' ? { kind: 'pipe', path: a.path } : { kind: 'socket', address: a.ip, port: a.port },
    hostname: h.hostname,
    stats: hostStats(h),
    health: health(h.healthFlags),
    weight: h.weight,
    locality: { region: h.locality.region, zone: h.locality.zone, subZone: h.locality.sub_zone },
    priority: h.priority,
    canary: false,
    successRate: h.outlier === null ? -1 : h.outlier.successRate(),
    localOriginSuccessRate: h.outlier === null ? -1 : h.outlier.localOriginSuccessRate(),
  };
}

export function clusterAdminView(c: ClusterImpl): AdminClusterView {
  const od = c.outlierDetector;
  const hosts = [...c.allHosts()].sort((a, b) => a.priority - b.priority).map(hostView);
  return {
    name: c.config.name,
    observabilityName: c.config.observabilityName,
    addedViaApi: c.addedViaApi,
    ...(c.config.edsServiceName !== undefined ? { edsServiceName: c.config.edsServiceName } : {}),
    ...(od !== undefined
      ? {
          outlier: {
            successRateAverage: od.srAverage,
            successRateEjectionThreshold: od.srThreshold,
            localOriginSuccessRateAverage: od.localSrAverage,
            localOriginSuccessRateEjectionThreshold: od.localSrThreshold,
          },
        }
      : {}),
    circuitBreakers: { default: thresholds(c.info.resources.default), high: thresholds(c.info.resources.high) },
    hosts,
  };
}
