// cluster.v3.OutlierDetection with Envoy's defaults filled in.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';

export interface OutlierConfig {
  readonly intervalMs: number;
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  readonly maxEjectionTimeJitterMs: number;
  readonly maxEjectionPercent: number;
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutive5xx: number;
  readonly enforcingConsecutiveGatewayFailure: number;
  readonly enforcingConsecutiveLocalOriginFailure: number;
  readonly enforcingSuccessRate: number;
  readonly enforcingLocalOriginSuccessRate: number;
  readonly successRateMinimumHosts: number;
  readonly successRateRequestVolume: number;
  /** success_rate_stdev_factor / 1000. */
  readonly successRateStdevFactor: number;
  readonly failurePercentageThreshold: number;
  readonly enforcingFailurePercentage: number;
  readonly enforcingFailurePercentageLocalOrigin: number;
  readonly failurePercentageMinimumHosts: number;
  readonly failurePercentageRequestVolume: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly alwaysEjectOneHost: boolean;
  readonly successfulActiveHcUnejectHost: boolean;
}

export function parseOutlierDetection(o: Canonical, path: string, sink: IssueSink): OutlierConfig {
  const n = (field: string, def: number): number => (typeof o[field] === 'number' ? (o[field] as number) : def);
  const pct = (field: string, def: number): number => {
    const v = n(field, def);
    if (v > 100) sink.error(`${path}.${field}`, 'value must be less than or equal to 100');
    return v;
  };
  const interval = n('interval', 10000);
  if (!(interval > 0)) sink.error(`${path}.interval`, 'value must be greater than 0s');
  const base = n('base_ejection_time', 30000);
  if (!(base > 0)) sink.error(`${path}.base_ejection_time`, 'value must be greater than 0s');
  return Object.freeze({
    intervalMs: interval,
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: n('max_ejection_time', 300000),
    maxEjectionTimeJitterMs: n('max_ejection_time_jitter', 0),
    maxEjectionPercent: pct('max_ejection_percent', 10),
    consecutive5xx: n('consecutive_5xx', 5),
    consecutiveGatewayFailure: n('consecutive_gateway_failure', 5),
    consecutiveLocalOriginFailure: n('consecutive_local_origin_failure', 5),
    enforcingConsecutive5xx: pct('enforcing_consecutive_5xx', 100),
    enforcingConsecutiveGatewayFailure: pct('enforcing_consecutive_gateway_failure', 0),
    enforcingConsecutiveLocalOriginFailure: pct('enforcing_consecutive_local_origin_failure', 100),
    enforcingSuccessRate: pct('enforcing_success_rate', 100),
    enforcingLocalOriginSuccessRate: pct('enforcing_local_origin_success_rate', 100),
    successRateMinimumHosts: n('success_rate_minimum_hosts', 5),
    successRateRequestVolume: n('success_rate_request_volume', 100),
    successRateStdevFactor: n('success_rate_stdev_factor', 1900) / 1000,
    failurePercentageThreshold: pct('failure_percentage_threshold', 85),
    enforcingFailurePercentage: pct('enforcing_failure_percentage', 0),
    enforcingFailurePercentageLocalOrigin: pct('enforcing_failure_percentage_local_origin', 0),
    failurePercentageMinimumHosts: n('failure_percentage_minimum_hosts', 5),
    failurePercentageRequestVolume: n('failure_percentage_request_volume', 50),
    splitExternalLocalOriginErrors: o.split_external_local_origin_errors === true,
    alwaysEjectOneHost: o.always_eject_one_host === true,
    successfulActiveHcUnejectHost: o.successful_active_health_check_uneject_host !== false,
  });
}
