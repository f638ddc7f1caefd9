// IPv6 parsing without net.isIPv6's regular expression: the same addresses accepted, the same bytes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { canonicalIp, ipv6ToBytes } from '../../../proxy/network/address';

/** The bytes by another route: the URL parser's canonical form, expanded group by group. */
function referenceBytes(ip: string): number[] {
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const [head, tail = undefined] = host.split('::');
  const g = (s: string | undefined): number[] => (s ? s.split(':').map((x) => parseInt(x, 16)) : []);
  const h = g(head);
  const t = g(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((v) => [v >> 8, v & 0xff]);
}

function check(ip: string): void {
  const want = net.isIPv6(ip.split('%')[0]);
  const got = ipv6ToBytes(ip);
  assert.equal(got !== undefined, want, `${JSON.stringify(ip)}: net.isIPv6 says ${want}`);
  if (got && !ip.includes('%')) assert.deepEqual([...got], referenceBytes(ip), ip);
}

test('accepts and rejects what net.isIPv6 does: hand-picked forms', () => {
  for (const ip of [
    '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1::8', 'fe80::1%eth0', 'fe80::1%',
    '::ffff:1.2.3.4', '::1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5::1.2.3.4', '1:2:3:4:5:6::1.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4', '::ffff:01.2.3.4', '::ffff:1.2.3.256', '::ffff:1.2.3', '1.2.3.4::', '1.2.3.4',
    ':::', '1:::2', '1::2::3', ':1::2', '1::2:', ':1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8', '12345::', 'g::', 'ABCD:ef01::', '', ':', '0:0:0:0:0:0:0:0', '::0.0.0.0', '::255.255.255.255',
  ]) check(ip);
});

test('accepts and rejects what net.isIPv6 does: random strings', () => {
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '0123456789abcdefABCDEFg::::..%';
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const len = rnd(24);
    for (let j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];
    check(s);
  }
  for (let i = 0; i < 5000; i++) {
    const groups = Array.from({ length: 8 }, () => rnd(3) === 0 ? '0' : rnd(0x10000).toString(16));
    const from = rnd(8);
    const to = from + rnd(9 - from);
    const text = rnd(2) ? groups.join(':') : `${groups.slice(0, from).join(':')}::${groups.slice(to).join(':')}`;
    check(text);
    if (rnd(2)) check(`${groups.slice(0, 6).join(':')}:${rnd(256)}.${rnd(256)}.${rnd(256)}.${rnd(300)}`);
  }
});

test('canonical text is unchanged (RFC 5952)', () => {
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalIp('::ffff:10.0.0.1'), '10.0.0.1');
  assert.equal(canonicalIp('fe80::1:2'), 'fe80::1:2');
  assert.equal(canonicalIp('not-an-ip'), 'not-an-ip');
});
