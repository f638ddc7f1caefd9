// Earliest-deadline-first picking over weighted entries (Envoy's EdfScheduler): each entry's next
// deadline is one "period" 1/weight after its last one, the earliest deadline is picked, ties go
// to the entry queued first. Over any sum(weights) consecutive picks each entry is picked exactly
// `weight` times, spread smoothly. Static weights compute the n-th deadline as n/weight directly
// (no accumulated float error); dynamic weights (least request) re-read the weight on each pick.
// Typed arrays and an index heap: a pick allocates nothing.

/** Supplies the current weight of entry `i` for dynamic scheduling. */
export interface EdfWeights {
  edfWeight(i: number): number;
}

export class EdfScheduler {
  private readonly deadline: Float64Array;
  private readonly picks: Float64Array;
  private readonly seq: Float64Array;
  private readonly heap: Int32Array;
  private size = 0;
  private counter = 0;

  /** Entries with weight <= 0 are never picked. */
  constructor(private readonly weights: ArrayLike<number>) {
    const n = weights.length;
    this.deadline = new Float64Array(n);
    this.picks = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.heap = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (!(weights[i] > 0)) continue;
      this.deadline[i] = 1 / weights[i];
      this.seq[i] = this.counter++;
      this.heap[this.size++] = i;
    }
    for (let k = (this.size >> 1) - 1; k >= 0; k--) this.down(k);
  }

  get empty(): boolean {
    return this.size === 0;
  }

  /** Static weights; -1 when nothing can be picked. */
  pick(): number {
    if (this.size === 0) return -1;
    const i = this.heap[0];
    const n = ++this.picks[i];
    this.deadline[i] = (n + 1) / this.weights[i];
    this.seq[i] = this.counter++;
    this.down(0);
    return i;
  }

  /** The entry picked is re-queued one period of its *current* weight later. */
  pickDynamic(w: EdfWeights): number {
    if (this.size === 0) return -1;
    const i = this.heap[0];
    const weight = w.edfWeight(i);
    this.deadline[i] += weight > 0 ? 1 / weight : 1e9;
    this.seq[i] = this.counter++;
    this.down(0);
    return i;
  }

  /** The entry that would be picked next, without picking it. */
  peek(): number {
    return this.size === 0 ? -1 : this.heap[0];
  }

  private less(a: number, b: number): boolean {
    const da = this.deadline[a];
    const db = this.deadline[b];
    return da < db || (da === db && this.seq[a] < this.seq[b]);
  }

  private down(k: number): void {
    const heap = this.heap;
    const n = this.size;
    const item = heap[k];
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(heap[c + 1], heap[c])) c++;
      if (!this.less(heap[c], item)) break;
      heap[k] = heap[c];
      k = c;
    }
    heap[k] = item;
  }
}
