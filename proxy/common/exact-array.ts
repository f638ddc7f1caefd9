// Long-lived arrays built with push() keep V8's spare capacity (the first push makes room for 17
// elements): ~130 bytes wasted per one-host list, times several lists per cluster, times 10,000
// clusters. Copies made when such a list is kept are sized exactly.

/** `a` itself when empty (32 bytes either way), else an exactly sized copy. */
export function exactArray<T>(a: T[]): T[] {
  return a.length === 0 ? a : a.slice();
}

/** The one empty read-only list every config snapshot shares (an empty array is 32 bytes each). */
export const EMPTY_LIST: readonly never[] = Object.freeze([]);

/** A long-lived read-only list: the shared empty one, or an exactly sized frozen copy. */
export function frozenList<T>(a: readonly T[]): readonly T[] {
  return a.length === 0 ? EMPTY_LIST : Object.freeze(a.slice());
}
