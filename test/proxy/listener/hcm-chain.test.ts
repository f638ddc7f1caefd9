// The network-filter contract with the real HTTP connection manager: bytes peeked by
// tls_inspector and http_inspector are replayed, so the HCM parses the request from byte 0.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { registerHttp } from '../../../proxy/http/register';
import { AccessLogManager } from '../../../proxy/http/access-log/log-writer';
import { registerListenerFilters } from '../../../proxy/listener/filters/register';
import { ListenerManager } from '../../../proxy/listener/listener-manager';
import { registerNetworkFilters } from '../../../proxy/network/register';
import { registerRecognised } from '../../../proxy/registry/recognised';
import { ExtensionRegistry } from '../../../proxy/registry/registry';
import { buildRouteTable } from '../../../proxy/router/route-table';
import { createStatsStore } from '../../../proxy/stats/stats-store';
import { counter, decodeListener } from './harness';

test('http_inspector + tls_inspector peeked bytes reach the HCM intact', async () => {
  const registry = new ExtensionRegistry();
  registerListenerFilters(registry);
  registerNetworkFilters(registry);
  registerHttp(registry);
  registerRecognised(registry);
  const store = createStatsStore();
  const lm = new ListenerManager({
    registry,
    stats: store,
    filterContext: {
      registry,
      stats: store,
      clusterManager: { get: () => undefined },
      accessLogManager: new AccessLogManager(),
      routeSourceFor: (spec: { kind: string; config?: unknown }) => {
        const t = buildRouteTable(spec.config as never);
        if (!t.ok) throw new Error(JSON.stringify(t.errors));
        return t.value;
      },
    },
  });
  try {
    const r = await lm.addOrUpdateListener(
      decodeListener({
        name: 'http',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        listener_filters: [
          { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' } },
          { name: 'http', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector' } },
        ],
        filter_chains: [
          {
            filter_chain_match: { application_protocols: ['http/1.1'] },
            filters: [
              {
                name: 'envoy.filters.network.http_connection_manager',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  stat_prefix: 'inbound',
                  route_config: { name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'hi from hcm' } } }] }] },
                  http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                },
              },
            ],
          },
        ],
      }),
    );
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    const port = lm.boundAddress('http')!.port;
    const get = (path: string): Promise<[number, string]> =>
      new Promise((resolve, reject) => {
        http
          .get({ port, host: '127.0.0.1', path, agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve([res.statusCode!, body]));
          })
          .on('error', reject);
      });
    assert.deepEqual(await get('/one'), [200, 'hi from hcm']);
    assert.deepEqual(await get('/two'), [200, 'hi from hcm']);
    assert.equal(counter(store, 'http_inspector.http11_found'), 2);
    assert.equal(counter(store, 'http.inbound.downstream_rq_total'), 2);
  } finally {
    await lm.stop();
  }
});
