// An upstream host: its address, weight, priority and locality, health flags as Envoy keeps them
// (a bit set, so a health check and an outlier ejection can overlap), plain-number stats, and the
// connection pools the cluster manager creates on first use. Outlier detection and active health
// checking attach small per-host objects only when the cluster configures them.
import type { Canonical } from '../config/canonical';
import { addressString, EdsHealth } from './endpoint-config';
import type { ConnectionPool, Host, HostAddress, HostStats, Locality } from './types';
import { OutlierResult } from './types';

/** Envoy's Host::HealthFlag bits. */
export const enum HealthFlag {
  FailedActiveHc = 1,
  FailedOutlierCheck = 2,
  FailedEdsHealth = 4,
  DegradedActiveHc = 8,
  DegradedEdsHealth = 16,
  PendingDynamicRemoval = 32,
  PendingActiveHc = 64,
  ExcludedViaImmediateHcFail = 128,
  ActiveHcTimeout = 256,
  EdsStatusDraining = 512,
}

export const UNHEALTHY_FLAGS =
  HealthFlag.FailedActiveHc | HealthFlag.FailedOutlierCheck | HealthFlag.FailedEdsHealth | HealthFlag.ExcludedViaImmediateHcFail | HealthFlag.EdsStatusDraining;
export const DEGRADED_FLAGS = HealthFlag.DegradedActiveHc | HealthFlag.DegradedEdsHealth;
const EDS_FLAGS = HealthFlag.FailedEdsHealth | HealthFlag.DegradedEdsHealth | HealthFlag.EdsStatusDraining;

/** What a host tells its cluster: its health changed (the host sets must be rebuilt). */
export interface HostOwner {
  onHostHealthChanged(host: HostImpl): void;
}

/** The outlier detector's per-host monitor. */
export interface OutlierMonitor {
  putHttpResponseCode(code: number): void;
  putResult(result: OutlierResult, code: number | undefined): void;
  /** -1 when not computed. */
  successRate(): number;
  localOriginSuccessRate(): number;
}

/** The active health checker's per-host session, for the router's immediate-fail header. */
export interface HealthCheckMonitor {
  setImmediateFail(): void;
}

export function edsHealthFlags(h: EdsHealth): number {
  switch (h) {
    case 'UNHEALTHY':
    case 'TIMEOUT':
      return HealthFlag.FailedEdsHealth;
    case 'DRAINING':
      return HealthFlag.FailedEdsHealth | HealthFlag.EdsStatusDraining;
    case 'DEGRADED':
      return HealthFlag.DegradedEdsHealth;
    default:
      return 0;
  }
}

export class HostImpl implements Host {
  address: HostAddress;
  addressString: string;
  hostname: string;
  weight: number;
  priority: number;
  locality: Locality;
  metadata: Canonical | undefined;
  /** The load_balancing_weight of the host's locality group (0 = none). */
  localityWeight = 0;
  healthFlags = 0;
  readonly stats: HostStats = { cx_total: 0, cx_active: 0, cx_connect_fail: 0, rq_total: 0, rq_active: 0, rq_success: 0, rq_error: 0, rq_timeout: 0 };
  outlier: OutlierMonitor | null = null;
  hc: HealthCheckMonitor | null = null;
  httpPool: ConnectionPool | null = null;
  tcpPool: ConnectionPool | null = null;
  /** ORIGINAL_DST: picked since the last cleanup pass. */
  used = true;
  /** health_check_config overrides (0 / '' = none). */
  hcPort = 0;
  hcHostname = '';

  constructor(
    public owner: HostOwner,
    address: HostAddress,
    hostname: string,
    weight: number,
    priority: number,
    locality: Locality,
    metadata: Canonical | undefined,
  ) {
    this.address = address;
    this.addressString = addressString(address);
    this.hostname = hostname;
    this.weight = weight;
    this.priority = priority;
    this.locality = locality;
    this.metadata = metadata;
  }

  healthy(): boolean {
    return (this.healthFlags & UNHEALTHY_FLAGS) === 0;
  }

  degraded(): boolean {
    return (this.healthFlags & UNHEALTHY_FLAGS) === 0 && (this.healthFlags & DEGRADED_FLAGS) !== 0;
  }

  hasFlag(f: HealthFlag): boolean {
    return (this.healthFlags & f) !== 0;
  }

  /** Sets or clears `f`; tells the cluster when the coarse health (healthy/degraded/unhealthy) moved. */
  setFlag(f: HealthFlag, on: boolean): void {
    const before = this.healthFlags;
    const after = on ? before | f : before & ~f;
    if (after === before) return;
    this.healthFlags = after;
    this.owner.onHostHealthChanged(this);
  }

  /** EDS health_status, replacing the previous EDS flags; returns whether anything changed. */
  setEdsHealth(h: EdsHealth): boolean {
    const next = (this.healthFlags & ~EDS_FLAGS) | edsHealthFlags(h);
    if (next === this.healthFlags) return false;
    this.healthFlags = next;
    return true;
  }

  /** LOGICAL_DNS: new connections go to the latest resolved address. */
  setAddress(a: HostAddress): void {
    if (a === this.address) return;
    this.address = a;
    this.addressString = addressString(a);
  }

  putHttpResponseCode(code: number): void {
    if (this.outlier !== null) this.outlier.putHttpResponseCode(code);
  }

  putResult(result: OutlierResult, httpCode?: number): void {
    if (this.outlier !== null) this.outlier.putResult(result, httpCode);
  }

  markImmediateHealthCheckFail(): void {
    // Without an active health checker Envoy's monitor is a no-op.
    if (this.hc !== null) this.hc.setImmediateFail();
  }
}
