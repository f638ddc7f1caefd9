// What /config_dump shows of xDS resources the managers do not keep themselves (route
// configurations, endpoint assignments) and, for every type, the last rejection of each
// resource (Envoy's error_state: details, version and time of the failed attempt).
import type { Canonical } from '../config/canonical';

export interface AcceptedRecord {
  readonly value: Canonical;
  readonly versionInfo: string;
  readonly lastUpdated: Date;
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

  accept(name: string, value: Canonical, versionInfo: string): void {
    this.accepted.set(name, { value, versionInfo, lastUpdated: new Date() });
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
