// Long configuration work (decoding a big xDS response, applying 10,000 clusters, compiling a
// 10,000-host route table) runs in slices so requests in flight keep flowing: after each unit of
// work the caller asks `due()`, and when the slice is used up it awaits `yield()`, which lets
// pending I/O run before the work goes on: `if (clock.due()) await clock.yield();` (no promise
// while the slice lasts).
import { performance } from 'node:perf_hooks';

/** Longest stretch of configuration work between two yields to the event loop, by default. */
export const DEFAULT_SLICE_MS = 1;

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SliceClock {
  private start = performance.now();

  constructor(private readonly sliceMs: number = DEFAULT_SLICE_MS) {}

  /** True when the slice is used up. */
  due(): boolean {
    return performance.now() - this.start >= this.sliceMs;
  }

  /** Lets the event loop run; the next slice starts when it is back. */
  async yield(): Promise<void> {
    await yieldToLoop();
    this.start = performance.now();
  }
}
