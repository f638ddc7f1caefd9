// google.protobuf.Duration in proto3 JSON: "<seconds>[.<up to 9 digits>]s". Canonically milliseconds.
const DURATION = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;
const MAX_SECONDS = 315576000000;

/** "1.5s" -> 1500; undefined when the text is not a valid Duration. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const seconds = Number(m[2]);
  if (seconds > MAX_SECONDS) return undefined;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  const ms = seconds * 1000 + nanos / 1e6;
  return m[1] ? -ms : ms;
}

/** Seconds and nanos (binary Duration) -> milliseconds. */
export function durationMs(seconds: number, nanos: number): number {
  return seconds * 1000 + nanos / 1e6;
}

/** 1500 -> "1.500s", 10000 -> "10s": protobuf's JSON printer uses 0, 3, 6 or 9 fractional digits. */
export function formatDuration(ms: number): string {
  const neg = ms < 0;
  const totalNanos = Math.round(Math.abs(ms) * 1e6);
  const seconds = Math.floor(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  let frac = '';
  if (nanos !== 0) {
    if (nanos % 1e6 === 0) frac = '.' + String(nanos / 1e6).padStart(3, '0');
    else if (nanos % 1e3 === 0) frac = '.' + String(nanos / 1e3).padStart(6, '0');
    else frac = '.' + String(nanos).padStart(9, '0');
  }
  return `${neg ? '-' : ''}${seconds}${frac}s`;
}
