// The names watched for one type on one source, counted (one EDS name may back two clusters),
// and the wildcard. `generation` moves when the set itself changes (a name or the wildcard comes
// or goes), not when a count does: what was sent for an unchanged set need not be redone.
export class WatchSet {
  readonly names = new Map<string, number>();
  private wildcardWatches = 0;
  private gen = 0;

  get generation(): number {
    return this.gen;
  }

  get wildcard(): boolean {
    return this.wildcardWatches > 0;
  }

  hasInterest(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  /** Whether a resource of this name is wanted at all. */
  wants(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** One more watch of `name` ('*': the wildcard); returns how many there were before. */
  addWatch(name: string): number {
    if (name === '*') {
      if (this.wildcardWatches === 0) this.gen++;
      return this.wildcardWatches++;
    }
    const n = this.names.get(name) ?? 0;
    this.names.set(name, n + 1);
    if (n === 0) this.gen++;
    return n;
  }

  /** One watch fewer; returns how many are left, or -1 when there was none. */
  dropWatch(name: string): number {
    if (name === '*') {
      if (this.wildcardWatches === 0) return -1;
      if (--this.wildcardWatches === 0) this.gen++;
      return this.wildcardWatches;
    }
    const n = this.names.get(name);
    if (n === undefined) return -1;
    if (n > 1) {
      this.names.set(name, n - 1);
      return n - 1;
    }
    this.names.delete(name);
    this.gen++;
    return 0;
  }
}
