// Reference-counted string interning, so stats of many clusters share one copy of each
// tag-extracted name ("cluster.upstream_rq_total") and released clusters give theirs back.

export class StringInterner {
  private readonly entries = new Map<string, { s: string; n: number }>();

  acquire(s: string): string {
    const e = this.entries.get(s);
    if (e !== undefined) {
      e.n++;
      return e.s;
    }
    this.entries.set(s, { s, n: 1 });
    return s;
  }

  release(s: string): void {
    const e = this.entries.get(s);
    if (e !== undefined && --e.n === 0) this.entries.delete(s);
  }

  get size(): number {
    return this.entries.size;
  }
}
