// What one stream knows about one resource type: the names it watches (or wildcard), the
// resources it accepted (kept with their bytes so unchanged ones are recognised), the last
// accepted version and the nonce of the last response, and what the server was last told.
import { CachedResource } from './resource-batch';
import { FetchTimers } from './fetch-timers';
import { isFullStateType } from './type-urls';

export interface ErrorState {
  readonly versionInfo: string;
  readonly detail: string;
  readonly at: Date;
}

export class TypeState {
  /** Watch counts per name: the proxy may watch one EDS name from two clusters. */
  readonly names = new Map<string, number>();
  wildcardWatches = 0;
  readonly accepted = new Map<string, CachedResource>();
  /** SotW: the last accepted version_info; delta: the last system_version_info. */
  versionInfo = '';
  /** The nonce of the last response on the current stream (nonces die with the stream). */
  nonce = '';
  /** Names (and wildcard) the server was told about on the current stream. */
  sentNames = new Set<string>();
  sentWildcard = false;
  /** Whether any request for the type went out on the current stream. */
  sentOnStream = false;
  receivedAny = false;
  lastUpdated: Date | undefined;
  errorState: ErrorState | undefined;

  constructor(
    readonly typeUrl: string,
    readonly timers: FetchTimers,
  ) {}

  get wildcard(): boolean {
    return this.wildcardWatches > 0;
  }

  /** A SotW response replaces the whole set: LDS and CDS always, any type watched by wildcard. */
  get fullState(): boolean {
    return isFullStateType(this.typeUrl) || this.wildcard;
  }

  hasInterest(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  /** Whether a response's resource of this name is wanted at all. */
  wants(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** The subscription changed since the server was last told. */
  subscriptionChanged(): boolean {
    if (this.sentWildcard !== this.wildcard || this.sentNames.size !== this.names.size) return true;
    for (const n of this.names.keys()) if (!this.sentNames.has(n)) return true;
    return false;
  }

  markSent(): void {
    this.sentNames = new Set(this.names.keys());
    this.sentWildcard = this.wildcard;
    this.sentOnStream = true;
  }

  resetStream(): void {
    this.nonce = '';
    this.sentNames = new Set();
    this.sentWildcard = false;
    this.sentOnStream = false;
  }

  /** Sorted, so that equal subscriptions make equal requests. */
  sortedNames(): string[] {
    return [...this.names.keys()].sort();
  }
}
