// Number formatting that reproduces the C/C++ formatters Envoy's admin output goes through,
// so that our text is byte-for-byte the same: printf "%g" / "%.32g" and fmt's "{}" for doubles.

/** printf("%.<precision>g", x) as glibc prints it (no '#' flag). */
export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  // The exponent must be taken after rounding to p digits (9.9999999 -> 1e+01).
  const e = x.toExponential(p - 1);
  const ePos = e.indexOf('e');
  const exp = Number(e.slice(ePos + 1));
  if (exp < -4 || exp >= p) {
    return stripZeros(e.slice(0, ePos)) + expSuffix(exp);
  }
  // toFixed switches to exponent notation from 1e21; such values are integers, print them exactly.
  if (Math.abs(x) >= 1e21) return BigInt(x).toString();
  return stripZeros(x.toFixed(p - 1 - exp));
}

/**
 * fmt::format("{}", x) for a double: the shortest representation that round-trips,
 * in fixed notation unless the decimal exponent is < -4 or >= 16.
 */
export function formatShortest(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(); // shortest round-trip digits
  const ePos = e.indexOf('e');
  const exp = Number(e.slice(ePos + 1));
  const neg = x < 0;
  const mantissa = e.slice(neg ? 1 : 0, ePos);
  const digits = mantissa.replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 16) {
    out = (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) + expSuffix(exp);
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  }
  return neg ? '-' + out : out;
}

function stripZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (s.charCodeAt(end - 1) === 46 /* . */) end--;
  return s.slice(0, end);
}

function expSuffix(exp: number): string {
  const abs = Math.abs(exp);
  return (exp < 0 ? 'e-' : 'e+') + (abs < 10 ? '0' : '') + abs;
}
