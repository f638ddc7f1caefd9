// The static shape of a stat block: a fixed list of counter and gauge names a component creates
// together under one scope prefix (a cluster's update and membership stats). One layout is shared
// by every block of that shape, so a block itself stores only numbers (see stat-block-pool.ts).

/** Used and rejected flags are bits of one small integer, so a layout holds at most this many stats. */
export const MAX_BLOCK_STATS = 30;

export class StatBlockLayout {
  /** Counters, then gauges: a stat's index in the block. */
  readonly names: readonly string[];
  /** The bits of every stat (a block whose stats the matcher all rejects is never created). */
  readonly allBits: number;

  constructor(
    readonly counters: readonly string[],
    readonly gauges: readonly string[],
  ) {
    this.names = [...counters, ...gauges];
    if (this.names.length === 0 || this.names.length > MAX_BLOCK_STATS) {
      throw new Error(`a stat block holds 1 to ${MAX_BLOCK_STATS} stats, not ${this.names.length}`);
    }
    if (new Set(counters).size !== counters.length || new Set(gauges).size !== gauges.length) {
      throw new Error('a stat block names each counter and gauge once');
    }
    this.allBits = 2 ** this.names.length - 1;
  }

  /**
   * The first index from `from` in `suffixes` (a layout's counters or gauges) of a name `fullName`
   * ends with after a '.' and a non-empty prefix, or -1. The prefix is the first
   * `fullName.length - suffix.length - 1` characters. Dotted names may make several fit.
   */
  static suffixOf(fullName: string, suffixes: readonly string[], from = 0): number {
    for (let i = from; i < suffixes.length; i++) {
      const s = suffixes[i];
      const cut = fullName.length - s.length - 1;
      if (cut > 0 && fullName.charCodeAt(cut) === 46 /* . */ && fullName.endsWith(s)) return i;
    }
    return -1;
  }
}
