// For the flags of each Istio golden (see ../shared/fixtures/istio/SOURCES.md), `tsenvoy-iptables -n`
// prints exactly the golden. capture/ goldens are istio-iptables' dry-run record (v4 then v6, framed by
// the iptables-save reads); cni-plugin/ goldens are the bare v4 restore text, i.e. the same output
// without the `iptables-save` / `ip6tables-save` lines.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../proxy/common/package-root';
import { main } from '../../iptables/cli';

const GOLDEN_DIR = path.join(packageRoot(), '..', 'shared', 'fixtures', 'istio', 'iptables');
const SKIP = fs.existsSync(GOLDEN_DIR) ? false : `goldens not found at ${GOLDEN_DIR} (the read-only ../shared checkout is absent)`;

/** Istio's capture test base config (constructTestConfig). IPv6 is set per case, as the tests do. */
const CAPTURE_BASE = ['-p', '15001', '-z', '15006', '-e', '15008', '-u', '1337', '-g', '1337', '-t', '1337', '-r', '133'];
/** The sidecar injector's defaults, which the CNI plugin tests run with. */
const CNI_BASE = ['-p', '15001', '-z', '15006', '-u', '1337', '-g', '1337', '-i', '*', '-x', '', '--enable-ipv6=false'];

const CASES: Array<{ file: string; args: string[]; bare?: boolean }> = [
  {
    file: 'capture/tproxy.golden',
    args: [...CAPTURE_BASE, '-m', 'TPROXY', '-b', '*', '-x', '1.1.0.0/16', '-i', '9.9.0.0/16', '--redirect-dns',
      '--dns-servers', '127.0.0.53', '-u', '1337', '-g', '1337', '-c', 'not-istio-nic', '--enable-ipv6=true'],
  },
  {
    file: 'capture/ipv6-ipnets.golden',
    args: [...CAPTURE_BASE, '-b', '4000,5000', '-d', '6000,7000,', '-k', 'eth0,eth1', '-x', '2001:db8::/32', '-i', '2001:db8::/32', '--enable-ipv6=true'],
  },
  {
    file: 'capture/dns-uid-gid.golden',
    args: [...CAPTURE_BASE, '--redirect-dns', '--dns-servers', '127.0.0.53,::127.0.0.53', '-g', '1,2', '-u', '3,4', '--enable-ipv6=true'],
  },
  { file: 'cni-plugin/basic.txt.golden', bare: true, args: [...CNI_BASE, '-m', 'REDIRECT', '-b', '*', '-d', '15020,15021,15090', '-o', '15020'] },
  {
    file: 'cni-plugin/include-exclude-ports.txt.golden', bare: true,
    args: [...CNI_BASE, '-m', 'REDIRECT', '-b', '1111,2222', '-d', '3333,4444,15020,15021,15090', '-o', '5555,6666'],
  },
  { file: 'cni-plugin/tproxy.txt.golden', bare: true, args: [...CNI_BASE, '-m', 'TPROXY', '-b', '*', '-d', '15020,15021,15090', '-o', '15020'] },
];

function dryRun(args: string[]): string {
  let out = '';
  let err = '';
  const code = main(['-n', ...args], { env: {}, out: (t) => { out += t; }, err: (t) => { err += t; } });
  assert.equal(code, 0, err);
  return out;
}

for (const c of CASES) {
  test(`dry-run matches ${c.file}`, { skip: SKIP }, () => {
    const golden = fs.readFileSync(path.join(GOLDEN_DIR, c.file), 'utf8');
    const out = dryRun(c.args);
    const actual = c.bare ? out.split('\n').filter((l) => l !== 'iptables-save' && l !== 'ip6tables-save').join('\n') : out;
    assert.equal(actual, golden);
  });
}

test('every golden file has a case', { skip: SKIP }, () => {
  const files = ['capture', 'cni-plugin'].flatMap((d) => fs.readdirSync(path.join(GOLDEN_DIR, d)).map((f) => `${d}/${f}`));
  assert.deepEqual(files.sort(), CASES.map((c) => c.file).sort());
});
