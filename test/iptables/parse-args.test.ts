// Flag parsing: Istio's defaults, environment variables and their precedence, and errors that say what to do.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseArgs, FlagValues } from '../../iptables/config/parse-args';
import { validateValues } from '../../iptables/config/validate';
import { resolveConfig } from '../../iptables/config/resolve-config';
import { main } from '../../iptables/cli';

const NO_FACTS = { ipv6Detected: false, resolvConfServers: [] };

function values(argv: string[], env: Record<string, string> = {}): FlagValues {
  const r = parseArgs(argv, env);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.values;
}

function errorsOf(argv: string[], env: Record<string, string> = {}): string[] {
  const r = parseArgs(argv, env);
  return r.ok ? validateValues(r.values, env) : [...r.errors];
}

test('defaults are istio-iptables defaults', () => {
  const { capture, run } = resolveConfig(values([]), {}, NO_FACTS);
  assert.equal(capture.proxyPort, '15001');
  assert.equal(capture.inboundCapturePort, '15006');
  assert.equal(capture.inboundTunnelPort, '15008');
  assert.equal(capture.proxyUid, '1337');
  assert.equal(capture.proxyGid, '1337');
  assert.equal(capture.inboundTProxyMark, '1337');
  assert.equal(capture.inboundTProxyRouteTable, '133');
  assert.equal(capture.inboundInterceptionMode, '');
  assert.equal(capture.ownerGroupsInclude, '*');
  assert.equal(capture.hostIpv4LoopbackCidr, '127.0.0.1/32');
  assert.equal(capture.enableIpv6, false);
  assert.equal(run.dryRun, false);
  assert.equal(run.iptablesBinary, 'iptables');
});

test('short and long flags, glued and = forms', () => {
  const v = values(['-p', '16001', '--inbound-capture-port=16006', '-e16008', '-m', 'TPROXY', '--istio-service-cidr', '*', '-n', '--redirect-dns=false']);
  assert.equal(v['envoy-port'], '16001');
  assert.equal(v['inbound-capture-port'], '16006');
  assert.equal(v['inbound-tunnel-port'], '16008');
  assert.equal(v['istio-inbound-interception-mode'], 'TPROXY');
  assert.equal(v['istio-service-cidr'], '*');
  assert.equal(v['dry-run'], true);
  assert.equal(v['redirect-dns'], false);
});

test('environment variables set flags; the command line wins; aliases win over derived names', () => {
  const env = {
    ENVOY_PORT: '17001', INBOUND_CAPTURE_PORT: '17006', ISTIO_SERVICE_CIDR: '10.0.0.0/8', ISTIO_INBOUND_PORTS: '*',
    ISTIO_LOCAL_EXCLUDE_PORTS: '15090', PROXY_UID: '1000', REDIRECT_DNS: 'false', ISTIO_META_DNS_CAPTURE: 'true',
    INVALID_DROP: '1', ISTIO_INBOUND_INTERCEPTION_MODE: 'TPROXY',
  };
  const v = values(['-z', '18006'], env);
  const { capture } = resolveConfig(v, env, NO_FACTS);
  assert.equal(capture.proxyPort, '17001');
  assert.equal(capture.inboundCapturePort, '18006');
  assert.equal(capture.outboundIpRangesInclude, '10.0.0.0/8');
  assert.equal(capture.inboundPortsInclude, '*');
  assert.equal(capture.inboundPortsExclude, '15090');
  assert.equal(capture.proxyUid, '1000');
  assert.equal(capture.proxyGid, '1000');
  assert.equal(capture.redirectDns, true);
  assert.equal(capture.dropInvalid, true);
  assert.equal(capture.inboundInterceptionMode, 'TPROXY');
});

test('env-only settings: loopback CIDR and owner groups', () => {
  const env = { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/8', ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '888' };
  const { capture } = resolveConfig(values([], env), env, NO_FACTS);
  assert.equal(capture.hostIpv4LoopbackCidr, '127.0.0.1/8');
  assert.equal(capture.ownerGroupsExclude, '888');
});

test('host facts fill what the flags leave open', () => {
  const facts = { envoyUserUid: '101', ipv6Detected: true, resolvConfServers: ['10.96.0.10', 'fd00::10'] };
  const { capture } = resolveConfig(values(['--redirect-dns']), {}, facts);
  assert.equal(capture.proxyUid, '101');
  assert.equal(capture.enableIpv6, true);
  assert.deepEqual(capture.dnsServersV4, ['10.96.0.10']);
  assert.deepEqual(capture.dnsServersV6, ['fd00::10']);
  const forced = resolveConfig(values(['--enable-ipv6=false', '--dns-servers', '1.1.1.1', '--redirect-dns']), {}, facts).capture;
  assert.equal(forced.enableIpv6, false);
  assert.deepEqual(forced.dnsServersV4, ['1.1.1.1']);
});

test('bad values are rejected with advice', () => {
  const cases: Array<[string[], RegExp]> = [
    [['-p', 'abc'], /--envoy-port "abc" is not a port; give a number/],
    [['-p', '70000'], /not a port/],
    [['-m', 'tproxy'], /use REDIRECT or TPROXY/],
    [['-b', '80,http'], /--istio-inbound-ports has invalid port\(s\) http/],
    [['-i', '10.0.0.0/33'], /--istio-service-cidr has invalid CIDR\(s\) 10.0.0.0\/33/],
    [['-x', '*'], /cannot be "\*"/],
    [['-t', '0x539'], /must be a decimal number/],
    [['--native-nftables'], /not supported by tsenvoy-iptables; drop the flag/],
    [['--force-iptables-binary', 'nft'], /use iptables, iptables-nft or iptables-legacy/],
    [['--bogus'], /unknown flag "--bogus"; run with --help/],
    [['-p'], /flag -p needs a value/],
    [['positional'], /takes only flags/],
    [['--dry-run=maybe'], /not a boolean; use true or false/],
  ];
  for (const [argv, re] of cases) {
    const errs = errorsOf(argv);
    assert.ok(errs.some((e) => re.test(e)), `${argv.join(' ')} -> ${JSON.stringify(errs)}`);
  }
  assert.ok(errorsOf([], { REDIRECT_DNS: 'yes' }).some((e) => /REDIRECT_DNS.*not a boolean/.test(e)));
  assert.ok(errorsOf([], { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '10.0.0.1/32' }).some((e) => /IPv4 loopback CIDR/.test(e)));
});

test('valid values pass validation', () => {
  assert.deepEqual(errorsOf(['-b', '*', '-d', '15020,15021,', '-i', '*', '-x', '10.0.0.0/8,fd00::/8', '-q', '1000:2000', '-u', '1337,1338']), []);
});

test('CLI prints every error with the next step and exits 1; --help exits 0', () => {
  let err = '';
  let out = '';
  const io = { env: {}, out: (t: string) => { out += t; }, err: (t: string) => { err += t; } };
  assert.equal(main(['-p', 'x', '-m', 'foo'], io), 1);
  assert.match(err, /tsenvoy-iptables: error: --envoy-port "x" is not a port/);
  assert.match(err, /tsenvoy-iptables: error: --istio-inbound-interception-mode "foo"/);
  assert.equal(main(['--help'], io), 0);
  assert.match(out, /--istio-inbound-interception-mode/);
  assert.match(out, /\[\$ISTIO_SERVICE_CIDR\]/);
});
