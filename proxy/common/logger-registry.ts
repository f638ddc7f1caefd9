/**
 * Envoy's per-component loggers. Each component has one logger object whose
 * level methods are swapped on a level change: a disabled level is a shared
 * no-op, so `log.debug(...)` at info costs one call and builds nothing.
 * Loggers are never replaced, only re-levelled, so modules may keep the
 * logger they got at import time; configure() changes destination and format
 * under them. Text lines are formatted here; pino (loaded only when
 * --log-json asks for JSON lines) serialises the JSON ones, so a text-logging
 * process never loads it (pino and its worker/stream dependencies cost the
 * server ~3.5 MB of idle RSS and ~30 ms of start-up: bench cold-start).
 */
import type pino from 'pino';
import { format as formatArgs } from 'node:util';
import { LOGGER_IDS, type LoggerId } from './logger-ids';
import { fromPinoLevel, toPinoLevel, type EnvoyLogLevel, type PinoLevel } from './logger-levels';
import { compileLogFormat, DEFAULT_LOG_FORMAT, type CompiledLogFormat } from './logger-format';
import { fileDestination, stderrDestination, type LogDestination } from './logger-destination';

/** What a component sees: pino's level methods (Envoy's critical is `fatal`). */
export interface ComponentLogger {
  readonly trace: pino.LogFn;
  readonly debug: pino.LogFn;
  readonly info: pino.LogFn;
  readonly warn: pino.LogFn;
  readonly error: pino.LogFn;
  readonly fatal: pino.LogFn;
  isLevelEnabled(level: pino.Level): boolean;
}

export interface LoggingConfig {
  /** -l: every logger's level (default info). */
  readonly level?: EnvoyLogLevel;
  /** --component-log-level, applied after `level`. */
  readonly componentLevels?: ReadonlyArray<readonly [LoggerId, EnvoyLogLevel]>;
  /** --log-format, an spdlog pattern for text lines. */
  readonly format?: string;
  /** --log-format-escaped. */
  readonly escaped?: boolean;
  /** --log-json: one JSON object per line instead of text. */
  readonly json?: boolean;
  /** --log-path; empty or absent means stderr. */
  readonly path?: string;
  /** Overrides `path` (tests, embedding). */
  readonly destination?: LogDestination;
}

export interface LogRegistry {
  logger(id: LoggerId): ComponentLogger;
  level(id: LoggerId): EnvoyLogLevel;
  setLevel(id: LoggerId, level: EnvoyLogLevel): void;
  setAllLevels(level: EnvoyLogLevel): void;
  /** Every logger with its level, in Envoy's order. */
  entries(): Array<readonly [LoggerId, EnvoyLogLevel]>;
  /**
   * Replaces levels, destination and format. Pattern flags tsenvoy cannot fill
   * print empty (compileLogFormat().unsupported lists them; the command line's
   * warnings already include them).
   */
  configure(config: LoggingConfig): void;
  /** /reopen_logs. */
  reopen(): void;
  close(): void;
}

interface Output {
  dest: LogDestination;
  line: CompiledLogFormat;
  json: boolean;
}

type Method = Exclude<PinoLevel, 'silent'>;
/** In pino's order; ENVOY[i] names METHODS[i] in a line. */
const METHODS: readonly Method[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const ENVOY: readonly EnvoyLogLevel[] = ['trace', 'debug', 'info', 'warning', 'error', 'critical'];
const RANK: Readonly<Record<string, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5, silent: 6 };

/** Every disabled level of every logger is this one function. */
const NOOP: pino.LogFn = (() => {}) as pino.LogFn;

interface Logger extends ComponentLogger {
  trace: pino.LogFn;
  debug: pino.LogFn;
  info: pino.LogFn;
  warn: pino.LogFn;
  error: pino.LogFn;
  fatal: pino.LogFn;
  /** Index into METHODS of the lowest enabled level; 6 is off. */
  rank: number;
  /** The enabled form of each level, made once. */
  readonly enabled: readonly pino.LogFn[];
}

export function createLogRegistry(config: LoggingConfig = {}): LogRegistry {
  const out: Output = {
    dest: stderrDestination(),
    line: compileLogFormat(DEFAULT_LOG_FORMAT),
    json: false,
  };
  const levels = new Map<LoggerId, EnvoyLogLevel>(LOGGER_IDS.map((id) => [id, 'info']));
  const loggers = new Map<LoggerId, Logger>();
  let jsonRoot: pino.Logger | undefined;
  const jsonChildren = new Map<LoggerId, pino.Logger>();

  /** pino, as tsenvoy configured it before the text path moved out of it: same fields, same order. */
  function jsonLogger(id: LoggerId): pino.Logger {
    let c = jsonChildren.get(id);
    if (c === undefined) {
      if (jsonRoot === undefined) {
        const pinoFn = require('pino') as typeof pino;
        jsonRoot = pinoFn(
          {
            level: 'trace', // the component logger decides; pino only serialises
            base: { pid: process.pid },
            timestamp: pinoFn.stdTimeFunctions.isoTime,
            formatters: { level: (label) => ({ level: fromPinoLevel(label) }) },
          },
          { write: (s: string) => out.dest.write(s) },
        );
      }
      c = jsonRoot.child({ logger: id });
      jsonChildren.set(id, c);
    }
    return c;
  }

  function enabledMethod(id: LoggerId, i: number): pino.LogFn {
    const level = ENVOY[i];
    const method = METHODS[i];
    return ((...args: unknown[]) => {
      if (out.json) (jsonLogger(id)[method] as (...a: unknown[]) => void)(...args);
      else out.dest.write(out.line.format(Date.now(), level, id, renderMessage(args)));
    }) as pino.LogFn;
  }

  function apply(l: Logger, level: EnvoyLogLevel): void {
    l.rank = RANK[toPinoLevel(level)];
    for (let i = 0; i < METHODS.length; i++) l[METHODS[i]] = i >= l.rank ? l.enabled[i] : NOOP;
  }

  function logger(id: LoggerId): Logger {
    let l = loggers.get(id);
    if (l === undefined) {
      const created: Logger = {
        trace: NOOP, debug: NOOP, info: NOOP, warn: NOOP, error: NOOP, fatal: NOOP,
        rank: RANK.silent,
        enabled: METHODS.map((_, i) => enabledMethod(id, i)),
        isLevelEnabled: (level: pino.Level) => (RANK[level] ?? RANK.silent) >= created.rank,
      };
      apply(created, levels.get(id)!);
      loggers.set(id, created);
      l = created;
    }
    return l;
  }

  function setLevel(id: LoggerId, level: EnvoyLogLevel): void {
    levels.set(id, level);
    const l = loggers.get(id);
    if (l !== undefined) apply(l, level);
  }

  const registry: LogRegistry = {
    logger,
    level: (id) => levels.get(id)!,
    setLevel,
    setAllLevels(level) {
      for (const id of LOGGER_IDS) setLevel(id, level);
    },
    entries: () => LOGGER_IDS.map((id) => [id, levels.get(id)!] as const),
    configure(c) {
      const line = compileLogFormat(c.format ?? DEFAULT_LOG_FORMAT, c.escaped ?? false);
      const dest = c.destination ?? (c.path ? fileDestination(c.path) : stderrDestination());
      out.dest.close();
      out.dest = dest;
      out.line = line;
      out.json = c.json ?? false;
      registry.setAllLevels(c.level ?? 'info');
      for (const [id, level] of c.componentLevels ?? []) setLevel(id, level);
    },
    reopen: () => out.dest.reopen(),
    close: () => out.dest.close(),
  };
  registry.configure(config);
  return registry;
}

/** pino's calling convention: ([mergeObject,] message, ...interpolation). */
function renderMessage(args: unknown[]): string {
  const first = args[0];
  if (typeof first !== 'object' || first === null) return formatArgs(...args);
  const msg = args.length > 1 ? formatArgs(...args.slice(1)) : '';
  if (first instanceof Error) return msg ? `${msg}: ${String(first)}` : String(first);
  let fields = '';
  try {
    fields = Object.keys(first).length > 0 ? JSON.stringify(first) : '';
  } catch {
    fields = '[unserialisable]';
  }
  return msg && fields ? `${msg} ${fields}` : msg || fields;
}
