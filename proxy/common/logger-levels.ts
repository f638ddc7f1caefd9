/**
 * Envoy's log level names and their pino counterparts. Envoy's names are what
 * users type and read (flags, /logging, log lines); pino's drive the loggers.
 */
export type EnvoyLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';
export type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** In spdlog's order, as Envoy prints them in usage texts. */
export const ENVOY_LOG_LEVELS: readonly EnvoyLogLevel[] = Object.freeze([
  'trace', 'debug', 'info', 'warning', 'error', 'critical', 'off',
]);

const TO_PINO: Readonly<Record<EnvoyLogLevel, PinoLevel>> = {
  trace: 'trace', debug: 'debug', info: 'info', warning: 'warn', error: 'error', critical: 'fatal', off: 'silent',
};

const FROM_PINO: Readonly<Record<string, EnvoyLogLevel>> = {
  trace: 'trace', debug: 'debug', info: 'info', warn: 'warning', error: 'error', fatal: 'critical', silent: 'off',
};

/** pino's numeric values, used to name a level in a log line without a lookup by string. */
const FROM_PINO_NUMBER: Readonly<Record<number, EnvoyLogLevel>> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'critical',
};

/**
 * Parses a level as the command line does: Envoy's names plus the alias
 * `warn` (Envoy's parseAndValidateLogLevel accepts it too).
 */
export function parseCliLogLevel(text: string): EnvoyLogLevel | undefined {
  if (text === 'warn') return 'warning';
  return parseAdminLogLevel(text);
}

/** Parses a level as /logging does: only Envoy's own names. */
export function parseAdminLogLevel(text: string): EnvoyLogLevel | undefined {
  return (ENVOY_LOG_LEVELS as readonly string[]).includes(text) ? (text as EnvoyLogLevel) : undefined;
}

export function toPinoLevel(level: EnvoyLogLevel): PinoLevel {
  return TO_PINO[level];
}

export function fromPinoLevel(level: string): EnvoyLogLevel {
  const l = FROM_PINO[level];
  if (l === undefined) throw new Error(`not a pino level: ${level}`);
  return l;
}

export function fromPinoLevelNumber(level: number): EnvoyLogLevel {
  return FROM_PINO_NUMBER[level] ?? 'off';
}
