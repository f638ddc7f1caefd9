/**
 * Envoy's per-component loggers on pino. Each component is a pino child with
 * its own level; pino swaps the methods of disabled levels for a shared no-op,
 * so `log.debug(...)` at info costs one call and builds nothing. Children are
 * never replaced, only re-levelled, so modules may keep the logger they got at
 * import time; configure() changes destination and format under them.
 */
import pino from 'pino';
import { format as formatArgs } from 'node:util';
import { LOGGER_IDS, type LoggerId } from './logger-ids';
import { fromPinoLevel, fromPinoLevelNumber, toPinoLevel, type EnvoyLogLevel } from './logger-levels';
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

const componentSym = Symbol('tsenvoy.component');
type Child = pino.Logger & { [componentSym]: LoggerId };

interface Output {
  dest: LogDestination;
  line: CompiledLogFormat;
  json: boolean;
}

export function createLogRegistry(config: LoggingConfig = {}): LogRegistry {
  const out: Output = {
    dest: stderrDestination(),
    line: compileLogFormat(DEFAULT_LOG_FORMAT),
    json: false,
  };
  const levels = new Map<LoggerId, EnvoyLogLevel>(LOGGER_IDS.map((id) => [id, 'info']));
  const children = new Map<LoggerId, Child>();

  // Only enabled levels reach this hook. Text lines are written here, so pino's
  // JSON serialiser runs only in --log-json mode.
  function logMethod(this: pino.Logger, args: Parameters<pino.LogFn>, method: pino.LogFn, level: number): void {
    if (out.json) {
      method.apply(this, args);
      return;
    }
    const name = (this as Child)[componentSym];
    out.dest.write(out.line.format(Date.now(), fromPinoLevelNumber(level), name, renderMessage(args as unknown[])));
  }

  const root = pino(
    {
      level: 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: fromPinoLevel(label) }) },
      hooks: { logMethod },
    },
    { write: (s: string) => out.dest.write(s) },
  );

  function child(id: LoggerId): Child {
    let c = children.get(id);
    if (c === undefined) {
      c = root.child({ logger: id }, { level: toPinoLevel(levels.get(id)!) }) as Child;
      c[componentSym] = id;
      children.set(id, c);
    }
    return c;
  }

  function setLevel(id: LoggerId, level: EnvoyLogLevel): void {
    levels.set(id, level);
    const c = children.get(id);
    if (c !== undefined) c.level = toPinoLevel(level);
  }

  const registry: LogRegistry = {
    logger: child,
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
