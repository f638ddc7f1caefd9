// Orderings used by the renderers: /stats sorts by full name bytes; Prometheus sorts metric
// families and samples the way Envoy's symbol table compares names, token by token on '.'.

/** Byte order for ASCII names (UTF-16 code-unit order in general). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const DOT = 46;
/** A '.' ends a token: below every character. */
const TOKEN_END = -1;
/** The name's end ends its last token too, and "a" sorts before "a.": below '.'. */
const END = -2;

/**
 * Envoy SymbolTable::lessThan: compare '.'-separated tokens in turn; a proper prefix sorts first.
 * Done in one pass over the characters, without cutting tokens out (a Prometheus render sorts a
 * million names this way): up to the first difference the tokens line up, and there a token that
 * ends ('.', or the name's end, which sorts before '.') is a prefix of the other, so smaller.
 */
export function compareTokenwise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const ca = i < a.length ? a.charCodeAt(i) : END;
  const cb = i < b.length ? b.charCodeAt(i) : END;
  if (ca === cb) return 0;
  return (ca === DOT ? TOKEN_END : ca) < (cb === DOT ? TOKEN_END : cb) ? -1 : 1;
}
