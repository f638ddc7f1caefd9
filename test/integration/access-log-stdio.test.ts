// The stdout and stderr access loggers on the real process: each line lands on its own stream,
// in the configured log_format (text on stdout, JSON on stderr), and the HCM's default format
// applies when none is given.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../proxy/listener/harness';
import { httpRequest, RUN_TSENVOY, tempDir } from '../support/proxy-process';

const STDOUT = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
const STDERR = 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

let upstream: http.Server;
let child: ChildProcess;
let port = 0;
let stdout = '';
let stderr = '';

before(async () => {
  upstream = http.createServer((_q, r) => r.end('up'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as net.AddressInfo).port;
  port = await freePort();
  const hcm = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    stat_prefix: 'in',
    access_log: [
      { name: 'envoy.access_loggers.stdout', typed_config: { '@type': STDOUT, log_format: { text_format_source: { inline_string: 'OUT %REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER%\n' } } } },
      { name: 'envoy.access_loggers.stderr', typed_config: { '@type': STDERR, log_format: { json_format: { code: '%RESPONSE_CODE%', path: '%REQ(:PATH)%', flags: '%RESPONSE_FLAGS%' } } } },
      { name: 'envoy.access_loggers.stdout', typed_config: { '@type': STDOUT } },
    ],
    route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/up' }, route: { cluster: 'up' } }] }] },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
  };
  const bootstrap = {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{ name: 'l', address: { socket_address: { address: '127.0.0.1', port_value: port } }, filter_chains: [{ filters: [{ name: 'hcm', typed_config: hcm }] }] }],
      clusters: [{ name: 'up', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'up', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upPort } } } }] }] } }],
    },
  };
  const dir = tempDir('tsenvoy-stdio-');
  const cfg = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(cfg, JSON.stringify(bootstrap));
  // Warning level keeps tsenvoy's own log lines (stderr) out of the way of the access-log lines.
  child = spawn(process.execPath, [RUN_TSENVOY, '-c', cfg, '-l', 'warning', '--file-flush-interval-msec', '50'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  for (let i = 0; i < 200; i++) {
    const ok = await httpRequest(`127.0.0.1:${port}`, 'GET', '/up').then(() => true, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 25));
  }
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  upstream?.close();
});

async function waitFor(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), `${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
}

test('stdout gets the text format and the default format; stderr gets JSON', async () => {
  const ok = await httpRequest(`127.0.0.1:${port}`, 'GET', '/up?x=1');
  assert.equal(ok.status, 200);
  const nr = await httpRequest(`127.0.0.1:${port}`, 'GET', '/nowhere');
  assert.equal(nr.status, 404);
  await waitFor('stdout text lines', () => stdout.includes('OUT GET /nowhere 404 NR -'));
  assert.match(stdout, /^OUT GET \/up\?x=1 200 - up$/m);
  // Envoy's default format: [START_TIME] "METHOD PATH PROTOCOL" CODE FLAGS ...
  await waitFor('stdout default-format line', () => /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "GET \/nowhere HTTP\/1\.1" 404 NR /m.test(stdout));
  await waitFor('stderr JSON lines', () => stderr.includes('"/nowhere"'));
  const json = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(json.find((j) => j.path === '/nowhere'), { code: 404, path: '/nowhere', flags: 'NR' });
  assert.ok(!stderr.includes('OUT GET'), 'text lines stay on stdout');
  assert.ok(!/^\{/m.test(stdout), 'JSON lines stay on stderr');
});
