// FractionalPercent (numerator over HUNDRED / TEN_THOUSAND / MILLION) as a probability check.
import type { Canonical } from '../../config/canonical';

const DENOMS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10000, MILLION: 1000000 };

export interface Percent {
  readonly numerator: number;
  readonly denominator: number;
}

/** undefined input -> `fallback` (Envoy's proto default for the field). */
export function percentOf(c: Canonical | undefined, fallback: Percent = { numerator: 0, denominator: 100 }): Percent {
  if (c === undefined) return fallback;
  return { numerator: typeof c.numerator === 'number' ? c.numerator : 0, denominator: DENOMS[String(c.denominator ?? 'HUNDRED')] ?? 100 };
}

export function sample(p: Percent): boolean {
  if (p.numerator >= p.denominator) return true;
  if (p.numerator <= 0) return false;
  return Math.random() * p.denominator < p.numerator;
}
