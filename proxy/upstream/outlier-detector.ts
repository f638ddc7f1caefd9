// Outlier detection (Envoy's Outlier::DetectorImpl): passive health from what the router and
// pools report. Consecutive 5xx / gateway / local-origin failures eject inline; success rate and
// failure percentage are judged once per interval over the previous interval's counts. An
// ejection lasts base_ejection_time x its backoff (capped by max_ejection_time) and ends at the
// first interval tick after that; at most max_ejection_percent of hosts are ejected at once
// (at least one may be). One interval timer per cluster; per request only counter updates.
import { HealthFlag, HostImpl, OutlierMonitor } from './host';
import type { OutlierConfig } from './outlier-config';
import { OutlierStats } from './cluster-stats';
import { OutlierResult } from './types';
import type { StatsScope } from '../stats/types';

const enum Ejection {
  Consecutive5xx,
  ConsecutiveGatewayFailure,
  ConsecutiveLocalOriginFailure,
  SuccessRate,
  SuccessRateLocalOrigin,
  FailurePercentage,
  FailurePercentageLocalOrigin,
}

class HostMonitor implements OutlierMonitor {
  consecutive5xx = 0;
  consecutiveGateway = 0;
  consecutiveLocal = 0;
  // Success-rate buckets: the current interval, and totals of the last complete one.
  extTotal = 0;
  extSuccess = 0;
  localTotal = 0;
  localSuccess = 0;
  prevExtTotal = 0;
  prevExtSuccess = 0;
  prevLocalTotal = 0;
  prevLocalSuccess = 0;
  extRate = -1;
  localRate = -1;
  numEjections = 0;
  backoff = 0;
  lastEjection = -1;
  lastUnejection = -1;

  constructor(
    readonly host: HostImpl,
    private readonly detector: OutlierDetector,
  ) {}

  successRate(): number {
    return this.extRate;
  }
  localOriginSuccessRate(): number {
    return this.localRate;
  }

  putHttpResponseCode(code: number): void {
    this.extTotal++;
    const d = this.detector;
    if (code >= 500 && code < 600) {
      if (code === 502 || code === 503 || code === 504) {
        if (++this.consecutiveGateway === d.config.consecutiveGatewayFailure) d.onConsecutive(this, Ejection.ConsecutiveGatewayFailure);
      } else {
        this.consecutiveGateway = 0;
      }
      if (++this.consecutive5xx === d.config.consecutive5xx) d.onConsecutive(this, Ejection.Consecutive5xx);
    } else {
      this.extSuccess++;
      this.consecutive5xx = 0;
      this.consecutiveGateway = 0;
    }
  }

  putResult(result: OutlierResult, code: number | undefined): void {
    if (this.detector.config.splitExternalLocalOriginErrors) {
      switch (result) {
        case OutlierResult.LocalOriginConnectSuccess:
        case OutlierResult.LocalOriginConnectSuccessFinal:
          this.localTotal++;
          this.localSuccess++;
          this.consecutiveLocal = 0;
          return;
        case OutlierResult.LocalOriginTimeout:
        case OutlierResult.LocalOriginConnectFailed:
          this.localTotal++;
          if (++this.consecutiveLocal === this.detector.config.consecutiveLocalOriginFailure) {
            this.detector.onConsecutive(this, Ejection.ConsecutiveLocalOriginFailure);
          }
          return;
        case OutlierResult.ExtOriginRequestFailed:
          this.putHttpResponseCode(503);
          return;
        case OutlierResult.ExtOriginRequestSuccess:
          this.putHttpResponseCode(200);
          return;
      }
      return;
    }
    if (code !== undefined) {
      this.putHttpResponseCode(code);
      return;
    }
    switch (result) {
      case OutlierResult.ExtOriginRequestSuccess:
      case OutlierResult.LocalOriginConnectSuccessFinal:
        this.putHttpResponseCode(200);
        break;
      case OutlierResult.LocalOriginTimeout:
        this.putHttpResponseCode(504);
        break;
      case OutlierResult.LocalOriginConnectFailed:
        this.putHttpResponseCode(503);
        break;
      case OutlierResult.ExtOriginRequestFailed:
        this.putHttpResponseCode(500);
        break;
      default:
        // LocalOriginConnectSuccess: the request's own outcome will be reported.
        break;
    }
  }

  resetConsecutive(): void {
    this.consecutive5xx = 0;
    this.consecutiveGateway = 0;
    this.consecutiveLocal = 0;
  }

  /** Starts a new success-rate interval. */
  rollBuckets(): void {
    this.prevExtTotal = this.extTotal;
    this.prevExtSuccess = this.extSuccess;
    this.prevLocalTotal = this.localTotal;
    this.prevLocalSuccess = this.localSuccess;
    this.extTotal = this.extSuccess = this.localTotal = this.localSuccess = 0;
  }
}

export class OutlierDetector {
  readonly stats: OutlierStats;
  private readonly monitors = new Map<HostImpl, HostMonitor>();
  private ejectionsActive = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Cluster-wide success-rate numbers of the last interval (-1 = not enough data). */
  srAverage = -1;
  srThreshold = -1;
  localSrAverage = -1;
  localSrThreshold = -1;
  private readonly random: () => number;

  constructor(
    readonly config: OutlierConfig,
    scope: StatsScope | undefined,
    random: () => number = Math.random,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.stats = new OutlierStats(scope);
    this.random = random;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.onInterval(), this.config.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  addHost(h: HostImpl): void {
    if (this.monitors.has(h)) return;
    const m = new HostMonitor(h, this);
    this.monitors.set(h, m);
    h.outlier = m;
  }

  removeHost(h: HostImpl): void {
    const m = this.monitors.get(h);
    if (m === undefined) return;
    this.monitors.delete(h);
    if (h.hasFlag(HealthFlag.FailedOutlierCheck)) {
      this.ejectionsActive--;
      this.stats.ejections_active.set(this.ejectionsActive);
    }
    if (h.outlier === m) h.outlier = null;
  }

  /** Clears every ejection this detector made (the detector is being replaced). */
  detachAll(): void {
    for (const [h, m] of this.monitors) {
      if (h.outlier === m) h.outlier = null;
      h.setFlag(HealthFlag.FailedOutlierCheck, false);
    }
    this.monitors.clear();
    this.ejectionsActive = 0;
    this.stats.ejections_active.set(0);
    this.stop();
  }

  onConsecutive(m: HostMonitor, type: Ejection): void {
    const s = this.stats;
    if (m.host.hasFlag(HealthFlag.FailedOutlierCheck)) return;
    switch (type) {
      case Ejection.Consecutive5xx:
        s.ejections_detected_consecutive_5xx.inc();
        m.consecutive5xx = 0;
        break;
      case Ejection.ConsecutiveGatewayFailure:
        s.ejections_detected_consecutive_gateway_failure.inc();
        m.consecutiveGateway = 0;
        break;
      default:
        s.ejections_detected_consecutive_local_origin_failure.inc();
        m.consecutiveLocal = 0;
        break;
    }
    this.eject(m, type);
  }

  private enforcing(type: Ejection): number {
    const c = this.config;
    switch (type) {
      case Ejection.Consecutive5xx:
        return c.enforcingConsecutive5xx;
      case Ejection.ConsecutiveGatewayFailure:
        return c.enforcingConsecutiveGatewayFailure;
      case Ejection.ConsecutiveLocalOriginFailure:
        return c.enforcingConsecutiveLocalOriginFailure;
      case Ejection.SuccessRate:
        return c.enforcingSuccessRate;
      case Ejection.SuccessRateLocalOrigin:
        return c.enforcingLocalOriginSuccessRate;
      case Ejection.FailurePercentage:
        return c.enforcingFailurePercentage;
      default:
        return c.enforcingFailurePercentageLocalOrigin;
    }
  }

  private enforcedStat(type: Ejection): void {
    const s = this.stats;
    s.ejections_enforced_total.inc();
    switch (type) {
      case Ejection.Consecutive5xx:
        s.ejections_enforced_consecutive_5xx.inc();
        break;
      case Ejection.ConsecutiveGatewayFailure:
        s.ejections_enforced_consecutive_gateway_failure.inc();
        break;
      case Ejection.ConsecutiveLocalOriginFailure:
        s.ejections_enforced_consecutive_local_origin_failure.inc();
        break;
      case Ejection.SuccessRate:
        s.ejections_enforced_success_rate.inc();
        break;
      case Ejection.SuccessRateLocalOrigin:
        s.ejections_enforced_local_origin_success_rate.inc();
        break;
      case Ejection.FailurePercentage:
        s.ejections_enforced_failure_percentage.inc();
        break;
      default:
        s.ejections_enforced_failure_percentage_local_origin.inc();
        break;
    }
  }

  private eject(m: HostMonitor, type: Ejection): void {
    const c = this.config;
    const max = Math.min(100, c.maxEjectionPercent);
    const ejectedPct = (100 * this.ejectionsActive) / this.monitors.size;
    const should = ejectedPct < max || (c.alwaysEjectOneHost && this.ejectionsActive === 0);
    if (!should) {
      this.stats.ejections_overflow.inc();
      return;
    }
    if (type === Ejection.Consecutive5xx || type === Ejection.SuccessRate) this.stats.ejections_total.inc();
    const enforce = this.enforcing(type);
    if (!(enforce >= 100 || this.random() * 100 < enforce)) return;
    if (type === Ejection.Consecutive5xx) this.stats.ejections_consecutive_5xx.inc();
    this.ejectionsActive++;
    this.stats.ejections_active.set(this.ejectionsActive);
    this.enforcedStat(type);
    m.numEjections++;
    // The backoff stops growing once base x backoff has reached max_ejection_time.
    if (c.baseEjectionTimeMs * m.backoff <= c.maxEjectionTimeMs) m.backoff++;
    m.lastEjection = this.now();
    m.host.setFlag(HealthFlag.FailedOutlierCheck, true);
  }

  /** Ends an ejection at once (a successful active health check, with the default config). */
  uneject(h: HostImpl): void {
    const m = this.monitors.get(h);
    if (m === undefined || !h.hasFlag(HealthFlag.FailedOutlierCheck)) return;
    this.doUneject(m, this.now());
  }

  private doUneject(m: HostMonitor, now: number): void {
    this.ejectionsActive--;
    this.stats.ejections_active.set(this.ejectionsActive);
    m.resetConsecutive();
    m.lastUnejection = now;
    m.host.setFlag(HealthFlag.FailedOutlierCheck, false);
  }

  /** The interval tick; public so tests can drive it. */
  onInterval(): void {
    const now = this.now();
    const c = this.config;
    for (const m of this.monitors.values()) {
      if (m.host.hasFlag(HealthFlag.FailedOutlierCheck)) {
        const ejectFor = Math.min(c.baseEjectionTimeMs * m.backoff, Math.max(c.maxEjectionTimeMs, c.baseEjectionTimeMs));
        if (now - m.lastEjection >= ejectFor) this.doUneject(m, now);
      }
      m.rollBuckets();
      m.extRate = -1;
      m.localRate = -1;
    }
    this.successRateEjections(false);
    if (c.splitExternalLocalOriginErrors) this.successRateEjections(true);
    for (const m of this.monitors.values()) {
      if (!m.host.hasFlag(HealthFlag.FailedOutlierCheck) && m.lastUnejection >= 0 && now - m.lastUnejection >= c.intervalMs && m.backoff > 0) m.backoff--;
    }
  }

  private successRateEjections(local: boolean): void {
    const c = this.config;
    if (local) this.localSrAverage = this.localSrThreshold = -1;
    else this.srAverage = this.srThreshold = -1;
    if (this.monitors.size < c.successRateMinimumHosts && this.monitors.size < c.failurePercentageMinimumHosts) return;
    const sr: HostMonitor[] = [];
    const rates: number[] = [];
    const fp: HostMonitor[] = [];
    const fpRates: number[] = [];
    let sum = 0;
    for (const m of this.monitors.values()) {
      if (m.host.hasFlag(HealthFlag.FailedOutlierCheck)) continue;
      const total = local ? m.prevLocalTotal : m.prevExtTotal;
      if (total === 0) continue;
      const rate = (100 * (local ? m.prevLocalSuccess : m.prevExtSuccess)) / total;
      if (total >= Math.max(c.successRateRequestVolume, 1)) {
        sr.push(m);
        rates.push(rate);
        sum += rate;
        if (local) m.localRate = rate;
        else m.extRate = rate;
      }
      if (total >= c.failurePercentageRequestVolume) {
        fp.push(m);
        fpRates.push(rate);
      }
    }
    if (sr.length > 0 && sr.length >= c.successRateMinimumHosts) {
      const mean = sum / sr.length;
      let variance = 0;
      for (const r of rates) variance += (r - mean) * (r - mean);
      variance /= sr.length;
      const threshold = mean - c.successRateStdevFactor * Math.sqrt(variance);
      if (local) {
        this.localSrAverage = mean;
        this.localSrThreshold = threshold;
      } else {
        this.srAverage = mean;
        this.srThreshold = threshold;
      }
      for (let i = 0; i < sr.length; i++) {
        if (rates[i] < threshold) {
          this.stats.ejections_success_rate.inc();
          if (local) this.stats.ejections_detected_local_origin_success_rate.inc();
          else this.stats.ejections_detected_success_rate.inc();
          if (!sr[i].host.hasFlag(HealthFlag.FailedOutlierCheck)) this.eject(sr[i], local ? Ejection.SuccessRateLocalOrigin : Ejection.SuccessRate);
        }
      }
    }
    if (fp.length > 0 && fp.length >= c.failurePercentageMinimumHosts) {
      for (let i = 0; i < fp.length; i++) {
        if (100 - fpRates[i] >= c.failurePercentageThreshold) {
          if (local) this.stats.ejections_detected_failure_percentage_local_origin.inc();
          else this.stats.ejections_detected_failure_percentage.inc();
          if (!fp[i].host.hasFlag(HealthFlag.FailedOutlierCheck)) this.eject(fp[i], local ? Ejection.FailurePercentageLocalOrigin : Ejection.FailurePercentage);
        }
      }
    }
  }
}
