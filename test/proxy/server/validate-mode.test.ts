// `tsenvoy --mode validate` as Envoy: "configuration '<path>' OK" and exit 0, or every error and exit 1.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../proxy/common/package-root';
import { runTsenvoy, tempDir } from '../../support/proxy-process';

const GOLDEN_DIR = path.join(packageRoot(), '..', 'shared', 'fixtures', 'istio', 'bootstrap');
const goldens = fs.existsSync(GOLDEN_DIR) ? fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('_golden.json')) : [];

test("Istio's golden bootstraps (real pilot-agent output) validate OK", { skip: goldens.length ? false : `no ${GOLDEN_DIR}` }, () => {
  assert.ok(goldens.length >= 6);
  for (const g of goldens) {
    const file = path.join(GOLDEN_DIR, g);
    const r = runTsenvoy(['--mode', 'validate', '--allow-unknown-static-fields', '-c', file]);
    assert.equal(r.stdout, `configuration '${file}' OK\n`, `${g}: ${r.stderr}`);
    assert.equal(r.status, 0);
  }
});

test('with pilot-agent\'s whole command line too', { skip: goldens.length ? false : 'no goldens' }, () => {
  const file = path.join(GOLDEN_DIR, 'default_golden.json');
  const r = runTsenvoy(['-c', file, '--drain-time-s', '45', '--drain-strategy', 'immediate', '--local-address-ip-version', 'v4',
    '--file-flush-interval-msec', '1000', '--disable-hot-restart', '--allow-unknown-static-fields', '-l', 'warning',
    '--component-log-level', 'misc:error', '--concurrency', '2', '--mode', 'validate']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `configuration '${file}' OK\n`);
});

test('a misspelt field fails naming its path; every error is printed', () => {
  const dir = tempDir('tsenvoy-validate-');
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, [
    'static_resources:',
    '  clusters:',
    '  - name: a',
    '    conect_timeout: 1s',
    '  - name: b',
    '    lb_policy: ROUND_ROBBIN',
    '  listeners:',
    '  - name: l',
    '    address: {socket_address: {address: 127.0.0.1, port_value: 1}}',
    '    filter_chains:',
    '    - filters:',
    '      - name: x',
    '        typed_config: {"@type": type.googleapis.com/my.Unknown}',
  ].join('\n'));
  const r = runTsenvoy(['--mode', 'validate', '-c', file]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`configuration '${file.replace(/[.]/g, '\\.')}' is invalid`));
  assert.match(r.stderr, /static_resources\.clusters\[0\]\.conect_timeout: unknown field/);
  assert.match(r.stderr, /static_resources\.clusters\[1\]\.lb_policy: unknown value "ROUND_ROBBIN"/);
});

test('an unknown extension type is rejected unless the http filter is optional', () => {
  const dir = tempDir('tsenvoy-validate-');
  const mk = (optional: boolean): string => {
    const file = path.join(dir, `ext-${optional}.yaml`);
    fs.writeFileSync(file, `
static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 127.0.0.1, port_value: 1}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: x
          route_config: {name: r}
          http_filters:
          - name: my.filter
            is_optional: ${optional}
            typed_config: {"@type": type.googleapis.com/my.company.Filter}
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`);
    return file;
  };
  const bad = runTsenvoy(['--mode', 'validate', '-c', mk(false)]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[0\]\.typed_config: didn't find a registered implementation for type URL 'my\.company\.Filter' \(http filter\)/);
  const ok = runTsenvoy(['--mode', 'validate', '-c', mk(true)]);
  assert.equal(ok.status, 0, ok.stderr);
});

test('unknown flags and missing files are clear errors', () => {
  const r = runTsenvoy(['--frobnicate']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown flag --frobnicate; run 'tsenvoy --help'/);
  const m = runTsenvoy(['--mode', 'validate', '-c', '/nonexistent/x.yaml']);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /\/nonexistent\/x\.yaml does not exist; check the path given to -c/);
});
