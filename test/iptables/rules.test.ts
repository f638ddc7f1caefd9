// The pure pieces under the goldens: CIDR spelling, restore layout, and rule sections the goldens miss.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parsePrefix, separateV4V6 } from '../../iptables/rules/network-range';
import { buildRuleSet } from '../../iptables/rules/build-rule-set';
import { renderRestore } from '../../iptables/render/restore-text';
import { renderDryRun } from '../../iptables/render/dry-run-text';
import { DEFAULT_CAPTURE_CONFIG, CaptureConfig } from '../../iptables/config/capture-config';

const cfg = (over: Partial<CaptureConfig>): CaptureConfig => ({ ...DEFAULT_CAPTURE_CONFIG, proxyUid: '1337', proxyGid: '1337', ...over });

test('prefixes print as Go netip prints them', () => {
  assert.equal(parsePrefix('2001:DB8:0:0::/32')?.text, '2001:db8::/32');
  assert.equal(parsePrefix('fd00:0:0:1:0:0:0:1/128')?.text, 'fd00:0:0:1::1/128');
  assert.equal(parsePrefix('::1/128')?.loopback, true);
  assert.equal(parsePrefix('127.1.2.3/32')?.loopback, true);
  assert.equal(parsePrefix('10.0.0.1/8')?.text, '10.0.0.1/8');
  assert.equal(parsePrefix('10.0.0.0'), undefined);
  assert.equal(parsePrefix('010.0.0.0/8'), undefined);
  const r = separateV4V6('10.0.0.0/8,fd00::/8,127.0.0.1/32');
  assert.deepEqual(r.v4.cidrs, ['10.0.0.0/8', '127.0.0.1/32']);
  assert.deepEqual(r.v6.cidrs, ['fd00::/8']);
  assert.equal(r.v4.hasLoopback, true);
});

test('IPv6 off: no ip6tables rules and no final ip6tables-save', () => {
  const rules = buildRuleSet(cfg({ inboundPortsInclude: '*' }));
  assert.equal(rules.v6.length, 0);
  const text = renderDryRun(rules, false);
  assert.ok(text.startsWith('iptables-save\nip6tables-save\n* nat\n'));
  assert.ok(text.endsWith('COMMIT\niptables-save\n'));
});

test('drop-invalid adds ISTIO_DROP in mangle', () => {
  const text = renderRestore(buildRuleSet(cfg({ dropInvalid: true })).v4);
  assert.match(text, /^\* mangle\n-N ISTIO_DROP\n-A PREROUTING -m conntrack --ctstate INVALID -j ISTIO_DROP\n-A ISTIO_DROP -j DROP\nCOMMIT\n\* nat\n/);
});

test('capture-all-dns redirects all port 53 and zones all DNS in both families', () => {
  const rules = buildRuleSet(cfg({ redirectDns: true, captureAllDns: true, enableIpv6: true }));
  for (const fam of [rules.v4, rules.v6]) {
    const text = renderRestore(fam);
    assert.match(text, /-A ISTIO_OUTPUT -j ISTIO_OUTPUT_DNS\n/);
    assert.match(text, /-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053\n/);
    assert.match(text, /-A PREROUTING -j ISTIO_INBOUND\n/);
  }
});

test('redirect-dns without servers is disabled, as in Istio', () => {
  const text = renderRestore(buildRuleSet(cfg({ redirectDns: true })).v4);
  assert.doesNotMatch(text, /ISTIO_OUTPUT_DNS|raw/);
});

test('owner group include list becomes one combined rule', () => {
  const text = renderRestore(buildRuleSet(cfg({ ownerGroupsInclude: 'java,202' })).v4);
  assert.match(text, /-A ISTIO_OUTPUT -m owner ! --gid-owner java -m owner ! --gid-owner 202 -j RETURN\n/);
});
