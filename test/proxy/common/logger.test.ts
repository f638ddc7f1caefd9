import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  createLogRegistry, getLogger, configureLogging, logRegistry, handleLogging, listLoggers, LOGGER_IDS,
  parseCliLogLevel, parseAdminLogLevel, compileLogFormat, type LogRegistry,
} from '../../../proxy/common/logger';
import { toPinoLevel, fromPinoLevel, ENVOY_LOG_LEVELS } from '../../../proxy/common/logger-levels';
import { escapeLogLine } from '../../../proxy/common/logger-format';
import type { LogDestination } from '../../../proxy/common/logger-destination';

function memory(): LogDestination & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (l) => void lines.push(l), reopen() {}, close() {} };
}

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-log-')), 'envoy.log');
}

const TEXT_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[(\d+)\]\[(\w+)\]\[(\w+)\] (.*)\n$/;

test("logger names follow Envoy's logger.h", () => {
  assert.equal(new Set(LOGGER_IDS).size, LOGGER_IDS.length);
  for (const id of ['admin', 'config', 'connection', 'conn_handler', 'filter', 'forward_proxy', 'grpc', 'hc',
    'health_checker', 'http', 'http2', 'init', 'io', 'jwt', 'lua', 'main', 'misc', 'pool', 'router', 'runtime',
    'secret', 'testing', 'tracing', 'upstream']) {
    assert.ok((LOGGER_IDS as readonly string[]).includes(id), id);
  }
  assert.deepEqual(LOGGER_IDS.slice(0, 4), ['admin', 'alternate_protocols_cache', 'aws', 'assert']);
  // Envoy's order, not alphabetical.
  assert.ok(LOGGER_IDS.indexOf('rocketmq') < LOGGER_IDS.indexOf('file'));
  assert.ok(LOGGER_IDS.indexOf('pool') > LOGGER_IDS.indexOf('quic_stream'));
});

test('level names map between Envoy and pino', () => {
  assert.deepEqual(ENVOY_LOG_LEVELS, ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off']);
  assert.deepEqual(ENVOY_LOG_LEVELS.map(toPinoLevel), ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
  for (const l of ENVOY_LOG_LEVELS) assert.equal(fromPinoLevel(toPinoLevel(l)), l);
  assert.equal(parseCliLogLevel('warn'), 'warning');
  assert.equal(parseAdminLogLevel('warn'), undefined);
  assert.equal(parseAdminLogLevel('warning'), 'warning');
  assert.equal(parseCliLogLevel('fatal'), undefined);
});

test("text lines in Envoy's default format, written to a real file", () => {
  const file = tmpFile();
  const reg = createLogRegistry({ path: file });
  reg.logger('main').info('hello %s', 'world');
  reg.logger('upstream').warn({ host: '10.0.0.1' }, 'ejected');
  reg.logger('router').error(new Error('boom'));
  reg.logger('config').fatal('bye');
  reg.close();
  const lines = fs.readFileSync(file, 'utf8').split(/(?<=\n)/);
  assert.equal(lines.length, 4);
  const parsed = lines.map((l) => TEXT_LINE.exec(l));
  assert.ok(parsed.every((m) => m !== null), lines.join(''));
  assert.deepEqual(parsed.map((m) => m!.slice(1)), [
    [String(process.pid), 'info', 'main', 'hello world'],
    [String(process.pid), 'warning', 'upstream', 'ejected {"host":"10.0.0.1"}'],
    [String(process.pid), 'error', 'router', 'Error: boom'],
    [String(process.pid), 'critical', 'config', 'bye'],
  ]);
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  assert.ok(lines[0].startsWith(`[${today} `), 'local date');
});

test('JSON lines with json: true, written to a real file', () => {
  const file = tmpFile();
  const reg = createLogRegistry({ path: file, json: true, level: 'trace' });
  reg.logger('http').warn({ stream: 7 }, 'reset %d', 3);
  reg.logger('main').trace('t');
  reg.logger('main').fatal('f');
  reg.close();
  const objs = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objs.length, 3);
  assert.equal(objs[0].level, 'warning');
  assert.equal(objs[0].logger, 'http');
  assert.equal(objs[0].msg, 'reset 3');
  assert.equal(objs[0].stream, 7);
  assert.equal(objs[0].pid, process.pid);
  assert.match(String(objs[0].time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(objs.map((o) => o.level), ['warning', 'trace', 'critical']);
});

test('text goes to stderr by default (a real child process)', () => {
  const mod = require.resolve('../../../proxy/common/logger');
  const script = `const l = require(${JSON.stringify(mod)}); l.getLogger('main').info('starting'); ` +
    `l.getLogger('main').debug('hidden'); l.configureLogging({ json: true }); l.getLogger('hc').error('json here');`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split(/(?<=\n)/);
  assert.equal(lines.length, 2, r.stderr);
  const m = TEXT_LINE.exec(lines[0]);
  assert.ok(m, lines[0]);
  assert.deepEqual(m.slice(1), [String(r.pid), 'info', 'main', 'starting']);
  assert.deepEqual(
    (({ level, logger, msg, pid }) => ({ level, logger, msg, pid }))(JSON.parse(lines[1]) as Record<string, unknown>),
    { level: 'error', logger: 'hc', msg: 'json here', pid: r.pid },
  );
});

test('a disabled level is a shared no-op: it evaluates and writes nothing', () => {
  const out = memory();
  const reg = createLogRegistry({ destination: out });
  const log = reg.logger('router');
  const poison = {
    toString(): string { throw new Error('toString called'); },
    toJSON(): unknown { throw new Error('toJSON called'); },
    get field(): unknown { throw new Error('getter called'); },
  };
  log.debug(poison);
  log.debug('route %s', poison);
  log.trace(poison, 'x');
  assert.deepEqual(out.lines, []);
  assert.equal(log.debug, log.trace, 'both disabled levels are the same no-op function');
  assert.notEqual(log.info, log.debug);
  reg.setLevel('router', 'debug');
  log.debug('now %s', 'on');
  assert.equal(out.lines.length, 1);
  assert.match(out.lines[0], /\[debug\]\[router\] now on\n$/);
  reg.setLevel('router', 'off');
  log.fatal(poison);
  log.error(poison);
  assert.equal(out.lines.length, 1);
  assert.equal(log.fatal, log.trace);
});

test('-l sets all loggers and --component-log-level overrides some', () => {
  const out = memory();
  const reg = createLogRegistry({ destination: out, level: 'warning', componentLevels: [['misc', 'error'], ['http', 'trace']] });
  const levels = new Map(reg.entries());
  assert.equal(levels.size, LOGGER_IDS.length);
  assert.equal(levels.get('misc'), 'error');
  assert.equal(levels.get('http'), 'trace');
  for (const [id, l] of levels) if (id !== 'misc' && id !== 'http') assert.equal(l, 'warning', id);
  reg.logger('main').info('dropped');
  reg.logger('misc').warn('dropped');
  reg.logger('http').trace('kept');
  reg.logger('main').warn('kept too');
  assert.equal(out.lines.length, 2);
  assert.match(out.lines[0], /\[trace\]\[http\] kept\n$/);
  assert.match(out.lines[1], /\[warning\]\[main\] kept too\n$/);
});

test('loggers keep their identity across configure; the process-wide registry is one', () => {
  const a = getLogger('upstream');
  const out = memory();
  configureLogging({ destination: out, level: 'debug' });
  assert.equal(getLogger('upstream'), a);
  a.debug('after configure');
  assert.equal(out.lines.length, 1);
  assert.equal(logRegistry().level('upstream'), 'debug');
  configureLogging({ destination: memory() });
});

function body(lines: Array<[string, string]>): string {
  return `active loggers:\n${lines.map(([n, l]) => `  ${n}: ${l}\n`).join('')}\n`;
}

function expectedList(reg: LogRegistry): string {
  return body(reg.entries().map(([n, l]) => [n, l]));
}

test("/logging lists loggers in Envoy's format", () => {
  const reg = createLogRegistry({ destination: memory(), componentLevels: [['misc', 'error']] });
  const list = listLoggers(reg);
  assert.ok(list.startsWith('active loggers:\n  admin: info\n  alternate_protocols_cache: info\n'));
  assert.ok(list.includes('\n  misc: error\n'));
  assert.ok(list.endsWith('  golang: info\n\n'));
  assert.equal(list.split('\n').length, LOGGER_IDS.length + 3);
  assert.deepEqual(handleLogging(reg, []), { status: 200, body: list });
});

test('/logging?level= sets all, ?name= one, ?paths= several', () => {
  const out = memory();
  const reg = createLogRegistry({ destination: out });
  let r = handleLogging(reg, [['level', 'debug']]);
  assert.equal(r.status, 200);
  assert.ok(reg.entries().every(([, l]) => l === 'debug'));
  assert.equal(r.body, expectedList(reg));
  assert.match(out.lines.at(-1)!, /\[info\]\[admin\] change all log levels: level='debug'\n$/);

  r = handleLogging(reg, [['upstream', 'trace']]);
  assert.equal(r.status, 200);
  assert.equal(reg.level('upstream'), 'trace');
  assert.equal(reg.level('router'), 'debug');
  assert.match(out.lines.at(-1)!, /change log level: name='upstream' level='trace'/);

  r = handleLogging(reg, [['paths', 'router:critical,http:off,,']]);
  assert.equal(r.status, 200, r.body);
  assert.equal(reg.level('router'), 'critical');
  assert.equal(reg.level('http'), 'off');
  assert.ok(r.body.includes('\n  router: critical\n') && r.body.includes('\n  http: off\n'));
  const before = out.lines.length;
  reg.logger('http').error('silenced');
  assert.equal(out.lines.length, before);
});

test("/logging bad input: 400 with Envoy's error, usage, and the list; nothing changes", () => {
  const reg = createLogRegistry({ destination: memory() });
  const usage = (err: string): string =>
    `error: ${err}\n\n` +
    'usage: /logging?<name>=<level> (change single level)\n' +
    'usage: /logging?paths=name1:level1,name2:level2,... (change multiple levels)\n' +
    'usage: /logging?level=<level> (change all levels)\n' +
    'levels: trace debug info warning error critical off \n';
  const cases: Array<[Array<[string, string]>, string]> = [
    [[['level', 'loud']], 'unknown logger level'],
    [[['level', 'warn']], 'unknown logger level'],
    [[['nope', 'debug']], 'unknown logger name'],
    [[['main', 'debug'], ['misc', 'info']], 'invalid number of parameters'],
    [[['paths', 'main:debug,nope:info']], 'unknown logger name'],
    [[['paths', 'main:']], 'empty logger name or empty logger level'],
    [[['paths', ':debug']], 'empty logger name or empty logger level'],
    [[['paths', 'main:verbose']], 'unknown logger level'],
  ];
  for (const [params, err] of cases) {
    const r = handleLogging(reg, params);
    assert.equal(r.status, 400, JSON.stringify(params));
    assert.equal(r.body, usage(err) + expectedList(reg), JSON.stringify(params));
  }
  assert.ok(reg.entries().every(([, l]) => l === 'info'), 'a rejected change changes nothing');
});

test('spdlog patterns: flags, padding, literals, unsupported flags', () => {
  const t = new Date(2024, 0, 2, 15, 4, 5, 678).getTime();
  const f = compileLogFormat('%Y-%m-%d %H:%M:%S.%e|%T|%f|%-9l|%5n|%=7L|%L|%j|%%|%^%v%$|%Q|%g:%#|%t|%P|%E|%p %I|%a %b');
  assert.deepEqual(f.unsupported, ['%Q (unknown flag, printed as is)', '%g (source file)', '%# (source line)']);
  const line = f.format(t, 'warning', 'main', 'say "hi"\n');
  const pid = process.pid;
  assert.equal(line,
    `2024-01-02 15:04:05.678|15:04:05|678000|warning  | main|   W   |W|say \\"hi\\"\\n|%|say "hi"\n|%Q|:|${pid}|${pid}|` +
    `${Math.floor(t / 1000)}|PM 03|Tue Jan\n`);
  assert.equal(compileLogFormat('%5!v|%v').format(t, 'info', 'x', 'abcdefg'), 'abcde|abcdefg\n');
  assert.equal(compileLogFormat('100%').format(t, 'info', 'x', ''), '100%\n');
  assert.equal(compileLogFormat('%_').format(t, 'info', 'x', 'a\nb'), 'a\\nb\n');
});

test('--log-format-escaped escapes the line but keeps the newline', () => {
  assert.equal(escapeLogLine('a\tb\n"c"\\\x01  \n'), 'a\\tb\\n\\"c\\"\\\\\\001  \n');
  const out = memory();
  const reg = createLogRegistry({ destination: out, format: '%v', escaped: true });
  reg.logger('main').info('line1\nline2\t');
  assert.deepEqual(out.lines, ['line1\\nline2\t\n']);
});

test('Istio-style --log-format', () => {
  const out = memory();
  const reg = createLogRegistry({ destination: out, format: '%Y-%m-%dT%T.%fZ\t%l\tenvoy %n %g:%#\t%v\tthread=%t', level: 'warning' });
  reg.logger('config').warn('gRPC config stream closed');
  assert.equal(out.lines.length, 1);
  assert.match(out.lines[0], new RegExp(
    `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\\twarning\\tenvoy config :\\tgRPC config stream closed\\tthread=${process.pid}\\n$`));
});

test('reopen() follows log rotation', () => {
  const file = tmpFile();
  const reg = createLogRegistry({ path: file, format: '%v' });
  reg.logger('main').info('one');
  fs.renameSync(file, file + '.1');
  reg.logger('main').info('two');
  reg.reopen();
  reg.logger('main').info('three');
  reg.close();
  assert.equal(fs.readFileSync(file + '.1', 'utf8'), 'one\ntwo\n');
  assert.equal(fs.readFileSync(file, 'utf8'), 'three\n');
});

test('an unopenable --log-path fails with the path in the message and keeps the old destination', () => {
  const out = memory();
  const reg = createLogRegistry({ destination: out, format: '%v' });
  assert.throws(() => reg.configure({ path: '/nonexistent-dir/x/envoy.log' }), /cannot open log file \/nonexistent-dir\/x\/envoy\.log/);
  reg.logger('main').info('still here');
  assert.deepEqual(out.lines, ['still here\n']);
});
