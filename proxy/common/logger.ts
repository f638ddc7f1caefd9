/**
 * The process-wide loggers. Modules take theirs once, e.g.
 *   const log = getLogger('router');  ...  log.debug('no route for %s', path);
 * and the server's main calls configureLogging() after parsing the command line.
 */
import { createLogRegistry, type ComponentLogger, type LoggingConfig, type LogRegistry } from './logger-registry';
import type { LoggerId } from './logger-ids';

let registry: LogRegistry | undefined;

export function logRegistry(): LogRegistry {
  return (registry ??= createLogRegistry());
}

export function getLogger(id: LoggerId): ComponentLogger {
  return logRegistry().logger(id);
}

/** Levels, destination and format of every logger (the command line's, via loggingConfig()). */
export function configureLogging(config: LoggingConfig): void {
  logRegistry().configure(config);
}

export type { ComponentLogger, LoggingConfig, LogRegistry } from './logger-registry';
export type { LoggerId } from './logger-ids';
export type { EnvoyLogLevel } from './logger-levels';
export { LOGGER_IDS, isLoggerId } from './logger-ids';
export { ENVOY_LOG_LEVELS, parseCliLogLevel, parseAdminLogLevel } from './logger-levels';
export { DEFAULT_LOG_FORMAT, compileLogFormat } from './logger-format';
export { createLogRegistry } from './logger-registry';
export { handleLogging, listLoggers } from './logger-admin';
