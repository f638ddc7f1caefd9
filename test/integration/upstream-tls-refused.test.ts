// A cluster that asks for TLS to a host is refused (503 UF with a TLS_error reason) and nothing is
// sent in plaintext, since tsenvoy has no upstream TLS yet; transport_socket_matches pick per host
// as Envoy does, so Istio's `tlsMode-disabled` hosts still get plaintext.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { freePort } from '../proxy/listener/harness';
import { httpRequest, ProxyProcess, startProxy } from '../support/proxy-process';

const TLS = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'backend.example' } };
const RAW = { name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer' } };

let upstream: http.Server;
let upPort = 0;
let hits = 0;
let tcpBytes = 0;
let tcpUp: net.Server;
let tcpPort = 0;
let tcpUp2: net.Server;
let tcpPort2 = 0;
let proxy: ProxyProcess;
let httpPort = 0;
let tcpListenPort = 0;
let tcpMixedPort = 0;

function endpoint(port: number, tlsMode?: string): object {
  return {
    endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } },
    ...(tlsMode ? { metadata: { filter_metadata: { 'envoy.transport_socket_match': { tlsMode } } } } : {}),
  };
}

function cluster(name: string, port: number, extra: object, tlsMode?: string): object {
  return { name, type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [endpoint(port, tlsMode)] }] }, ...extra };
}

const ISTIO_MATCHES = { transport_socket_matches: [{ name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: TLS }, { name: 'tlsMode-disabled', match: {}, transport_socket: RAW }] };

before(async () => {
  upstream = http.createServer((_req, res) => {
    hits++;
    res.end('plain');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upPort = (upstream.address() as net.AddressInfo).port;
  tcpUp = net.createServer((s) => s.on('data', (d) => (tcpBytes += d.length)));
  await new Promise<void>((r) => tcpUp.listen(0, '127.0.0.1', r));
  tcpPort = (tcpUp.address() as net.AddressInfo).port;
  tcpUp2 = net.createServer((s) => s.on('data', (d) => (tcpBytes += d.length)));
  await new Promise<void>((r) => tcpUp2.listen(0, '127.0.0.1', r));
  tcpPort2 = (tcpUp2.address() as net.AddressInfo).port;
  httpPort = await freePort();
  tcpListenPort = await freePort();
  tcpMixedPort = await freePort();
  const route = (prefix: string, c: string) => ({ match: { prefix }, route: { cluster: c, retry_policy: { retry_on: 'connect-failure', num_retries: 0 } } });
  proxy = await startProxy({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'http',
          address: { socket_address: { address: '127.0.0.1', port_value: httpPort } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'in',
            route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [route('/tls', 'tls'), route('/named-tls', 'named_tls'), route('/istio-mtls', 'istio_mtls'), route('/istio-plain', 'istio_plain')] }] },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
          } }] }],
        },
        {
          name: 'tcp',
          address: { socket_address: { address: '127.0.0.1', port_value: tcpListenPort } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 't', cluster: 'tcp_tls' } }] }],
        },
        {
          name: 'tcp_mixed',
          address: { socket_address: { address: '127.0.0.1', port_value: tcpMixedPort } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'm', cluster: 'tcp_mixed', max_connect_attempts: 2 } }] }],
        },
      ],
      clusters: [
        cluster('tls', upPort, { transport_socket: TLS }),
        cluster('istio_mtls', upPort, ISTIO_MATCHES, 'istio'),
        cluster('istio_plain', upPort, ISTIO_MATCHES),
        cluster('tcp_tls', tcpPort, { transport_socket: TLS }),
        // A transport socket named without typed_config is not plaintext unless it is raw_buffer.
        cluster('named_tls', upPort, { transport_socket: { name: 'envoy.transport_sockets.tls' } }),
        // Istio's mixed cluster: one host wants mTLS, one takes plaintext; round robin over both.
        {
          name: 'tcp_mixed',
          type: 'STATIC',
          connect_timeout: '1s',
          ...ISTIO_MATCHES,
          load_assignment: { cluster_name: 'tcp_mixed', endpoints: [{ lb_endpoints: [endpoint(tcpPort, 'istio'), endpoint(tcpPort2)] }] },
        },
      ],
    },
  });
  // Listeners bind after the admin port: wait for LIVE.
  for (let i = 0; i < 100; i++) {
    const r = await httpRequest(proxy.admin, 'GET', '/ready').catch(() => undefined);
    if (r?.body.trim() === 'LIVE') break;
    await new Promise((res) => setTimeout(res, 50));
  }
});

after(async () => {
  await proxy?.stop();
  upstream?.close();
  tcpUp?.close();
  tcpUp2?.close();
});

test('a TLS cluster gets 503 UF with a TLS_error reason; the upstream sees nothing', async () => {
  const r = await httpRequest(`127.0.0.1:${httpPort}`, 'GET', '/tls');
  assert.equal(r.status, 503);
  assert.match(r.body, /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure, transport failure reason: TLS_error/);
  assert.equal(hits, 0);
  assert.match(proxy.output(), /cluster tls: TLS_error: transport socket UpstreamTlsContext is not implemented/);
});

test('a transport socket named without typed_config is refused unless it is raw_buffer', async () => {
  const r = await httpRequest(`127.0.0.1:${httpPort}`, 'GET', '/named-tls');
  assert.equal(r.status, 503);
  assert.match(r.body, /transport failure reason: TLS_error: transport socket envoy\.transport_sockets\.tls is not implemented/);
  assert.equal(hits, 0);
});

test('transport_socket_matches: tlsMode istio is refused, a host without it gets plaintext', async () => {
  const m = await httpRequest(`127.0.0.1:${httpPort}`, 'GET', '/istio-mtls');
  assert.equal(m.status, 503);
  assert.equal(hits, 0);
  const p = await httpRequest(`127.0.0.1:${httpPort}`, 'GET', '/istio-plain');
  assert.equal(p.status, 200);
  assert.equal(p.body, 'plain');
  assert.equal(hits, 1);
});

test('tcp_proxy to a TLS cluster closes the connection and sends nothing upstream', async () => {
  const s = net.connect(tcpListenPort, '127.0.0.1');
  s.on('error', () => {});
  s.write('hello');
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the proxy did not close the connection')), 5000);
    s.on('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(tcpBytes, 0);
});

test('tcp_proxy retries a refused host within max_connect_attempts and reaches the plaintext one', async () => {
  const before = tcpBytes;
  for (let i = 0; i < 4; i++) {
    const s = net.connect(tcpMixedPort, '127.0.0.1');
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('abc');
    await new Promise((r) => setTimeout(r, 60));
    s.destroy();
  }
  // Every connection got through: half of the picks were the tlsMode istio host, retried.
  for (let i = 0; i < 50 && tcpBytes - before < 12; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(tcpBytes - before, 12, proxy.output());
});
