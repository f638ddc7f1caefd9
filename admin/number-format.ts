/**
 * Doubles as Envoy's fmt prints them: `{:g}` (printf %g, 6 significant digits) for the outlier
 * lines of /clusters, and `{}` (shortest round-trip, exponent outside [1e-4, 1e16)) for host
 * success rates.
 */

/** printf("%g"). */
export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const [mantissa, expText] = x.toExponential(p - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= p) return `${stripZeros(mantissa!)}e${exponent(exp)}`;
  return stripZeros(x.toFixed(Math.max(0, p - 1 - exp)));
}

/** fmt's `{}` for a double. */
export function formatShortest(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exponent(exp)}`;
  const sign = mantissa!.startsWith('-') ? '-' : '';
  const digits = mantissa!.replace('-', '').replace('.', '');
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/\.?0+$/, '');
}

function exponent(e: number): string {
  const abs = Math.abs(e);
  return (e < 0 ? '-' : '+') + (abs < 10 ? `0${abs}` : String(abs));
}
