/**
 * The admin /logging handler's logic, in Envoy's words (logs_handler.cc):
 * no parameters lists the loggers; `level=` sets all, `<name>=` sets one,
 * `paths=a:lvl,b:lvl` sets several; bad input answers 400 with Envoy's error
 * and usage text, followed by the list.
 */
import { isLoggerId, type LoggerId } from './logger-ids';
import { ENVOY_LOG_LEVELS, parseAdminLogLevel, type EnvoyLogLevel } from './logger-levels';
import type { LogRegistry } from './logger-registry';

export interface LoggingResponse {
  readonly status: 200 | 400;
  readonly body: string;
}

/** `active loggers:` then `  name: level` per logger, then a blank line. */
export function listLoggers(registry: LogRegistry): string {
  let out = 'active loggers:\n';
  for (const [id, level] of registry.entries()) out += `  ${id}: ${level}\n`;
  return out + '\n';
}

/** `params` are the decoded query parameters of POST /logging, in order. */
export function handleLogging(registry: LogRegistry, params: Iterable<readonly [string, string]>): LoggingResponse {
  const map = new Map<string, string>();
  for (const [k, v] of params) if (!map.has(k)) map.set(k, v);
  if (map.size === 0) return { status: 200, body: listLoggers(registry) };
  const err = change(registry, map);
  if (err === undefined) return { status: 200, body: listLoggers(registry) };
  const usage =
    `error: ${err}\n\n` +
    'usage: /logging?<name>=<level> (change single level)\n' +
    'usage: /logging?paths=name1:level1,name2:level2,... (change multiple levels)\n' +
    'usage: /logging?level=<level> (change all levels)\n' +
    `levels: ${ENVOY_LOG_LEVELS.map((l) => l + ' ').join('')}\n`;
  return { status: 400, body: usage + listLoggers(registry) };
}

function change(registry: LogRegistry, params: Map<string, string>): string | undefined {
  if (params.size !== 1) return 'invalid number of parameters';
  const [key, value] = params.entries().next().value as [string, string];
  const admin = registry.logger('admin');
  if (key === 'level') {
    const level = parseAdminLogLevel(value);
    if (level === undefined) return 'unknown logger level';
    admin.info("change all log levels: level='%s'", level);
    registry.setAllLevels(level);
    return undefined;
  }
  const changes = new Map<string, EnvoyLogLevel>();
  if (key === 'paths') {
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue;
      const at = pair.indexOf(':');
      const name = at < 0 ? pair : pair.slice(0, at);
      const levelText = at < 0 ? '' : pair.slice(at + 1);
      if (name.trim() === '' || levelText.trim() === '') return 'empty logger name or empty logger level';
      const level = parseAdminLogLevel(levelText);
      if (level === undefined) return 'unknown logger level';
      changes.set(name, level);
    }
  } else {
    const level = parseAdminLogLevel(value);
    if (level === undefined) return 'unknown logger level';
    changes.set(key, level);
  }
  const ids: LoggerId[] = [];
  for (const name of changes.keys()) {
    if (!isLoggerId(name)) return 'unknown logger name';
    ids.push(name);
  }
  for (const id of ids) {
    const level = changes.get(id)!;
    admin.info("change log level: name='%s' level='%s'", id, level);
    registry.setLevel(id, level);
  }
  return undefined;
}
