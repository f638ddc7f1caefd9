// A string-to-strings index (EDS service name -> the clusters that use it) that stores a lone
// value as itself: nearly every key has one, and a Set per key is ~150 bytes of 10,000 clusters'
// memory for nothing. A key with no values left is dropped.

export class NameIndex {
  private readonly map = new Map<string, string | Set<string>>();

  add(key: string, value: string): void {
    const e = this.map.get(key);
    if (e === undefined) this.map.set(key, value);
    else if (typeof e === 'string') {
      if (e !== value) this.map.set(key, new Set([e, value]));
    } else e.add(value);
  }

  delete(key: string, value: string): void {
    const e = this.map.get(key);
    if (e === value) this.map.delete(key);
    else if (typeof e === 'object') {
      e.delete(value);
      if (e.size === 1) this.map.set(key, e.values().next().value as string);
    }
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  includes(key: string, value: string): boolean {
    const e = this.map.get(key);
    return e === value || (typeof e === 'object' && e.has(value));
  }

  /** A snapshot of the key's values: safe to iterate while adding or deleting. */
  values(key: string): readonly string[] {
    const e = this.map.get(key);
    return e === undefined ? [] : typeof e === 'string' ? [e] : [...e];
  }
}
