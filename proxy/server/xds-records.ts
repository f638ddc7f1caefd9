// What /config_dump shows of xDS resources the managers do not keep themselves (route
// configurations, endpoint assignments) and, for every type, the last rejection of each
// resource (Envoy's error_state: details, version and time of the failed attempt).
// Accepted values are kept as their bytes when the xDS client had them (kept-value.ts), and the
// time as epoch milliseconds: one record per EDS assignment, 10,000 in a big mesh.
import type { Canonical } from '../config/canonical';
import type { KeptValue } from '../config/kept-value';

export interface AcceptedRecord {
  readonly value: KeptValue;
  readonly versionInfo: string;
  /** Epoch milliseconds. */
  readonly lastUpdated: number;
}

export interface RejectedRecord {
  readonly details: string;
  readonly versionInfo: string;
  readonly at: Date;
  readonly failed: Canonical | undefined;
}

export class XdsRecords {
  private readonly accepted = new Map<string, AcceptedRecord>();
  private readonly rejected = new Map<string, RejectedRecord>();

  /** `keepAccepted` false: only rejections are recorded (the manager keeps what it accepted, as clusters). */
  constructor(private readonly keepAccepted = true) {}

  accept(name: string, value: KeptValue, versionInfo: string): void {
    if (this.keepAccepted) this.accepted.set(name, { value, versionInfo, lastUpdated: Date.now() });
    this.rejected.delete(name);
  }

  /** A resource the proxy accepted but no longer keeps (delta removal, or no longer watched). */
  forget(name: string): void {
    this.accepted.delete(name);
    this.rejected.delete(name);
  }

  /** An update was accepted for this resource's type: a rejection of it alone stays until fixed. */
  reject(name: string, details: string, versionInfo: string, failed: Canonical | undefined): void {
    this.rejected.set(name, { details, versionInfo, at: new Date(), failed });
  }

  entries(): IterableIterator<[string, AcceptedRecord]> {
    return this.accepted.entries();
  }

  errorOf(name: string): RejectedRecord | undefined {
    return this.rejected.get(name);
  }

  errors(): IterableIterator<[string, RejectedRecord]> {
    return this.rejected.entries();
  }

  has(name: string): boolean {
    return this.accepted.has(name);
  }
}
