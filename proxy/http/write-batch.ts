// Response bytes a downstream connection holds back (head now, body soon) are written when the
// upstream read that produced them has been handled, not on a process.nextTick: the head and a
// body that arrive in one read leave in one write, and no tick is queued per response. Outside an
// upstream read (a filter answering later, a timer) the connection falls back to nextTick.

/** A connection with held response bytes. */
export interface HeldWrites {
  flushHeld(): void;
}

let depth = 0;
/** Connections waiting for the end of the batch: held[0, count) (no array resize per batch). */
const held: (HeldWrites | undefined)[] = [];
let count = 0;

/** An upstream read is being handled: held writes wait for `endWriteBatch`. */
export function beginWriteBatch(): void {
  depth++;
}

export function endWriteBatch(): void {
  if (--depth !== 0 || count === 0) return;
  const n = count;
  count = 0;
  for (let i = 0; i < n; i++) {
    const w = held[i]!;
    held[i] = undefined;
    w.flushHeld();
  }
}

/** Queues `w` for the end of the current batch; false when no batch is open. */
export function deferToWriteBatch(w: HeldWrites): boolean {
  if (depth === 0) return false;
  held[count++] = w;
  return true;
}
