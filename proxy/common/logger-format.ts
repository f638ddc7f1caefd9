/**
 * Envoy's --log-format: an spdlog pattern compiled once into a list of parts,
 * then applied per log line. Flags tsenvoy cannot fill (source location,
 * elapsed time) print empty, as spdlog does for a message without a source,
 * and are reported so the server can warn once.
 */
import type { EnvoyLogLevel } from './logger-levels';

/** Envoy's default before it added source locations; tsenvoy has none to print. */
export const DEFAULT_LOG_FORMAT = '[%Y-%m-%d %T.%e][%t][%l][%n] %v';

export interface CompiledLogFormat {
  /** The whole line, newline included. */
  format(timeMs: number, level: EnvoyLogLevel, logger: string, msg: string): string;
  /** One entry per pattern flag printed empty or literally, e.g. `%g (source file)`. */
  readonly unsupported: readonly string[];
}

interface Part {
  readonly literal: string; // used when flag === ''
  readonly flag: string;
  readonly width: number;
  readonly align: '<' | '>' | '=';
  readonly truncate: boolean;
}

const TIME_FLAGS = 'aAbBcCyYDxmdHIMSefFprRTXzE';
const OTHER_FLAGS = 'nlLtPv^$%j_';
const UNSUPPORTED: Readonly<Record<string, string>> = {
  '@': 'source location', s: 'source file', g: 'source file', '#': 'source line', '!': 'source function',
  o: 'elapsed time', i: 'elapsed time', u: 'elapsed time', O: 'elapsed time',
  '*': 'extracted tags', '+': 'extracted message',
};

const SHORT_LEVEL: Readonly<Record<EnvoyLogLevel, string>> = {
  trace: 'T', debug: 'D', info: 'I', warning: 'W', error: 'E', critical: 'C', off: 'O',
};
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const FULL_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FULL_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];

export function compileLogFormat(pattern: string, escaped = false): CompiledLogFormat {
  const parts: Part[] = [];
  const unsupported: string[] = [];
  let literal = '';
  let usesTime = false;
  const flush = (): void => {
    if (literal) parts.push({ literal, flag: '', width: 0, align: '>', truncate: false });
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== '%') {
      literal += c;
      continue;
    }
    const m = /^([-=]?)(\d*)(!?)/.exec(pattern.slice(i + 1))!;
    const flag = pattern[i + 1 + m[0].length];
    if (flag === undefined) {
      literal += pattern.slice(i);
      break;
    }
    i += m[0].length + 1;
    if (TIME_FLAGS.includes(flag)) usesTime = true;
    else if (!OTHER_FLAGS.includes(flag)) {
      const what = UNSUPPORTED[flag];
      unsupported.push(what ? `%${flag} (${what})` : `%${flag} (unknown flag, printed as is)`);
      if (!what) {
        literal += `%${flag}`;
        continue;
      }
    }
    flush();
    const align = m[1] === '-' ? '<' : m[1] === '=' ? '=' : '>';
    parts.push({ literal: '', flag, width: m[2] ? Number(m[2]) : 0, align, truncate: m[3] === '!' });
  }
  flush();
  const frozen = Object.freeze(parts);
  const pid = String(process.pid);

  function format(timeMs: number, level: EnvoyLogLevel, logger: string, msg: string): string {
    const d = usesTime ? new Date(timeMs) : undefined;
    let out = '';
    for (const p of frozen) {
      if (p.flag === '') {
        out += p.literal;
        continue;
      }
      const v = flagValue(p.flag, d, timeMs, level, logger, msg, pid);
      out += p.width ? pad(v, p) : v;
    }
    return escaped ? escapeLogLine(out) + '\n' : out + '\n';
  }
  return Object.freeze({ format, unsupported: Object.freeze(unsupported) });
}

function flagValue(
  flag: string, d: Date | undefined, timeMs: number, level: EnvoyLogLevel, logger: string, msg: string, pid: string,
): string {
  switch (flag) {
    case 'v': return msg;
    case 'n': return logger;
    case 'l': return level;
    case 'L': return SHORT_LEVEL[level];
    case 't': case 'P': return pid;
    case '%': return '%';
    case 'j': return JSON.stringify(msg).slice(1, -1);
    case '_': return msg.replace(/\n/g, '\\n');
    case '^': case '$': return '';
  }
  if (d === undefined) return '';
  switch (flag) {
    case 'Y': return String(d.getFullYear());
    case 'C': case 'y': return p2(d.getFullYear() % 100);
    case 'm': return p2(d.getMonth() + 1);
    case 'd': return p2(d.getDate());
    case 'H': return p2(d.getHours());
    case 'I': return p2(d.getHours() % 12 || 12);
    case 'M': return p2(d.getMinutes());
    case 'S': return p2(d.getSeconds());
    case 'e': return String(d.getMilliseconds()).padStart(3, '0');
    case 'f': return String(d.getMilliseconds() * 1000).padStart(6, '0');
    case 'F': return String(d.getMilliseconds() * 1_000_000).padStart(9, '0');
    case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
    case 'T': case 'X': return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
    case 'R': return `${p2(d.getHours())}:${p2(d.getMinutes())}`;
    case 'r': return `${p2(d.getHours() % 12 || 12)}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
    case 'D': case 'x': return `${p2(d.getMonth() + 1)}/${p2(d.getDate())}/${p2(d.getFullYear() % 100)}`;
    case 'a': return DAYS[d.getDay()];
    case 'A': return FULL_DAYS[d.getDay()];
    case 'b': return MONTHS[d.getMonth()];
    case 'B': return FULL_MONTHS[d.getMonth()];
    case 'c':
      return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
        `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`;
    case 'z': {
      const off = -d.getTimezoneOffset();
      const a = Math.abs(off);
      return `${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
    }
    case 'E': return String(Math.floor(timeMs / 1000));
  }
  return '';
}

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function pad(v: string, p: Part): string {
  if (v.length >= p.width) return p.truncate ? v.slice(0, p.width) : v;
  const n = p.width - v.length;
  if (p.align === '<') return v + ' '.repeat(n);
  if (p.align === '>') return ' '.repeat(n) + v;
  const left = Math.floor(n / 2);
  return ' '.repeat(left) + v + ' '.repeat(n - left);
}

/** --log-format-escaped: C-style escapes over the line, trailing whitespace kept (Envoy's escapeLogLine). */
export function escapeLogLine(line: string): string {
  const end = line.length - (/\s*$/.exec(line)?.[0].length ?? 0);
  return cEscape(line.slice(0, end)) + line.slice(end);
}

function cEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    switch (ch) {
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '"': out += '\\"'; continue;
      case "'": out += "\\'"; continue;
      case '\\': out += '\\\\'; continue;
    }
    out += code < 0x20 || code === 0x7f ? '\\' + code.toString(8).padStart(3, '0') : ch;
  }
  return out;
}
