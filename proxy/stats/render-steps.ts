// A stats renderer is a generator of output pieces, with '' (CHECKPOINT) as a mark in work that
// writes nothing (selecting, tag extraction, sorting a million stats). Drained at once it is the
// plain string; streamed, it runs a slice (about 1 ms) at a time with the event loop turning in
// between, so a scrape at 10,000 clusters does not hold every request in flight for seconds.
// One generator serves both, so the streamed body is the string, byte for byte.

export type RenderSteps<R = void> = Generator<string, R, undefined>;

/** Yielded between units of silent work: a place where the streamed render may pause. */
export const CHECKPOINT = '';

/** Items of silent work (selection, grouping) between two checkpoints. */
export const STEP_ITEMS = 64;

/** Output pieces between two looks at the clock: each is cheap, performance.now() is not free. */
const PIECES_PER_LOOK = 16;

/**
 * When a slice is used up, and the pause between two: common/slice-clock.ts's SliceClock, passed
 * in by the caller (this folder imports nothing outside it).
 */
export interface RenderClock {
  due(): boolean;
  yield(): Promise<void>;
}

/** The whole output as one string (the synchronous renderers). */
export function joinSteps(steps: Iterable<string>): string {
  const out: string[] = [];
  for (const p of steps) if (p !== CHECKPOINT) out.push(p);
  return out.join('');
}

/**
 * The output in batches, each what one slice produced ('' for a slice of silent work: the consumer
 * still gets a say every slice); the event loop runs between slices. Stopping the iteration
 * (return(), leaving for await) ends the renderer too: nothing more is computed for a client
 * that went away.
 */
export async function* streamSteps(steps: Iterable<string>, clock: RenderClock): AsyncGenerator<string, void, undefined> {
  let batch = '';
  let pieces = 0;
  for (const p of steps) {
    if (p === CHECKPOINT) {
      if (!clock.due()) continue;
    } else {
      batch += p;
      if (++pieces % PIECES_PER_LOOK !== 0 || !clock.due()) continue;
    }
    const b = batch;
    batch = '';
    yield b;
    await clock.yield();
  }
  if (batch !== '') yield batch;
}
