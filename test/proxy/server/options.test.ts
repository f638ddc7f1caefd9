import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommandLine, defaultServerOptions, type CommandLine, type ServerOptions } from '../../../proxy/server/options';
import { FLAGS } from '../../../proxy/server/option-flags';
import { commandLineOptionsJson } from '../../../proxy/server/command-line-options-json';
import { loggingConfig } from '../../../proxy/server/logging-config';
import { versionString } from '../../../proxy/server/version';
import { packageRoot } from '../../../proxy/common/package-root';
import { DEFAULT_LOG_FORMAT } from '../../../proxy/common/logger-format';

function run(argv: string[]): { options: ServerOptions; warnings: readonly string[] } {
  const r = parseCommandLine(argv);
  assert.equal(r.kind, 'run', r.kind === 'error' ? r.message : 'expected run');
  return r as Extract<CommandLine, { kind: 'run' }>;
}

function error(argv: string[]): string {
  const r = parseCommandLine(argv);
  assert.equal(r.kind, 'error', `expected an error for ${argv.join(' ')}`);
  return (r as Extract<CommandLine, { kind: 'error' }>).message;
}

const PILOT_AGENT = [
  '-c', 'etc/istio/proxy/envoy-rev.json', '--drain-time-s', '45', '--drain-strategy', 'immediate',
  '--local-address-ip-version', 'v4', '--file-flush-interval-msec', '1000', '--disable-hot-restart',
  '--allow-unknown-static-fields', '-l', 'warning', '--component-log-level', 'misc:error', '--concurrency', '2',
];

test('an empty command line gives Envoy defaults', () => {
  const { options: o, warnings } = run([]);
  assert.deepEqual(warnings, []);
  assert.equal(o.configPath, '');
  assert.equal(o.configYaml, '');
  assert.equal(o.mode, 'serve');
  assert.equal(o.logLevel, 'info');
  assert.equal(o.componentLogLevel, '');
  assert.deepEqual(o.componentLogLevels, []);
  assert.equal(o.logFormat, DEFAULT_LOG_FORMAT);
  assert.equal(o.logFormatEscaped, false);
  assert.equal(o.logPath, '');
  assert.equal(o.logJson, false);
  assert.equal(o.drainTimeS, 600);
  assert.equal(o.parentShutdownTimeS, 900);
  assert.equal(o.drainStrategy, 'gradual');
  assert.equal(o.fileFlushIntervalMsec, 10000);
  assert.equal(o.concurrency, Math.max(1, os.availableParallelism()));
  assert.equal(o.localAddressIpVersion, 'v4');
  assert.equal(o.baseId, 0);
  assert.equal(o.restartEpoch, 0);
  assert.equal(o.useDynamicBaseId, false);
  assert.equal(o.disableHotRestart, false);
  assert.equal(o.socketPath, '@envoy_domain_socket');
  assert.equal(o.socketMode, 0);
  assert.equal(o.maxObjNameLen, 60);
  assert.deepEqual(o.disabledExtensions, []);
  assert.deepEqual(o.statsTags, []);
  assert.deepEqual(defaultServerOptions(), o);
});

test('options are deeply immutable', () => {
  const { options } = run(['--component-log-level', 'misc:error', '--disable-extensions', 'a/b']);
  assert.ok(Object.isFrozen(options));
  assert.throws(() => {
    (options as { drainTimeS: number }).drainTimeS = 1;
  }, TypeError);
  assert.throws(() => (options.disabledExtensions as string[]).push('x'), TypeError);
  assert.throws(() => (options.componentLogLevels as unknown[]).pop(), TypeError);
});

// One case per flag; the coverage test below fails when a flag is added without one.
const CASES: ReadonlyArray<readonly [flag: string, argv: string[], check: (o: ServerOptions) => void]> = [
  ['config-path', ['-c', '/etc/b.yaml'], (o) => assert.equal(o.configPath, '/etc/b.yaml')],
  ['config-yaml', ['--config-yaml', 'admin: {}'], (o) => assert.equal(o.configYaml, 'admin: {}')],
  ['mode', ['--mode', 'validate'], (o) => assert.equal(o.mode, 'validate')],
  ['log-level', ['-l', 'debug'], (o) => assert.equal(o.logLevel, 'debug')],
  ['component-log-level', ['--component-log-level', 'upstream:debug,config:trace'], (o) => {
    assert.equal(o.componentLogLevel, 'upstream:debug,config:trace');
    assert.deepEqual(o.componentLogLevels, [['upstream', 'debug'], ['config', 'trace']]);
  }],
  ['log-format', ['--log-format', '%v'], (o) => assert.equal(o.logFormat, '%v')],
  ['log-format-escaped', ['--log-format-escaped'], (o) => assert.equal(o.logFormatEscaped, true)],
  ['log-path', ['--log-path', '/tmp/x.log'], (o) => assert.equal(o.logPath, '/tmp/x.log')],
  ['log-json', ['--log-json'], (o) => assert.equal(o.logJson, true)],
  ['enable-fine-grain-logging', ['--enable-fine-grain-logging'], (o) => assert.equal(o.enableFineGrainLogging, true)],
  ['service-cluster', ['--service-cluster', 'c1'], (o) => assert.equal(o.serviceCluster, 'c1')],
  ['service-node', ['--service-node', 'n1'], (o) => assert.equal(o.serviceNode, 'n1')],
  ['service-zone', ['--service-zone', 'z1'], (o) => assert.equal(o.serviceZone, 'z1')],
  ['drain-time-s', ['--drain-time-s', '45'], (o) => assert.equal(o.drainTimeS, 45)],
  ['drain-strategy', ['--drain-strategy', 'immediate'], (o) => assert.equal(o.drainStrategy, 'immediate')],
  ['parent-shutdown-time-s', ['--parent-shutdown-time-s', '60'], (o) => assert.equal(o.parentShutdownTimeS, 60)],
  ['concurrency', ['--concurrency', '3'], (o) => assert.equal(o.concurrency, 3)],
  ['cpuset-threads', ['--cpuset-threads'], (o) => assert.equal(o.cpusetThreads, true)],
  ['local-address-ip-version', ['--local-address-ip-version', 'v6'], (o) => assert.equal(o.localAddressIpVersion, 'v6')],
  ['file-flush-interval-msec', ['--file-flush-interval-msec', '1500'], (o) => assert.equal(o.fileFlushIntervalMsec, 1500)],
  ['admin-address-path', ['--admin-address-path', '/tmp/admin'], (o) => assert.equal(o.adminAddressPath, '/tmp/admin')],
  ['allow-unknown-static-fields', ['--allow-unknown-static-fields'], (o) => assert.equal(o.allowUnknownStaticFields, true)],
  ['allow-unknown-fields', ['--allow-unknown-fields'], (o) => assert.equal(o.allowUnknownStaticFields, true)],
  ['reject-unknown-dynamic-fields', ['--reject-unknown-dynamic-fields'], (o) => assert.equal(o.rejectUnknownDynamicFields, true)],
  ['ignore-unknown-dynamic-fields', ['--ignore-unknown-dynamic-fields'], (o) => assert.equal(o.ignoreUnknownDynamicFields, true)],
  ['skip-deprecated-logs', ['--skip-deprecated-logs'], (o) => assert.equal(o.skipDeprecatedLogs, true)],
  ['disable-extensions', ['--disable-extensions', 'envoy.filters.http/envoy.filters.http.lua,x/y'], (o) =>
    assert.deepEqual(o.disabledExtensions, ['envoy.filters.http/envoy.filters.http.lua', 'x/y'])],
  ['stats-tag', ['--stats-tag', 'mesh:a', '--stats-tag', 'zone:b:c'], (o) =>
    assert.deepEqual(o.statsTags, [{ name: 'mesh', value: 'a' }, { name: 'zone', value: 'b:c' }])],
  ['disable-hot-restart', ['--disable-hot-restart'], (o) => assert.equal(o.disableHotRestart, true)],
  ['base-id', ['--base-id', '7'], (o) => assert.equal(o.baseId, 7)],
  ['use-dynamic-base-id', ['--use-dynamic-base-id'], (o) => assert.equal(o.useDynamicBaseId, true)],
  ['base-id-path', ['--base-id-path', '/tmp/id'], (o) => assert.equal(o.baseIdPath, '/tmp/id')],
  ['restart-epoch', ['--restart-epoch', '2'], (o) => assert.equal(o.restartEpoch, 2)],
  ['socket-path', ['--socket-path', '/tmp/sock'], (o) => {
    assert.equal(o.socketPath, '/tmp/sock');
    assert.equal(o.socketMode, 0o600);
  }],
  ['socket-mode', ['--socket-path', '/tmp/sock', '--socket-mode', '644'], (o) => assert.equal(o.socketMode, 0o644)],
  ['skip-hot-restart-on-no-parent', ['--skip-hot-restart-on-no-parent'], (o) => assert.equal(o.skipHotRestartOnNoParent, true)],
  ['skip-hot-restart-parent-stats', ['--skip-hot-restart-parent-stats'], (o) => assert.equal(o.skipHotRestartParentStats, true)],
  ['enable-mutex-tracing', ['--enable-mutex-tracing'], (o) => assert.equal(o.enableMutexTracing, true)],
  ['enable-core-dump', ['--enable-core-dump'], (o) => assert.equal(o.enableCoreDump, true)],
  ['max-obj-name-len', ['--max-obj-name-len', '189'], (o) => assert.equal(o.maxObjNameLen, 189)],
];
const ACTIONS = ['help', 'version', 'hot-restart-version'];

test('every flag has a case', () => {
  const covered = new Set([...CASES.map((c) => c[0]), ...ACTIONS]);
  assert.deepEqual(FLAGS.map((f) => f.name).filter((n) => !covered.has(n)), []);
});

for (const [flag, argv, check] of CASES) {
  test(`--${flag} as given`, () => check(run(argv).options));
  const joined = joinFirstValue(argv);
  if (joined) test(`--${flag} in --flag=value form`, () => check(run(joined).options));
}

/** ['--a', 'v', ...] -> ['--a=v', ...]; undefined for switches. */
function joinFirstValue(argv: string[]): string[] | undefined {
  const spec = FLAGS.find((f) => `--${f.name}` === argv[0] || `-${f.short}` === argv[0]);
  if (!spec || spec.kind === 'switch' || argv.length < 2) return undefined;
  return [`${argv[0]}=${argv[1]}`, ...argv.slice(2)];
}

test("pilot-agent's command line parses as is", () => {
  const { options: o, warnings } = run(PILOT_AGENT);
  assert.equal(o.configPath, 'etc/istio/proxy/envoy-rev.json');
  assert.equal(o.drainTimeS, 45);
  assert.equal(o.drainStrategy, 'immediate');
  assert.equal(o.localAddressIpVersion, 'v4');
  assert.equal(o.fileFlushIntervalMsec, 1000);
  assert.equal(o.disableHotRestart, true);
  assert.equal(o.allowUnknownStaticFields, true);
  assert.equal(o.logLevel, 'warning');
  assert.deepEqual(o.componentLogLevels, [['misc', 'error']]);
  assert.equal(o.concurrency, 2);
  assert.deepEqual(warnings, ['--concurrency 2: tsenvoy runs 1 event loop; extra workers are not started']);
});

test("pilot-agent's command line with Istio's --log-format (escaped or real tabs)", () => {
  for (const fmt of ['%Y-%m-%dT%T.%fZ\\t%l\\tenvoy %n %g:%#\\t%v\\tthread=%t', '%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t']) {
    const { options, warnings } = run([...PILOT_AGENT.slice(0, 12), '--log-format', fmt, ...PILOT_AGENT.slice(12)]);
    assert.equal(options.logFormat, fmt);
    assert.equal(options.logLevel, 'warning');
    assert.ok(warnings.some((w) => w.startsWith('--log-format:') && w.includes('%g (source file)') && w.includes('%# (source line)')));
  }
});

test('-l warn is warning; = and space forms mix', () => {
  assert.equal(run(['-l', 'warn']).options.logLevel, 'warning');
  assert.equal(run(['-l=critical']).options.logLevel, 'critical');
  assert.equal(run(['--log-level=off', '--drain-time-s', '0']).options.logLevel, 'off');
  assert.equal(run(['--component-log-level', 'http:warn']).options.componentLogLevels[0][1], 'warning');
});

test('a value is always the next argument, even starting with -', () => {
  assert.equal(run(['--service-node', '-odd-']).options.serviceNode, '-odd-');
  assert.equal(run(['--config-yaml=a=b']).options.configYaml, 'a=b');
});

test('--concurrency 0 runs one, like Envoy', () => {
  const { options, warnings } = run(['--concurrency', '0']);
  assert.equal(options.concurrency, 1);
  assert.deepEqual(warnings, []);
  assert.deepEqual(run(['--concurrency', '1']).warnings, []);
});

test('-- ends parsing', () => {
  assert.equal(run(['-l', 'debug', '--', '--nonsense', 'x']).options.logLevel, 'debug');
});

test('unknown flags and stray arguments are errors that say what to do', () => {
  assert.equal(error(['--foo']), "unknown flag --foo; run 'tsenvoy --help' for the list");
  assert.equal(error(['--foo=1']), "unknown flag --foo; run 'tsenvoy --help' for the list");
  assert.equal(error(['-x']), "unknown flag -x; run 'tsenvoy --help' for the list");
  assert.match(error(['-lwarning']), /unknown flag -lwarning/);
  assert.match(error(['serve']), /unexpected argument 'serve'.*tsenvoy --help/);
});

test('bad values name the flag and the accepted values', () => {
  assert.equal(error(['--mode', 'run']), "invalid value 'run' for --mode: expected serve, validate or init_only");
  assert.match(error(['-l', 'loud']), /invalid value 'loud' for --log-level: expected trace, debug, info, warning \(or warn\), error, critical or off/);
  assert.match(error(['--local-address-ip-version', 'v5']), /'v5' for --local-address-ip-version: expected v4 or v6/);
  assert.match(error(['--drain-strategy', 'fast']), /'fast' for --drain-strategy: expected gradual or immediate/);
  for (const bad of ['abc', '-1', '1.5', '4294967296', '']) {
    assert.match(error(['--drain-time-s', bad]), /for --drain-time-s: expected a whole number from 0 to 4294967295/, bad);
  }
  assert.equal(run(['--drain-time-s', '4294967295']).options.drainTimeS, 4294967295);
  assert.match(error(['--component-log-level', 'misc']), /invalid item 'misc' in --component-log-level: expected name:level/);
  assert.match(error(['--component-log-level', 'misc:loud']), /invalid level 'loud' in --component-log-level/);
  assert.match(error(['--component-log-level', 'nope:debug']), /unknown component 'nope' in --component-log-level/);
  assert.match(error(['--max-obj-name-len', '59']), /--max-obj-name-len: the minimum is 60/);
  assert.match(error(['--socket-path', '/tmp/s', '--socket-mode', '9']), /'9' for --socket-mode: expected an octal mode/);
  assert.match(error(['--stats-tag', 'novalue']), /--stats-tag: expected tag:value/);
  assert.match(error(['--stats-tag', 'a-b:c']), /--stats-tag: the tag name/);
  assert.match(error(['--stats-tag', 'a:b.c']), /--stats-tag: the value may not contain/);
  assert.match(error(['--restart-epoch', '1', '--use-dynamic-base-id']), /--restart-epoch 1 cannot be used with --use-dynamic-base-id/);
});

test('missing values, switch values and repeats are errors', () => {
  assert.equal(error(['-c']), "flag --config-path needs a value; run 'tsenvoy --help' for the list");
  assert.equal(error(['--disable-hot-restart=true']), "flag --disable-hot-restart takes no value (remove '=true')");
  assert.match(error(['-l', 'info', '--log-level', 'debug']), /flag --log-level is given more than once/);
  assert.match(error(['--disable-hot-restart', '--disable-hot-restart']), /--disable-hot-restart is given more than once/);
});

test('--help lists every flag with its default', () => {
  const r = parseCommandLine(['--concurrency', '2', '--help']);
  assert.equal(r.kind, 'print');
  const { text, stream } = r as Extract<CommandLine, { kind: 'print' }>;
  assert.equal(stream, 'stdout');
  const blocks = new Map<string, string>();
  let current = '';
  for (const line of text.split('\n')) {
    const header = /^  (?:-\w, |    )--([\w-]+)/.exec(line);
    if (header) blocks.set((current = header[1]), '');
    else if (current) blocks.set(current, blocks.get(current) + line + '\n');
  }
  assert.deepEqual([...blocks.keys()], FLAGS.map((f) => f.name));
  for (const f of FLAGS) {
    const block = blocks.get(f.name)!;
    assert.match(block, /\n          default: \S/, `--${f.name} has no default in help`);
    if (f.defaultText) assert.ok(block.includes(`default: ${f.defaultText}\n`), `--${f.name} default`);
  }
  assert.ok(text.includes('-c, --config-path <string>'));
  assert.ok(text.includes('--drain-time-s <uint32>\n          Hot restart and listener removal drain time in seconds\n          default: 600'));
  assert.ok(text.includes('--log-json'));
  assert.ok(text.includes('names: admin, alternate_protocols_cache,'));
  assert.equal(parseCommandLine(['-h']).kind, 'print');
  // --help wins over what follows it, as TCLAP stops there.
  assert.equal(parseCommandLine(['--help', '--nonsense']).kind, 'print');
});

test('--version prints an Envoy-style version line', () => {
  const r = parseCommandLine(['--version']) as Extract<CommandLine, { kind: 'print' }>;
  assert.equal(r.kind, 'print');
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const escaped = pkg.version.replace(/\./g, '\\.');
  assert.match(r.text, new RegExp(`^\\ntsenvoy  version: [0-9a-f]+/${escaped}/Clean/RELEASE/node-\\d+\\.\\d+\\.\\d+\\n\\n$`));
  assert.equal(r.text, `\ntsenvoy  version: ${versionString()}\n\n`);
});

test('--hot-restart-version prints "disabled" on stderr', () => {
  assert.deepEqual(parseCommandLine(['--hot-restart-version']), { kind: 'print', text: 'disabled', stream: 'stderr' });
  assert.equal(parseCommandLine(['--hot-restart-version', '--mode', 'bad']).kind, 'error');
});

test('warnings name each flag that cannot be honoured, once', () => {
  const { warnings } = run([
    '--restart-epoch', '1', '--base-id', '2', '--parent-shutdown-time-s', '5', '--enable-mutex-tracing',
    '--cpuset-threads', '--max-obj-name-len', '189', '--allow-unknown-fields', '--log-format', '[%g:%#] %v %Q',
  ]);
  for (const flag of ['--restart-epoch', '--base-id', '--parent-shutdown-time-s', '--enable-mutex-tracing',
    '--cpuset-threads', '--max-obj-name-len', '--allow-unknown-fields', '--log-format']) {
    assert.equal(warnings.filter((w) => w.startsWith(flag + ' ') || w.startsWith(flag + ':')).length, 1, flag);
  }
  assert.ok(warnings.some((w) => w.includes('%Q (unknown flag, printed as is)')));
  assert.deepEqual(run(['--log-json', '--log-format', '%v']).warnings, ['--log-format: ignored with --log-json']);
  assert.deepEqual(run(['--log-format', '[%Y-%m-%d %T.%e][%t][%l][%n] %v']).warnings, []);
  assert.deepEqual(run(['--disable-hot-restart', '--drain-time-s', '5']).warnings, []);
});

test('command_line_options renders every field as Envoy does', () => {
  const o = run([]).options;
  assert.deepEqual(commandLineOptionsJson(o), {
    base_id: '0',
    use_dynamic_base_id: false,
    skip_hot_restart_on_no_parent: false,
    skip_hot_restart_parent_stats: false,
    base_id_path: '',
    concurrency: o.concurrency,
    config_path: '',
    config_yaml: '',
    allow_unknown_static_fields: false,
    reject_unknown_dynamic_fields: false,
    ignore_unknown_dynamic_fields: false,
    skip_deprecated_logs: false,
    admin_address_path: '',
    local_address_ip_version: 'v4',
    log_level: 'info',
    component_log_level: '',
    log_format: DEFAULT_LOG_FORMAT,
    log_format_escaped: false,
    log_path: '',
    service_cluster: '',
    service_node: '',
    service_zone: '',
    file_flush_interval: '10s',
    drain_time: '600s',
    drain_strategy: 'Gradual',
    parent_shutdown_time: '900s',
    mode: 'Serve',
    disable_hot_restart: false,
    enable_mutex_tracing: false,
    restart_epoch: 0,
    cpuset_threads: false,
    disabled_extensions: [],
    enable_fine_grain_logging: false,
    socket_path: '@envoy_domain_socket',
    socket_mode: 0,
    enable_core_dump: false,
    stats_tag: [],
  });
});

test("command_line_options for pilot-agent's line and other values", () => {
  const j = commandLineOptionsJson(run(PILOT_AGENT).options);
  assert.equal(j.config_path, 'etc/istio/proxy/envoy-rev.json');
  assert.equal(j.drain_time, '45s');
  assert.equal(j.drain_strategy, 'Immediate');
  assert.equal(j.file_flush_interval, '1s');
  assert.equal(j.log_level, 'warning');
  assert.equal(j.component_log_level, 'misc:error');
  assert.equal(j.concurrency, 2);
  assert.equal(j.disable_hot_restart, true);
  assert.equal(j.allow_unknown_static_fields, true);
  const k = commandLineOptionsJson(run([
    '--mode', 'init_only', '--file-flush-interval-msec', '1500', '--base-id', '4294967295', '--local-address-ip-version', 'v6',
    '-l', 'warn', '--stats-tag', 'a:b', '--socket-path', '/s', '--disable-extensions', 'x/y',
  ]).options);
  assert.equal(k.mode, 'InitOnly');
  assert.equal(k.file_flush_interval, '1.500s');
  assert.equal(k.base_id, '4294967295');
  assert.equal(k.local_address_ip_version, 'v6');
  assert.equal(k.log_level, 'warning');
  assert.deepEqual(k.stats_tag, ['a:b']);
  assert.equal(k.socket_mode, 384);
  assert.deepEqual(k.disabled_extensions, ['x/y']);
  assert.equal(commandLineOptionsJson(run(['--mode', 'validate']).options).mode, 'Validate');
  // The admin API prints it with JSON.stringify: the 64-bit field stays a string.
  assert.match(JSON.stringify(k), /"base_id":"4294967295"/);
});

test('loggingConfig carries the logging flags', () => {
  const o = run(['-l', 'debug', '--component-log-level', 'misc:error', '--log-format', '%v', '--log-format-escaped',
    '--log-json', '--log-path', '/tmp/l']).options;
  assert.deepEqual(loggingConfig(o), {
    level: 'debug', componentLevels: [['misc', 'error']], format: '%v', escaped: true, json: true, path: '/tmp/l',
  });
});
