/**
 * The command line, parsed into Envoy's options (source/server/options_impl.cc
 * is the spec: names, defaults, checks and their order). The result says what
 * main should do: run with immutable ServerOptions (plus warnings about flags
 * tsenvoy accepts but cannot honour, to log once each at warning level),
 * print a text and exit 0, or print an error and exit 1.
 */
import * as os from 'node:os';
import { isLoggerId, type LoggerId } from '../common/logger-ids';
import { parseCliLogLevel, type EnvoyLogLevel } from '../common/logger-levels';
import { DEFAULT_LOG_FORMAT } from '../common/logger-format';
import { scanArgv, type RawValue } from './argv-scan';
import { flagWarnings } from './flag-warnings';
import { renderHelp } from './help-text';
import { versionText } from './version';

export type ServerMode = 'serve' | 'validate' | 'init_only';
export type DrainStrategy = 'gradual' | 'immediate';
export type IpVersion = 'v4' | 'v6';

export interface StatsTag {
  readonly name: string;
  readonly value: string;
}

export interface ServerOptions {
  readonly configPath: string;
  readonly configYaml: string;
  readonly mode: ServerMode;
  readonly logLevel: EnvoyLogLevel;
  /** --component-log-level as given (for /server_info). */
  readonly componentLogLevel: string;
  /** --component-log-level parsed, in the order given. */
  readonly componentLogLevels: ReadonlyArray<readonly [LoggerId, EnvoyLogLevel]>;
  readonly logFormat: string;
  readonly logFormatEscaped: boolean;
  /** Empty: stderr. */
  readonly logPath: string;
  /** tsenvoy's --log-json. */
  readonly logJson: boolean;
  readonly enableFineGrainLogging: boolean;
  readonly serviceCluster: string;
  readonly serviceNode: string;
  readonly serviceZone: string;
  readonly drainTimeS: number;
  readonly drainStrategy: DrainStrategy;
  readonly parentShutdownTimeS: number;
  /** At least 1, as in Envoy. */
  readonly concurrency: number;
  readonly cpusetThreads: boolean;
  readonly localAddressIpVersion: IpVersion;
  readonly fileFlushIntervalMsec: number;
  readonly adminAddressPath: string;
  readonly allowUnknownStaticFields: boolean;
  readonly rejectUnknownDynamicFields: boolean;
  readonly ignoreUnknownDynamicFields: boolean;
  readonly skipDeprecatedLogs: boolean;
  readonly disabledExtensions: readonly string[];
  readonly statsTags: readonly StatsTag[];
  readonly disableHotRestart: boolean;
  readonly baseId: number;
  readonly useDynamicBaseId: boolean;
  readonly baseIdPath: string;
  readonly restartEpoch: number;
  readonly socketPath: string;
  /** 0 for an abstract socket path (starting with @), as in Envoy. */
  readonly socketMode: number;
  readonly skipHotRestartOnNoParent: boolean;
  readonly skipHotRestartParentStats: boolean;
  readonly enableMutexTracing: boolean;
  readonly enableCoreDump: boolean;
  /** Obsolete flag kept for old pilot-agents; 60 when absent. */
  readonly maxObjNameLen: number;
}

export type CommandLine =
  | { readonly kind: 'run'; readonly options: ServerOptions; readonly warnings: readonly string[] }
  /** --help, --version, --hot-restart-version: write `text` to `stream`, exit 0. */
  | { readonly kind: 'print'; readonly text: string; readonly stream: 'stdout' | 'stderr' }
  /** Write `message` to stderr, exit 1. */
  | { readonly kind: 'error'; readonly message: string };

class BadFlag extends Error {}

/** `argv` without node and the script, i.e. process.argv.slice(2). */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const scanned = scanArgv(argv);
  if (!scanned.ok) return { kind: 'error', message: scanned.message };
  const v = scanned.values;
  if (v.has('help')) return { kind: 'print', text: renderHelp(), stream: 'stdout' };
  if (v.has('version')) return { kind: 'print', text: versionText(), stream: 'stdout' };
  let options: ServerOptions;
  try {
    options = build(v);
  } catch (e) {
    if (e instanceof BadFlag) return { kind: 'error', message: e.message };
    throw e;
  }
  // Envoy prints "disabled" when there is no hot restart, which is always here.
  if (v.has('hot-restart-version')) return { kind: 'print', text: 'disabled', stream: 'stderr' };
  return { kind: 'run', options, warnings: flagWarnings(options, v) };
}

/** Envoy's defaults: the options of an empty command line. */
export function defaultServerOptions(): ServerOptions {
  return build(new Map());
}

function build(v: ReadonlyMap<string, RawValue>): ServerOptions {
  const str = (name: string, dflt = ''): string => (v.get(name) as string | undefined) ?? dflt;
  const on = (name: string): boolean => v.get(name) === true;

  const logLevelText = v.get('log-level') as string | undefined;
  const logLevel = logLevelText === undefined ? 'info' : parseLevel(logLevelText, '--log-level');
  const componentLogLevel = str('component-log-level');
  const componentLogLevels = parseComponentLevels(componentLogLevel);
  const mode = oneOf(str('mode', 'serve'), '--mode', ['serve', 'validate', 'init_only'] as const);
  const localAddressIpVersion = oneOf(str('local-address-ip-version', 'v4'), '--local-address-ip-version', ['v4', 'v6'] as const);
  const baseId = uint(v, 'base-id', 0);
  const useDynamicBaseId = on('use-dynamic-base-id');
  const restartEpoch = uint(v, 'restart-epoch', 0);
  if (useDynamicBaseId && restartEpoch > 0) {
    throw new BadFlag(`--restart-epoch ${restartEpoch} cannot be used with --use-dynamic-base-id; drop one of them`);
  }
  const cpusetThreads = on('cpuset-threads');
  const concurrency = Math.max(1, uint(v, 'concurrency', os.availableParallelism()));
  const socketPath = str('socket-path', '@envoy_domain_socket');
  const socketMode = socketPath.startsWith('@') ? 0 : octal(str('socket-mode', '600'));
  const drainStrategy = oneOf(str('drain-strategy', 'gradual'), '--drain-strategy', ['gradual', 'immediate'] as const);
  const disableExtensions = str('disable-extensions');
  const maxObjNameLen = uint(v, 'max-obj-name-len', 60, Number.MAX_SAFE_INTEGER);
  if (maxObjNameLen < 60) throw new BadFlag(`invalid value '${maxObjNameLen}' for --max-obj-name-len: the minimum is 60`);

  return deepFreeze<ServerOptions>({
    configPath: str('config-path'),
    configYaml: str('config-yaml'),
    mode,
    logLevel,
    componentLogLevel,
    componentLogLevels,
    logFormat: str('log-format', DEFAULT_LOG_FORMAT),
    logFormatEscaped: on('log-format-escaped'),
    logPath: str('log-path'),
    logJson: on('log-json'),
    enableFineGrainLogging: on('enable-fine-grain-logging'),
    serviceCluster: str('service-cluster'),
    serviceNode: str('service-node'),
    serviceZone: str('service-zone'),
    drainTimeS: uint(v, 'drain-time-s', 600),
    drainStrategy,
    parentShutdownTimeS: uint(v, 'parent-shutdown-time-s', 900),
    concurrency,
    cpusetThreads,
    localAddressIpVersion,
    fileFlushIntervalMsec: uint(v, 'file-flush-interval-msec', 10000),
    adminAddressPath: str('admin-address-path'),
    allowUnknownStaticFields: on('allow-unknown-static-fields') || on('allow-unknown-fields'),
    rejectUnknownDynamicFields: on('reject-unknown-dynamic-fields'),
    ignoreUnknownDynamicFields: on('ignore-unknown-dynamic-fields'),
    skipDeprecatedLogs: on('skip-deprecated-logs'),
    disabledExtensions: disableExtensions === '' ? [] : disableExtensions.split(','),
    statsTags: ((v.get('stats-tag') as string[] | undefined) ?? []).map(parseStatsTag),
    disableHotRestart: on('disable-hot-restart'),
    baseId,
    useDynamicBaseId,
    baseIdPath: str('base-id-path'),
    restartEpoch,
    socketPath,
    socketMode,
    skipHotRestartOnNoParent: on('skip-hot-restart-on-no-parent'),
    skipHotRestartParentStats: on('skip-hot-restart-parent-stats'),
    enableMutexTracing: on('enable-mutex-tracing'),
    enableCoreDump: on('enable-core-dump'),
    maxObjNameLen,
  });
}

const LEVEL_HINT = 'expected trace, debug, info, warning (or warn), error, critical or off';

function parseLevel(text: string, flag: string): EnvoyLogLevel {
  const level = parseCliLogLevel(text);
  if (level === undefined) throw new BadFlag(`invalid value '${text}' for ${flag}: ${LEVEL_HINT}`);
  return level;
}

function parseComponentLevels(text: string): Array<readonly [LoggerId, EnvoyLogLevel]> {
  if (text === '') return [];
  return text.split(',').map((item) => {
    const parts = item.split(':');
    if (parts.length !== 2) {
      throw new BadFlag(`invalid item '${item}' in --component-log-level: expected name:level, e.g. upstream:debug`);
    }
    const [name, levelText] = parts;
    const level = parseCliLogLevel(levelText);
    if (level === undefined) throw new BadFlag(`invalid level '${levelText}' in --component-log-level: ${LEVEL_HINT}`);
    if (!isLoggerId(name)) {
      throw new BadFlag(`unknown component '${name}' in --component-log-level; 'tsenvoy --help' lists the names`);
    }
    return [name, level] as const;
  });
}

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  const list = allowed.slice(0, -1).join(', ') + ' or ' + allowed[allowed.length - 1];
  throw new BadFlag(`invalid value '${text}' for ${flag}: expected ${list}`);
}

function uint(v: ReadonlyMap<string, RawValue>, name: string, dflt: number, max = 0xffffffff): number {
  const text = v.get(name) as string | undefined;
  if (text === undefined) return dflt;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n <= max)) throw new BadFlag(`invalid value '${text}' for --${name}: expected a whole number from 0 to ${max}`);
  return n;
}

function octal(text: string): number {
  if (!/^[0-7]+$/.test(text)) throw new BadFlag(`invalid value '${text}' for --socket-mode: expected an octal mode such as 600`);
  return parseInt(text, 8);
}

function parseStatsTag(text: string): StatsTag {
  const at = text.indexOf(':');
  if (at < 0) throw new BadFlag(`invalid value '${text}' for --stats-tag: expected tag:value`);
  const name = text.slice(0, at);
  const value = text.slice(at + 1);
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new BadFlag(`invalid value '${text}' for --stats-tag: the tag name may hold only letters, digits and _`);
  }
  if (value.includes('.')) throw new BadFlag(`invalid value '${text}' for --stats-tag: the value may not contain '.'`);
  return { name, value };
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const k of Object.keys(o)) deepFreeze((o as Record<string, unknown>)[k]);
    Object.freeze(o);
  }
  return o;
}
