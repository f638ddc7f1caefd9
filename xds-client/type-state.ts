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
  /** Watch counts per name: the proxy may watch one EDS name from two clusters (change via addWatch/dropWatch). */
  readonly names = new Map<string, number>();
  wildcardWatches = 0;
  /**
   * Bumped when the set of names or the wildcard changes (not a count): with 10,000 EDS names, a
   * request or ACK then need not sort, copy or compare them again while nothing changed.
   */
  private generation = 0;
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

  /** One more watch of `name` ('*': the wildcard); returns how many there were before. */
  addWatch(name: string): number {
    if (name === '*') {
      if (this.wildcardWatches === 0) this.generation++;
      return this.wildcardWatches++;
    }
    const n = this.names.get(name) ?? 0;
    this.names.set(name, n + 1);
    if (n === 0) this.generation++;
    return n;
  }

  /** One watch fewer; returns how many are left, or -1 when there was none. */
  dropWatch(name: string): number {
    if (name === '*') {
      if (this.wildcardWatches === 0) return -1;
      if (--this.wildcardWatches === 0) this.generation++;
      return this.wildcardWatches;
    }
    const n = this.names.get(name);
    if (n === undefined) return -1;
    if (n > 1) {
      this.names.set(name, n - 1);
      return n - 1;
    }
    this.names.delete(name);
    this.generation++;
    return 0;
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
