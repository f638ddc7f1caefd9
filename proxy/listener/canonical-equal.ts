// Deep equality of canonical config trees (plain objects, arrays, Buffers, scalars): decides
// whether an LDS update changed a listener, and which filter chains an update kept.

export function canonicalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!canonicalEqual(a[i], bb[i])) return false;
    return true;
  }
  // An absent repeated field and an empty one are the same proto value.
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of Object.keys(ra)) if (!fieldEqual(ra[k], rb[k])) return false;
  for (const k of Object.keys(rb)) if (!(k in ra) && !fieldEqual(undefined, rb[k])) return false;
  return true;
}

function fieldEqual(x: unknown, y: unknown): boolean {
  if (x === undefined) return y === undefined || (Array.isArray(y) && y.length === 0);
  if (y === undefined) return Array.isArray(x) && x.length === 0;
  return canonicalEqual(x, y);
}

const CHAIN_FIELDS = new Set(['filter_chains', 'default_filter_chain', 'filter_chain_matcher']);

/** True when the two listeners differ at most in their filter chains (Envoy's in-place update). */
export function sameExceptFilterChains(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!CHAIN_FIELDS.has(k) && !fieldEqual(a[k], b[k])) return false;
  return true;
}
