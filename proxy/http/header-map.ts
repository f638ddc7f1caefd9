// The header map contract shared by the codec, the connection manager, the router and the
// route table. Names are lower-case. Pseudo-headers (:method, :path, :authority, :scheme,
// :status) are kept apart by the codec and exposed through the request/response head objects,
// not through this map, so the map holds exactly what goes on the wire.
export interface HeaderMap {
  /** The first value of `name` (lower-case), or undefined. */
  get(name: string): string | undefined;
  /** All values of `name`, in arrival order (empty when absent). */
  getAll(name: string): readonly string[];
  has(name: string): boolean;
  /** Replaces every value of `name`. */
  set(name: string, value: string): void;
  /** Appends a value (a repeated header line on HTTP/1). */
  add(name: string, value: string): void;
  remove(name: string): void;
  /** Visits entries in wire order. */
  forEach(fn: (name: string, value: string) => void): void;
  readonly size: number;
}
