// %START_TIME(...)% formats (Envoy's DateFormatter): strftime in UTC plus Envoy's sub-second
// specifiers %f / %Nf (fraction, N digits, default 9) and %EnS (seconds with n decimals); %s is
// epoch seconds. Compiled once into parts; formatting a time is a loop over them.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAYS_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

type Part = string | ((d: Date, ms: number) => string);

const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const p3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

/** Fraction of the second with `digits` digits (ms precision, padded with zeros). */
function fraction(ms: number, digits: number): string {
  const f = `${p3(ms % 1000)}000000`;
  return f.slice(0, digits);
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
}

const SIMPLE: Record<string, (d: Date, ms: number) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  y: (d) => p2(d.getUTCFullYear() % 100),
  C: (d) => p2(Math.floor(d.getUTCFullYear() / 100)),
  m: (d) => p2(d.getUTCMonth() + 1),
  d: (d) => p2(d.getUTCDate()),
  e: (d) => (d.getUTCDate() < 10 ? ` ${d.getUTCDate()}` : String(d.getUTCDate())),
  H: (d) => p2(d.getUTCHours()),
  I: (d) => p2(((d.getUTCHours() + 11) % 12) + 1),
  M: (d) => p2(d.getUTCMinutes()),
  S: (d) => p2(d.getUTCSeconds()),
  p: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  j: (d) => p3(dayOfYear(d)),
  a: (d) => DAYS[d.getUTCDay()],
  A: (d) => DAYS_LONG[d.getUTCDay()],
  b: (d) => MONTHS[d.getUTCMonth()],
  h: (d) => MONTHS[d.getUTCMonth()],
  B: (d) => MONTHS_LONG[d.getUTCMonth()],
  u: (d) => String(d.getUTCDay() === 0 ? 7 : d.getUTCDay()),
  w: (d) => String(d.getUTCDay()),
  z: () => '+0000',
  Z: () => 'UTC',
  s: (_d, ms) => String(Math.floor(ms / 1000)),
  n: () => '\n',
  t: () => '\t',
  '%': () => '%',
};

const ALIASES: Record<string, string> = { T: '%H:%M:%S', F: '%Y-%m-%d', D: '%m/%d/%y', R: '%H:%M', r: '%I:%M:%S %p', c: '%a %b %e %H:%M:%S %Y', x: '%m/%d/%y', X: '%H:%M:%S' };

export class DateFormatter {
  private readonly parts: Part[] = [];
  private readonly usesDate: boolean;

  constructor(readonly pattern: string) {
    this.compile(pattern);
    this.usesDate = this.parts.some((p) => typeof p !== 'string');
  }

  private compile(pattern: string): void {
    let lit = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c !== '%' || i + 1 >= pattern.length) {
        lit += c;
        continue;
      }
      let j = i + 1;
      // %Nf and %f
      let digits = '';
      while (j < pattern.length && pattern[j] >= '0' && pattern[j] <= '9') digits += pattern[j++];
      const spec = pattern[j];
      if (spec === 'f') {
        const n = digits ? Math.min(9, Math.max(1, Number(digits))) : 9;
        this.push(lit, (_d, ms) => fraction(ms, n));
        lit = '';
        i = j;
        continue;
      }
      if (digits) {
        lit += pattern.slice(i, j + 1);
        i = j;
        continue;
      }
      if (spec === 'E' && pattern[j + 2] === 'S' && pattern[j + 1] >= '0' && pattern[j + 1] <= '9') {
        const n = Number(pattern[j + 1]);
        this.push(lit, (d, ms) => (n === 0 ? p2(d.getUTCSeconds()) : `${p2(d.getUTCSeconds())}.${fraction(ms, n)}`));
        lit = '';
        i = j + 2;
        continue;
      }
      const alias = ALIASES[spec];
      if (alias !== undefined) {
        const sub = new DateFormatter(alias);
        this.push(lit, (d, ms) => sub.formatDate(d, ms));
        lit = '';
        i = j;
        continue;
      }
      const fn = SIMPLE[spec];
      if (fn !== undefined) {
        this.push(lit, fn);
        lit = '';
        i = j;
        continue;
      }
      lit += c;
    }
    if (lit) this.parts.push(lit);
  }

  private push(lit: string, fn: (d: Date, ms: number) => string): void {
    if (lit) this.parts.push(lit);
    this.parts.push(fn);
  }

  format(ms: number): string {
    return this.formatDate(this.usesDate ? new Date(ms) : (undefined as unknown as Date), ms);
  }

  formatDate(d: Date, ms: number): string {
    let s = '';
    for (const p of this.parts) s += typeof p === 'string' ? p : p(d, ms);
    return s;
  }
}

/** Envoy's default %START_TIME%: ISO 8601 UTC with milliseconds. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}
