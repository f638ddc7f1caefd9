// Active health checking (Envoy's HealthCheckerImplBase): one session per host, each on its own
// interval and timeout timers (the shared timer wheel). A host starts failed and pending; the
// first result decides at once, later ones need healthy_threshold successes or
// unhealthy_threshold network failures (a non-retriable bad answer fails at once). Until the
// cluster has carried traffic, checks run at no_traffic_interval. The probe itself (HTTP, TCP)
// is in health-check-probes.ts.
import { timerWheel, TimerTarget, WheelTimer } from '../common/timer-wheel';
import type { HealthCheckStats } from './cluster-stats';
import type { HealthCheckConfig } from './health-check-config';
import { createProbe, Probe, ProbeOutcome, ProbeOwner } from './health-check-probes';
import { HealthCheckMonitor, HealthFlag, HostImpl } from './host';

/** What the checker needs from its cluster. */
export interface HealthCheckContext {
  readonly clusterName: string;
  readonly sourceAddress: { readonly ip: string; readonly port: number } | undefined;
  /** The cluster has made at least one upstream connection (Envoy: upstream_cx_total used). */
  trafficSeen(): boolean;
  /** A session finished a check; `changed` when the host's health flags moved. */
  onHealthCheckResult(host: HostImpl, healthy: boolean, changed: boolean): void;
}

const enum TimerKind {
  Interval,
  Timeout,
}

const enum Transition {
  Unchanged,
  Changed,
  ChangePending,
}

class Session implements TimerTarget, ProbeOwner, HealthCheckMonitor {
  private numHealthy = 0;
  private numUnhealthy = 0;
  firstCheck = true;
  private readonly intervalTimer = new WheelTimer(this, TimerKind.Interval);
  private readonly timeoutTimer = new WheelTimer(this, TimerKind.Timeout);
  private readonly probe: Probe;
  private inFlight = false;
  /** Health flags when the current result started being handled. */
  private before = 0;
  stopped = false;

  constructor(
    readonly host: HostImpl,
    private readonly checker: HealthChecker,
  ) {
    this.probe = createProbe(checker.config.checker, this, checker.config.reuseConnection);
    if (!host.hasFlag(HealthFlag.FailedActiveHc)) checker.stats.healthy.inc();
    if (host.hasFlag(HealthFlag.DegradedActiveHc)) checker.stats.degraded.inc();
  }

  // ProbeOwner
  get target(): HostImpl {
    return this.host;
  }
  get hostHeader(): string {
    return this.host.hcHostname || this.checker.hostHeader || this.checker.ctx.clusterName;
  }
  get sourceAddress(): { readonly ip: string; readonly port: number } | undefined {
    return this.checker.ctx.sourceAddress;
  }

  start(): void {
    const j = this.checker.config.initialJitterMs;
    if (j > 0) timerWheel.schedule(this.intervalTimer, Math.floor(Math.random() * j));
    else this.onInterval();
  }

  stop(): void {
    this.stopped = true;
    timerWheel.cancel(this.intervalTimer);
    timerWheel.cancel(this.timeoutTimer);
    this.probe.close();
    const s = this.checker.stats;
    if (!this.host.hasFlag(HealthFlag.FailedActiveHc)) s.healthy.dec();
    if (this.host.hasFlag(HealthFlag.DegradedActiveHc)) s.degraded.dec();
    if (this.host.hc === this) this.host.hc = null;
  }

  onTimer(kind: number): void {
    if (this.stopped) return;
    if (kind === TimerKind.Interval) this.onInterval();
    else this.onTimeout();
  }

  private onInterval(): void {
    this.inFlight = true;
    this.checker.stats.attempt.inc();
    timerWheel.schedule(this.timeoutTimer, this.checker.config.timeoutMs);
    this.probe.start();
  }

  private onTimeout(): void {
    if (!this.inFlight) return;
    this.before = this.host.healthFlags;
    this.probe.abort();
    this.handleFailure(true, true, true);
  }

  onProbeResult(outcome: ProbeOutcome): void {
    if (this.stopped || !this.inFlight) return;
    this.before = this.host.healthFlags;
    switch (outcome) {
      case ProbeOutcome.Healthy:
        this.handleSuccess(false);
        break;
      case ProbeOutcome.Degraded:
        this.handleSuccess(true);
        break;
      case ProbeOutcome.Unhealthy:
        this.handleFailure(false, false, false);
        break;
      case ProbeOutcome.Retriable:
        this.handleFailure(false, true, false);
        break;
      case ProbeOutcome.NetworkFailure:
        this.handleFailure(true, true, false);
        break;
      case ProbeOutcome.ImmediateFail:
        this.host.healthFlags |= HealthFlag.ExcludedViaImmediateHcFail;
        this.handleFailure(false, false, false);
        break;
    }
  }

  /** The router saw x-envoy-immediate-health-check-fail from this host. */
  setImmediateFail(): void {
    if (this.stopped) return;
    const before = this.host.healthFlags;
    this.host.healthFlags |= HealthFlag.ExcludedViaImmediateHcFail;
    this.setUnhealthy(false, false, false, true);
    this.firstCheck = false;
    this.checker.ctx.onHealthCheckResult(this.host, false, before !== this.host.healthFlags);
  }

  private clearPending(t: Transition): Transition {
    if (this.host.hasFlag(HealthFlag.PendingActiveHc)) {
      this.host.healthFlags &= ~HealthFlag.PendingActiveHc;
      return Transition.Changed;
    }
    return t;
  }

  private handleSuccess(degraded: boolean): void {
    const h = this.host;
    const c = this.checker;
    this.inFlight = false;
    timerWheel.cancel(this.timeoutTimer);
    this.numUnhealthy = 0;
    let t = Transition.Unchanged;
    if (h.hasFlag(HealthFlag.FailedActiveHc)) {
      // The first result ever moves the host straight to healthy (faster startup, as Envoy).
      if (this.firstCheck || ++this.numHealthy === c.config.healthyThreshold) {
        h.healthFlags &= ~(HealthFlag.ActiveHcTimeout | HealthFlag.ExcludedViaImmediateHcFail | HealthFlag.FailedActiveHc);
        c.stats.healthy.inc();
        t = Transition.Changed;
      } else {
        t = Transition.ChangePending;
      }
    }
    t = this.clearPending(t);
    if (degraded !== h.hasFlag(HealthFlag.DegradedActiveHc)) {
      if (degraded) {
        h.healthFlags |= HealthFlag.DegradedActiveHc;
        c.stats.degraded.inc();
      } else {
        h.healthFlags &= ~HealthFlag.DegradedActiveHc;
        c.stats.degraded.dec();
      }
      if (t === Transition.Unchanged) t = Transition.Changed;
    }
    c.stats.success.inc();
    this.finishCheck(t, true);
  }

  private setUnhealthy(network: boolean, retriable: boolean, timeout: boolean, passive: boolean): Transition {
    const h = this.host;
    const c = this.checker;
    this.numHealthy = 0;
    let t = Transition.Unchanged;
    if (!h.hasFlag(HealthFlag.FailedActiveHc)) {
      if ((!network && !retriable) || ++this.numUnhealthy === c.config.unhealthyThreshold) {
        h.healthFlags |= HealthFlag.FailedActiveHc;
        c.stats.healthy.dec();
        t = Transition.Changed;
      } else {
        t = Transition.ChangePending;
      }
    }
    if (timeout && h.hasFlag(HealthFlag.FailedActiveHc)) h.healthFlags |= HealthFlag.ActiveHcTimeout;
    else h.healthFlags &= ~HealthFlag.ActiveHcTimeout;
    t = this.clearPending(t);
    c.stats.failure.inc();
    if (network) c.stats.network_failure.inc();
    else if (passive) c.stats.passive_failure.inc();
    return t;
  }

  private handleFailure(network: boolean, retriable: boolean, timeout: boolean): void {
    this.inFlight = false;
    timerWheel.cancel(this.timeoutTimer);
    const t = this.setUnhealthy(network, retriable, timeout, false);
    this.finishCheck(t, false);
  }

  private finishCheck(t: Transition, healthy: boolean): void {
    const c = this.checker;
    const wasFirst = this.firstCheck;
    this.firstCheck = false;
    c.ctx.onHealthCheckResult(this.host, healthy, this.before !== this.host.healthFlags);
    if (wasFirst) c.firstCheckDone();
    if (this.stopped) return;
    timerWheel.schedule(this.intervalTimer, c.nextInterval(healthy, t === Transition.ChangePending));
  }
}

export class HealthChecker {
  private readonly sessions = new Map<HostImpl, Session>();
  private pendingFirst = 0;
  private firstWaiters: (() => void)[] = [];
  readonly hostHeader: string;

  constructor(
    readonly config: HealthCheckConfig,
    readonly stats: HealthCheckStats,
    readonly ctx: HealthCheckContext,
  ) {
    this.hostHeader = config.checker.kind === 'http' ? config.checker.host : '';
  }

  /** New hosts start failed and pending until their first check (unless carried over). */
  addHost(h: HostImpl, fresh: boolean): void {
    if (this.sessions.has(h)) return;
    if (fresh) h.healthFlags |= HealthFlag.FailedActiveHc | HealthFlag.PendingActiveHc;
    const s = new Session(h, this);
    this.sessions.set(h, s);
    h.hc = s;
    this.pendingFirst++;
    s.start();
  }

  removeHost(h: HostImpl): void {
    const s = this.sessions.get(h);
    if (s === undefined) return;
    this.sessions.delete(h);
    if (s.firstCheck) this.firstCheckDone();
    s.stop();
  }

  stop(): void {
    for (const s of this.sessions.values()) s.stop();
    this.sessions.clear();
    this.pendingFirst = 0;
    this.releaseWaiters();
  }

  /** Resolves once every host present now has had its first check. */
  firstRound(): Promise<void> {
    if (this.pendingFirst === 0) return Promise.resolve();
    return new Promise((resolve) => this.firstWaiters.push(resolve));
  }

  firstCheckDone(): void {
    if (this.pendingFirst > 0 && --this.pendingFirst === 0) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const w = this.firstWaiters;
    this.firstWaiters = [];
    for (const r of w) r();
  }

  /** Envoy's HealthCheckerImplBase::interval with jitter. */
  nextInterval(healthy: boolean, pending: boolean): number {
    const c = this.config;
    let base: number;
    if (this.ctx.trafficSeen()) {
      if (!healthy) base = pending ? c.unhealthyEdgeIntervalMs : c.unhealthyIntervalMs;
      else base = pending ? c.healthyEdgeIntervalMs : c.intervalMs;
    } else {
      base = healthy && !pending ? c.noTrafficHealthyIntervalMs : c.noTrafficIntervalMs;
    }
    const pctMod = Math.floor((c.intervalJitterPercent * base) / 100);
    if (pctMod > 0) base += Math.floor(Math.random() * pctMod);
    if (c.intervalJitterMs > 0) base += Math.floor(Math.random() * c.intervalJitterMs);
    return Math.max(1, base);
  }
}
