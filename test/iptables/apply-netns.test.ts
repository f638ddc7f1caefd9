// Real iptables in a throwaway network namespace: apply, re-apply (no duplicates), refuse drift,
// reconcile, clean up; REDIRECT and TPROXY (mangle + ip rule/route); and --network-namespace from
// outside. Needs root plus iptables and iproute2; outside CI it skips with a reason, in CI it fails.
// The host's own rules are read before and after, and must not change.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../../proxy/common/package-root';
import { findExecutable } from '../../iptables/apply/runner';

const NS = `tsenvoy-ipt-${process.pid}`;
const ROOT = packageRoot();
const CLI_JS = path.resolve(__dirname, '..', '..', 'iptables', 'cli.js');
const VIA_BIN = CLI_JS === path.join(ROOT, 'dist', 'iptables', 'cli.js');

function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'not running as root (network namespaces and iptables need it)';
  for (const tool of ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables-restore', 'ip', 'nsenter']) {
    if (!findExecutable(tool)) return `${tool} is not installed (apt-get install -y iptables iproute2 util-linux)`;
  }
  return undefined;
}
const missing = missingPrerequisite();
if (missing && process.env.CI) throw new Error(`apply-netns: ${missing}; CI must run these tests as root with iptables and iproute2 installed`);
const SKIP = missing ? `skipped: ${missing}` : false;

function sh(cmd: string, args: string[], stdin?: string) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: stdin });
  return { code: r.status ?? 1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Runs the CLI: the bin launcher when testing dist/, otherwise the compiled cli.js next to this test. */
function cli(args: string[], inNamespace = true) {
  const node = process.execPath;
  const launch = VIA_BIN
    ? [node, path.join(ROOT, 'bin', 'tsenvoy-iptables.js'), ...args]
    : [node, '-e', 'process.exitCode = require(process.argv[1]).main(process.argv.slice(2))', '--', CLI_JS, ...args];
  return inNamespace ? sh('ip', ['netns', 'exec', NS, ...launch]) : sh(launch[0], launch.slice(1));
}

function nsSave(v6 = false): string {
  const r = sh('ip', ['netns', 'exec', NS, v6 ? 'ip6tables-save' : 'iptables-save']);
  assert.equal(r.code, 0, r.err);
  return r.out.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

function hostSave(): string {
  return sh('iptables-save', []).out.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

const ruleLines = (save: string) => save.split('\n').filter((l) => l.startsWith('-A '));
const chains = (save: string) => save.split('\n').filter((l) => l.startsWith(':ISTIO_')).map((l) => l.split(' ')[0].slice(1));

const REDIRECT_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-g', '1337', '-m', 'REDIRECT', '-i', '*', '-b', '*',
  '-d', '15020,15021,15090', '-o', '15020', '--redirect-dns', '--dns-servers', '127.0.0.53', '--enable-ipv6=true'];
const TPROXY_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-g', '1337', '-m', 'TPROXY', '-i', '*', '-b', '*', '--enable-ipv6=true'];

let hostBefore = '';

before(() => {
  if (SKIP) return;
  hostBefore = hostSave();
  const add = sh('ip', ['netns', 'add', NS]);
  assert.equal(add.code, 0, add.err);
  sh('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
});

after(() => {
  if (SKIP) return;
  sh('ip', ['netns', 'del', NS]);
  assert.equal(hostSave(), hostBefore, 'the host namespace iptables rules changed');
});

test('REDIRECT: apply, re-apply without duplicates, cleanup', { skip: SKIP }, () => {
  const first = cli(REDIRECT_ARGS);
  assert.equal(first.code, 0, first.err);
  const v4 = nsSave();
  const v6 = nsSave(true);
  assert.deepEqual(chains(v4).sort(), ['ISTIO_INBOUND', 'ISTIO_INBOUND', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT', 'ISTIO_OUTPUT_DNS', 'ISTIO_OUTPUT_DNS', 'ISTIO_REDIRECT'].sort());
  assert.ok(v4.includes('-A PREROUTING -p tcp -j ISTIO_INBOUND'));
  assert.ok(v4.includes('-A OUTPUT -j ISTIO_OUTPUT'));
  assert.ok(v4.includes('-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001'));
  assert.ok(v6.includes('-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006'));

  const again = cli(REDIRECT_ARGS);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /IPv4: unchanged/);
  assert.deepEqual(ruleLines(nsSave()), ruleLines(v4), 'a re-run changed or duplicated rules');
  assert.deepEqual(ruleLines(nsSave(true)), ruleLines(v6));

  const clean = cli(['--cleanup-only']);
  assert.equal(clean.code, 0, clean.err);
  assert.doesNotMatch(nsSave(), /ISTIO/);
  assert.doesNotMatch(nsSave(true), /ISTIO/);
});

test('drift is refused with advice, and --reconcile replaces it in place', { skip: SKIP }, () => {
  assert.equal(cli(REDIRECT_ARGS).code, 0);
  const narrower = ['-b', '8080', '-i', '10.0.0.0/8', '--enable-ipv6=false'];
  const refused = cli(narrower);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /differ from the requested rules; rerun with --reconcile/);
  const replaced = cli([...narrower, '--reconcile']);
  assert.equal(replaced.code, 0, replaced.err);
  const v4 = nsSave();
  assert.ok(v4.includes('-A ISTIO_OUTPUT -d 10.0.0.0/8 -j ISTIO_REDIRECT'));
  assert.doesNotMatch(v4, /ISTIO_OUTPUT_DNS/);
  assert.equal(ruleLines(v4).filter((l) => l === '-A OUTPUT -j ISTIO_OUTPUT').length, 1);
  assert.equal(cli(['--cleanup-only']).code, 0);
  assert.doesNotMatch(nsSave() + nsSave(true), /ISTIO/);
});

test('TPROXY: mangle chains, ip rule and route; idempotent; cleanup removes them', { skip: SKIP }, () => {
  const first = cli(TPROXY_ARGS);
  assert.equal(first.code, 0, first.err);
  const v4 = nsSave();
  assert.match(v4, /\*mangle[\s\S]*:ISTIO_DIVERT[\s\S]*:ISTIO_TPROXY/);
  assert.match(v4, /-A ISTIO_TPROXY ! -d 127\.0\.0\.1\/32 -p tcp -j TPROXY --on-port 15006 .*--tproxy-mark 0x539\/0xffffffff/);
  assert.match(nsSave(true), /-A ISTIO_TPROXY ! -d ::1\/128 -p tcp -j TPROXY/);
  const rules = () => sh('ip', ['-n', NS, '-4', 'rule', 'show']).out.split('\n').filter((l) => /fwmark 0x539 lookup 133/.test(l));
  assert.equal(rules().length, 1);
  assert.match(sh('ip', ['-n', NS, '-4', 'route', 'show', 'table', '133']).out, /^local default dev lo/m);
  assert.match(sh('ip', ['-n', NS, '-6', 'route', 'show', 'table', '133']).out, /^local default dev lo/m);
  assert.match(sh('ip', ['-n', NS, '-6', 'addr', 'show', 'dev', 'lo']).out, /inet6 ::6\/128/);

  const again = cli(TPROXY_ARGS);
  assert.equal(again.code, 0, again.err);
  assert.deepEqual(ruleLines(nsSave()), ruleLines(v4));
  assert.equal(rules().length, 1, 'ip rule duplicated');

  const clean = cli(['--cleanup-only']);
  assert.equal(clean.code, 0, clean.err);
  assert.doesNotMatch(nsSave() + nsSave(true), /ISTIO|MARK|CONNMARK/);
  assert.equal(rules().length, 0);
  assert.equal(sh('ip', ['-n', NS, '-4', 'route', 'show', 'table', '133']).out.trim(), '');
});

test('--network-namespace applies inside the namespace from outside it', { skip: SKIP }, () => {
  const r = cli([...REDIRECT_ARGS, '--network-namespace', NS], false);
  assert.equal(r.code, 0, r.err);
  assert.match(nsSave(), /:ISTIO_OUTPUT/);
  assert.equal(cli(['--cleanup-only', '--network-namespace', NS], false).code, 0);
  assert.doesNotMatch(nsSave(), /ISTIO/);
});

test('a missing namespace is reported with what to do', { skip: SKIP }, () => {
  const r = cli(['--network-namespace', `${NS}-absent`], false);
  assert.equal(r.code, 1);
  assert.match(r.err, /was not found .*ip netns add NAME/);
});
