// `tsenvoy` entry point: Envoy's command line, then validate, init_only or serve.
import { formatIssue } from '../config/result';
import { envoySchema } from '../config/schema/schema';
import { configureLogging, getLogger } from '../common/logger';
import { buildBootstrapSnapshot, defaultBootstrapSource } from './bootstrap-snapshot';
import { loggingConfig } from './logging-config';
import { parseCommandLine, ServerOptions } from './options';
import { createRegistry } from './extensions';
import { Server } from './server';
import { StartupError } from './data-plane';
import { releaseStartUpHold } from './young-generation';
import { tuneMalloc } from './malloc-tuning';
import { HELPER_THREAD_NICE_ENV, lowerHelperThreads, onePoolNote } from './helper-threads';

const DEFAULT_HINT = `tsenvoy is running the embedded default bootstrap (${'proxy/server/default-bootstrap.yaml'}). Try:
  curl localhost:10000/                   # a direct_response
  curl localhost:10000/stats/prometheus   # proxied to the admin port through the STATIC cluster 'admin'
  curl localhost:15000/ready              # LIVE
  curl localhost:15000/clusters
  curl localhost:15000/config_dump
Stop with Ctrl-C.
`;

function exitWith(code: number, text?: string, stream: 'stdout' | 'stderr' = 'stderr'): void {
  if (text) (stream === 'stdout' ? process.stdout : process.stderr).write(text.endsWith('\n') ? text : `${text}\n`);
  process.exitCode = code;
}

export function main(argv: readonly string[]): void {
  const cl = parseCommandLine(argv);
  if (cl.kind === 'print') return exitWith(0, cl.text, cl.stream);
  if (cl.kind === 'error') return exitWith(1, `tsenvoy: ${cl.message}`);
  const o = cl.options;
  configureLogging(loggingConfig(o));
  const log = getLogger('main');
  for (const w of cl.warnings) log.warn(w);
  // Once LIVE (or failed), V8's young generation may grow again (young-generation.ts).
  run(o).finally(releaseStartUpHold).catch((e: unknown) => {
    if (e instanceof StartupError) {
      log.fatal('tsenvoy could not start:\n%s\nFree the port or change the address in the config, then start again.', e.message);
    } else log.fatal('tsenvoy failed to start: %s', (e as Error)?.stack ?? String(e));
    process.exitCode = 1;
    process.exit(1);
  });
}

/** Once LIVE: on one CPU, what V8's helper pool is; Node's helper threads below the loop, where the launcher noted them (helper-threads.ts). */
function lowerAndLogHelperThreads(): void {
  const log = getLogger('main');
  const pool = onePoolNote();
  if (pool !== undefined) log.info('%s', pool);
  const h = lowerHelperThreads();
  if (h === undefined) return;
  if (h.note !== undefined) log.warn('helper threads: %s', h.note);
  if (h.lowered > 0) log.info('helper threads: %d of Node\'s threads (V8 GC and compiler workers) run at nice %d, below the event loop (%s)', h.lowered, h.nice, HELPER_THREAD_NICE_ENV);
}

async function run(o: ServerOptions): Promise<void> {
  const log = getLogger('main');
  if (o.mode === 'serve') tuneMalloc();
  const schema = envoySchema();
  const registry = createRegistry();
  const snap = buildBootstrapSnapshot(schema, registry, o);
  for (const w of snap.warnings) log.warn('%s', formatIssue(w));
  const label = o.configPath || (o.configYaml ? '--config-yaml' : defaultBootstrapSource());
  if (!snap.ok) {
    // Envoy's validate mode prints the error and exits 1; serve mode logs it critical and exits 1.
    const text = snap.errors.map(formatIssue).join('\n');
    if (o.mode === 'validate') return exitWith(1, `tsenvoy: configuration '${label}' is invalid:\n${text}`);
    log.fatal("error initializing configuration '%s':\n%s\nFix the fields named above, or check it with --mode validate.", label, text);
    process.exitCode = 1;
    return;
  }
  const server = new Server(o, snap.value, schema, registry);
  if (o.mode === 'validate') {
    const problems = server.validate();
    if (problems.length) return exitWith(1, `tsenvoy: configuration '${label}' is invalid:\n${problems.map(formatIssue).join('\n')}`);
    return exitWith(0, `configuration '${label}' OK`, 'stdout');
  }
  await server.start();
  if (o.mode === 'serve') lowerAndLogHelperThreads();
  if (!o.configPath && !o.configYaml) process.stdout.write(DEFAULT_HINT);
  if (o.mode === 'init_only') {
    await server.shutdown('init_only mode');
    return;
  }
  const stop = (signal: string): void => {
    void server.shutdown(`caught ${signal}`);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
