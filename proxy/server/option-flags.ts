/**
 * The command-line flags tsenvoy accepts: Envoy's (names, value types and
 * defaults from Envoy's options_impl.cc and cli.rst) plus --log-json. One
 * table drives the parser and --help, so neither can forget a flag.
 */
import { DEFAULT_LOG_FORMAT } from '../common/logger-format';

export type FlagKind = 'string' | 'uint32' | 'uint64' | 'switch' | 'multi';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: FlagKind;
  /** Shown in --help; `undefined` for switches (default off) and actions. */
  readonly defaultText?: string;
  readonly help: string;
}

export const FLAGS: readonly FlagSpec[] = Object.freeze([
  { name: 'config-path', short: 'c', kind: 'string', defaultText: '""', help: 'Path to the bootstrap file (.json, .yaml, .yml, .pb_text by extension)' },
  { name: 'config-yaml', kind: 'string', defaultText: '""', help: 'Inline YAML bootstrap, merged over the contents of --config-path' },
  { name: 'mode', kind: 'string', defaultText: 'serve', help: "One of 'serve' (validate config, then serve), 'validate' (validate config and exit) or 'init_only' (initialise, then exit)" },
  { name: 'log-level', short: 'l', kind: 'string', defaultText: 'info', help: 'Level of every logger: trace, debug, info, warning (or warn), error, critical, off' },
  { name: 'component-log-level', kind: 'string', defaultText: '""', help: 'Comma-separated name:level list, e.g. upstream:debug,config:trace' },
  { name: 'log-format', kind: 'string', defaultText: `"${DEFAULT_LOG_FORMAT}"`, help: 'Log line format in spdlog pattern syntax; source-location flags (%g %s %# %! %@) print empty' },
  { name: 'log-format-escaped', kind: 'switch', help: 'Escape C-style escape sequences in log lines' },
  { name: 'log-path', kind: 'string', defaultText: '"" (stderr)', help: 'Path of the log file, appended to' },
  { name: 'log-json', kind: 'switch', help: 'tsenvoy: write logs as JSON lines ({"level","time","pid","logger","msg"}) instead of --log-format text' },
  { name: 'enable-fine-grain-logging', kind: 'switch', help: 'File-level log control (accepted, not supported)' },
  { name: 'service-cluster', kind: 'string', defaultText: '""', help: 'Cluster name: overrides node.cluster of the bootstrap' },
  { name: 'service-node', kind: 'string', defaultText: '""', help: 'Node name: overrides node.id of the bootstrap' },
  { name: 'service-zone', kind: 'string', defaultText: '""', help: 'Zone name: overrides node.locality.zone of the bootstrap' },
  { name: 'drain-time-s', kind: 'uint32', defaultText: '600', help: 'Hot restart and listener removal drain time in seconds' },
  { name: 'drain-strategy', kind: 'string', defaultText: 'gradual', help: "Drain sequence behaviour: 'gradual' or 'immediate'" },
  { name: 'parent-shutdown-time-s', kind: 'uint32', defaultText: '900', help: 'Hot restart parent shutdown time in seconds (no hot restart: ignored)' },
  { name: 'concurrency', kind: 'uint32', defaultText: 'the number of usable CPUs', help: 'Number of worker threads (tsenvoy runs one event loop)' },
  { name: 'cpuset-threads', kind: 'switch', help: 'Take the default --concurrency from the cpuset size' },
  { name: 'local-address-ip-version', kind: 'string', defaultText: 'v4', help: "The local IP address version: 'v4' or 'v6'" },
  { name: 'file-flush-interval-msec', kind: 'uint32', defaultText: '10000', help: 'Access log flush interval in milliseconds' },
  { name: 'admin-address-path', kind: 'string', defaultText: '""', help: 'File to write the admin address to' },
  { name: 'allow-unknown-static-fields', kind: 'switch', help: 'Allow unknown fields in the static (bootstrap) configuration' },
  { name: 'allow-unknown-fields', kind: 'switch', help: 'Deprecated alias of --allow-unknown-static-fields' },
  { name: 'reject-unknown-dynamic-fields', kind: 'switch', help: 'Reject unknown fields in dynamic (xDS) configuration' },
  { name: 'ignore-unknown-dynamic-fields', kind: 'switch', help: 'Ignore unknown fields in dynamic configuration without warning' },
  { name: 'skip-deprecated-logs', kind: 'switch', help: 'Do not log deprecated configuration fields' },
  { name: 'disable-extensions', kind: 'string', defaultText: '""', help: 'Comma-separated list of extensions to disable (category/name)' },
  { name: 'stats-tag', kind: 'multi', defaultText: 'none', help: 'A tag:value added to every stat; may be repeated' },
  { name: 'disable-hot-restart', kind: 'switch', help: 'Disable hot restart (tsenvoy never hot restarts)' },
  { name: 'base-id', kind: 'uint32', defaultText: '0', help: 'Base ID so that several proxies can run on one host (hot restart)' },
  { name: 'use-dynamic-base-id', kind: 'switch', help: 'Choose the base ID dynamically; not with a non-zero --restart-epoch' },
  { name: 'base-id-path', kind: 'string', defaultText: '""', help: 'Path to which the base ID is written' },
  { name: 'restart-epoch', kind: 'uint32', defaultText: '0', help: 'Hot restart epoch number' },
  { name: 'hot-restart-version', kind: 'switch', help: 'Print the hot restart compatibility version and exit' },
  { name: 'socket-path', kind: 'string', defaultText: '@envoy_domain_socket', help: 'Path to the hot restart socket file' },
  { name: 'socket-mode', kind: 'string', defaultText: '600', help: 'Hot restart socket file permission (octal)' },
  { name: 'skip-hot-restart-on-no-parent', kind: 'switch', help: 'Hot restart: start normally if there is no parent' },
  { name: 'skip-hot-restart-parent-stats', kind: 'switch', help: 'Hot restart: do not copy stats from the parent' },
  { name: 'enable-mutex-tracing', kind: 'switch', help: 'Enable mutex contention tracing' },
  { name: 'enable-core-dump', kind: 'switch', help: 'Enable core dumps' },
  { name: 'max-obj-name-len', kind: 'uint64', defaultText: '60', help: 'Obsolete (removed from Envoy); accepted for old pilot-agents, at least 60' },
  { name: 'version', kind: 'switch', help: 'Print the version and exit' },
  { name: 'help', short: 'h', kind: 'switch', help: 'Print this help and exit' },
] satisfies FlagSpec[]);

const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));
const BY_SHORT = new Map(FLAGS.filter((f) => f.short).map((f) => [f.short!, f]));

export function flagByName(name: string): FlagSpec | undefined {
  return BY_NAME.get(name);
}

export function flagByShort(letter: string): FlagSpec | undefined {
  return BY_SHORT.get(letter);
}
