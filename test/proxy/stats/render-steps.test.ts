// The pieces stats renderers are made of: sorting in steps orders exactly as Array.prototype.sort
// (ties included), and a streamed render is the joined one, cut into slices, stoppable.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SliceClock } from '../../../proxy/common/slice-clock';
import { CHECKPOINT, joinSteps, streamSteps } from '../../../proxy/stats/render-steps';
import { sortSteps } from '../../../proxy/stats/sort-steps';
import { compareNames, compareTokenwise } from '../../../proxy/stats/stat-order';

function drain<R>(g: Generator<string, R, undefined>): { value: R; checkpoints: number } {
  let checkpoints = 0;
  for (;;) {
    const r = g.next();
    if (r.done) return { value: r.value, checkpoints };
    assert.equal(r.value, CHECKPOINT);
    checkpoints++;
  }
}

/** Deterministic pseudo-random names with many ties on the compared key. */
function names(n: number, seed: number): Array<{ key: string; at: number }> {
  let x = seed;
  const out: Array<{ key: string; at: number }> = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push({ key: `c.${x % 97}.${x % 5 === 0 ? '' : 'x'}${(x >> 8) % 13}`, at: i });
  }
  return out;
}

describe('sortSteps', () => {
  for (const n of [0, 1, 2, 255, 256, 257, 1000, 4097, 20000]) {
    it(`orders ${n} elements as the built-in stable sort, ties in input order`, () => {
      for (const cmp of [compareNames, compareTokenwise]) {
        const input = names(n, n + 1);
        const byKey = (a: { key: string }, b: { key: string }) => cmp(a.key, b.key);
        const want = [...input].sort(byKey);
        const { value, checkpoints } = drain(sortSteps([...input], byKey));
        assert.deepEqual(value, want);
        if (n > 1000) assert.ok(checkpoints >= n / 1024, `${checkpoints} checkpoints for ${n}`);
      }
    });
  }
});

describe('streamSteps', () => {
  function* steps(): Generator<string, void, undefined> {
    for (let i = 0; i < 20000; i++) {
      yield `line ${i}\n`;
      if (i % 7 === 0) yield CHECKPOINT;
    }
  }

  it('yields the joined output in slices', async () => {
    let streamed = '';
    let batches = 0;
    for await (const b of streamSteps(steps(), new SliceClock(0.05))) {
      streamed += b;
      batches++;
    }
    assert.equal(streamed, joinSteps(steps()));
    assert.ok(batches > 1, `${batches} batches`);
  });

  it('stops the renderer when the consumer stops', async () => {
    let finalized = false;
    let produced = 0;
    function* watched(): Generator<string, void, undefined> {
      try {
        for (let i = 0; i < 1e6; i++) {
          produced++;
          yield `line ${i}\n`;
        }
      } finally {
        finalized = true;
      }
    }
    for await (const b of streamSteps(watched(), new SliceClock(0.05))) if (b.length > 0) break;
    assert.ok(finalized);
    assert.ok(produced < 1e6);
  });
});
