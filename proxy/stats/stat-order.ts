// Orderings used by the renderers: /stats sorts by full name bytes; Prometheus sorts metric
// families and samples the way Envoy's symbol table compares names, token by token on '.'.

/** Byte order for ASCII names (UTF-16 code-unit order in general). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Envoy SymbolTable::lessThan: compare '.'-separated tokens in turn; a proper prefix sorts first. */
export function compareTokenwise(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    const ea = a.indexOf('.', i);
    const eb = b.indexOf('.', j);
    const ta = a.slice(i, ea < 0 ? a.length : ea);
    const tb = b.slice(j, eb < 0 ? b.length : eb);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (ea < 0 || eb < 0) return ea < 0 ? (eb < 0 ? 0 : -1) : 1;
    i = ea + 1;
    j = eb + 1;
  }
}
