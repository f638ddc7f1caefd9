// What one stream knows about one resource type: the names it watches (or wildcard), the
// resources it accepted (kept with their bytes so unchanged ones are recognised), the last
// accepted version and the nonce of the last response, and what the server was last told.
import { CachedResource } from './resource-batch';
import { FetchTimers } from './fetch-timers';
import { isFullStateType } from './type-urls';
import { WatchSet } from './watch-set';

export interface ErrorState {
  readonly versionInfo: string;
  readonly detail: string;
  readonly at: Date;
}

export class TypeState extends WatchSet {
  /**
   * The watched set's generation (WatchSet) when the server was last told, and the sorted names
   * of one generation: with 10,000 EDS names, a request or ACK of an unchanged subscription does
   * not sort, copy or compare them again.
   */
  private sentGeneration = -1;
  private sorted: { readonly generation: number; readonly names: readonly string[] } | undefined;
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
  ) {
    super();
  }

  /** A SotW response replaces the whole set: LDS and CDS always, any type watched by wildcard. */
  get fullState(): boolean {
    return isFullStateType(this.typeUrl) || this.wildcard;
  }

  /** The subscription changed since the server was last told. */
  subscriptionChanged(): boolean {
    if (this.generation === this.sentGeneration) return false;
    if (this.sentWildcard !== this.wildcard || this.sentNames.size !== this.names.size) return true;
    for (const n of this.names.keys()) if (!this.sentNames.has(n)) return true;
    // Watched and unwatched again since: the server's view is still exact.
    this.sentGeneration = this.generation;
    return false;
  }

  markSent(): void {
    if (this.generation !== this.sentGeneration) {
      this.sentNames = new Set(this.names.keys());
      this.sentWildcard = this.wildcard;
      this.sentGeneration = this.generation;
    }
    this.sentOnStream = true;
  }

  resetStream(): void {
    this.nonce = '';
    this.sentNames = new Set();
    this.sentWildcard = false;
    this.sentGeneration = -1;
    this.sentOnStream = false;
  }

  /** Sorted, so that equal subscriptions make equal requests; the same array until the names change. */
  sortedNames(): readonly string[] {
    if (this.sorted === undefined || this.sorted.generation !== this.generation) {
      this.sorted = { generation: this.generation, names: Object.freeze([...this.names.keys()].sort()) };
    }
    return this.sorted.names;
  }
}
