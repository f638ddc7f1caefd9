/**
 * Flags that parse but that tsenvoy cannot honour (yet). The server logs each
 * message once at warning level. When a capability lands, change it here.
 */
import { compileLogFormat } from '../common/logger-format';
import type { RawValue } from './argv-scan';
import type { ServerOptions } from './options';

/** One Node.js event loop serves all traffic. */
const EVENT_LOOPS = 1;

const HOT_RESTART_FLAGS = [
  'base-id', 'use-dynamic-base-id', 'base-id-path', 'restart-epoch', 'parent-shutdown-time-s',
  'socket-path', 'socket-mode', 'skip-hot-restart-on-no-parent', 'skip-hot-restart-parent-stats',
];

const IGNORED: Readonly<Record<string, string>> = {
  'cpuset-threads': `ignored: tsenvoy runs ${EVENT_LOOPS} event loop and no worker threads`,
  'enable-mutex-tracing': 'ignored: tsenvoy has no mutexes to trace',
  'enable-core-dump': 'ignored: use ulimit -c with node --abort-on-uncaught-exception instead',
  'enable-fine-grain-logging': 'ignored: only component loggers exist; use --component-log-level',
  'disable-extensions': 'ignored: disabling extensions is not supported yet',
  'stats-tag': 'ignored: universal stats tags are not supported yet',
  'max-obj-name-len': 'ignored: obsolete (removed from Envoy)',
  'allow-unknown-fields': 'is deprecated, use --allow-unknown-static-fields instead',
};

export function flagWarnings(o: ServerOptions, given: ReadonlyMap<string, RawValue>): string[] {
  const out: string[] = [];
  if (given.has('concurrency') && o.concurrency > EVENT_LOOPS) {
    out.push(`--concurrency ${o.concurrency}: tsenvoy runs ${EVENT_LOOPS} event loop; extra workers are not started`);
  }
  for (const name of HOT_RESTART_FLAGS) {
    if (given.has(name)) out.push(`--${name}: ignored: tsenvoy does not support hot restart`);
  }
  for (const [name, why] of Object.entries(IGNORED)) {
    if (given.has(name)) out.push(`--${name} ${why}`);
  }
  if (given.has('log-format')) {
    if (o.logJson) {
      out.push('--log-format: ignored with --log-json');
    } else {
      const unsupported = compileLogFormat(o.logFormat).unsupported;
      if (unsupported.length > 0) out.push(`--log-format: not available, printed empty or as is: ${unsupported.join(', ')}`);
    }
  }
  return out;
}
