import * as os from 'node:os';

// Printing: progress lines with elapsed time, fixed-width tables, goal verdicts, small statistics.

const t0 = Date.now();

/** The 1-minute load average: a busy machine (other builds, tests) skews every number. */
export function loadNote(): string {
  return `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} before the run`;
}

export function progress(scenario: string, message: string): void {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s ${scenario}] ${message}`);
}

export type Cell = string | number | undefined;

export function table(title: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => headers.map((_, i) => (r[i] === undefined ? '-' : String(r[i]))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [`== ${title}`, line(headers), rule, ...text.map(line)].join('\n');
}

/** "GOAL  met|MISSED|n/a  <what>: <detail>" — one line per goal. */
export function verdict(met: boolean | undefined, goal: string, detail: string): string {
  const word = met === undefined ? 'n/a   ' : met ? 'met   ' : 'MISSED';
  return `GOAL ${word} ${goal}: ${detail}`;
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function fixed(n: number | undefined, digits: number): string | undefined {
  return n === undefined || !Number.isFinite(n) ? undefined : n.toFixed(digits);
}

export function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !(b > 0) ? 'n/a' : (a / b).toFixed(2);
}

export function mb(kb: number | undefined): string | undefined {
  return kb === undefined ? undefined : (kb / 1024).toFixed(1);
}
