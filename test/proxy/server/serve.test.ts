// A real tsenvoy process: admin formats through the real server, traffic through a real listener,
// cluster and route, and the counters moving in /clusters, /stats and /stats/prometheus.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ProxyProcess, httpRequest, startProxy } from '../../support/proxy-process';

let upstream: http.Server;
let proxy: ProxyProcess;
let listenerPort: number;

function bootstrap(upstreamPort: number): object {
  return {
    node: { id: 'serve-test', cluster: 'tests' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{
        name: 'ingress',
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'ingress',
              route_config: {
                name: 'local',
                virtual_hosts: [{
                  name: 'all',
                  domains: ['*'],
                  routes: [
                    { match: { prefix: '/hello' }, direct_response: { status: 200, body: { inline_string: 'hi\n' } } },
                    { match: { prefix: '/' }, route: { cluster: 'backend' } },
                  ],
                }],
              },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
            },
          }],
        }],
      }],
      clusters: [{
        name: 'backend',
        type: 'STATIC',
        connect_timeout: '1s',
        load_assignment: {
          cluster_name: 'backend',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }],
        },
      }],
    },
  };
}

before(async () => {
  upstream = http.createServer((req, res) => {
    res.setHeader('x-upstream-path', req.url ?? '');
    res.end(req.url === '/fail' ? (res.statusCode = 503, 'down') : 'ok');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = await startProxy(bootstrap((upstream.address() as AddressInfo).port));
  const listeners = JSON.parse((await httpRequest(proxy.admin, 'GET', '/listeners?format=json')).body);
  listenerPort = listeners.listener_statuses[0].local_address.socket_address.port_value;
});

after(async () => {
  await proxy?.stop();
  upstream?.close();
});

test('/ready is LIVE and the readiness stats pilot-agent polls are there', async () => {
  const r = await httpRequest(proxy.admin, 'GET', '/ready');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'LIVE\n');
  const s = await httpRequest(proxy.admin, 'GET', '/stats?usedonly&filter=^(server\\.state|listener_manager\\.workers_started)');
  assert.match(s.body, /^listener_manager\.workers_started: 1$/m);
  assert.match(s.body, /^server\.state: 0$/m);
});

test('traffic goes through the listener, route and cluster, and the counters move', async () => {
  const port = listenerPort;
  for (let i = 0; i < 3; i++) {
    const r = await httpRequest(`127.0.0.1:${port}`, 'GET', `/x${i}`);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    assert.equal(r.headers['x-upstream-path'], `/x${i}`);
    assert.ok(r.headers['x-envoy-upstream-service-time'] !== undefined);
  }
  const failed = await httpRequest(`127.0.0.1:${port}`, 'GET', '/fail');
  assert.equal(failed.status, 503);
  const direct = await httpRequest(`127.0.0.1:${port}`, 'GET', '/hello');
  assert.equal(direct.body, 'hi\n');

  const stats = (await httpRequest(proxy.admin, 'GET', '/stats')).body;
  assert.match(stats, /^cluster\.backend\.upstream_rq_total: 4$/m);
  assert.match(stats, /^cluster\.backend\.upstream_rq_200: 3$/m);
  assert.match(stats, /^cluster\.backend\.upstream_rq_503: 1$/m);
  assert.match(stats, /^http\.ingress\.downstream_rq_total: 5$/m);
  assert.match(stats, /^http\.ingress\.downstream_rq_2xx: 4$/m);
  assert.match(stats, /^http\.ingress\.rq_direct_response: 1$/m);

  const clusters = (await httpRequest(proxy.admin, 'GET', '/clusters')).body;
  assert.match(clusters, /^backend::127\.0\.0\.1:\d+::rq_total::4$/m);
  assert.match(clusters, /^backend::127\.0\.0\.1:\d+::rq_success::3$/m);
  assert.match(clusters, /^backend::127\.0\.0\.1:\d+::health_flags::healthy$/m);
  assert.match(clusters, /^backend::added_via_api::false$/m);

  const prom = (await httpRequest(proxy.admin, 'GET', '/stats/prometheus')).body;
  assert.match(prom, /^envoy_cluster_upstream_rq_total\{envoy_cluster_name="backend"\} 4$/m);
  assert.match(prom, /^envoy_cluster_upstream_rq\{envoy_response_code="200",envoy_cluster_name="backend"\} 3$/m);
  assert.match(prom, /^envoy_http_downstream_rq_xx\{envoy_response_code_class="2",envoy_http_conn_manager_prefix="ingress"\} 4$/m);
});

test('/config_dump holds the bootstrap, static clusters, listeners and inline routes', async () => {
  const dump = JSON.parse((await httpRequest(proxy.admin, 'GET', '/config_dump')).body);
  const types = dump.configs.map((c: { '@type': string }) => c['@type'].split('.').pop());
  assert.deepEqual(types, ['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'ScopedRoutesConfigDump', 'RoutesConfigDump', 'SecretsConfigDump']);
  assert.equal(dump.configs[0].bootstrap.node.id, 'serve-test');
  assert.equal(dump.configs[1].static_clusters[0].cluster.name, 'backend');
  assert.equal(dump.configs[1].static_clusters[0].cluster.connect_timeout, '1s');
  assert.equal(dump.configs[2].static_listeners[0].listener.name, 'ingress');
  assert.equal(dump.configs[4].static_route_configs[0].route_config.name, 'local');
  const eds = JSON.parse((await httpRequest(proxy.admin, 'GET', '/config_dump?include_eds')).body);
  assert.equal(eds.configs[2]['@type'], 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump');
  const one = JSON.parse((await httpRequest(proxy.admin, 'GET', '/config_dump?resource=static_clusters&mask=cluster.name')).body);
  assert.deepEqual(one.configs, [{ '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster', cluster: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'backend' } }]);
});

test('/server_info, /healthcheck/fail and /ok drive the state', async () => {
  const info = JSON.parse((await httpRequest(proxy.admin, 'GET', '/server_info')).body);
  assert.equal(info.state, 'LIVE');
  assert.equal(info.node.id, 'serve-test');
  assert.equal(info.command_line_options.mode, 'Serve');
  assert.equal((await httpRequest(proxy.admin, 'POST', '/healthcheck/fail')).body, 'OK\n');
  const r = await httpRequest(proxy.admin, 'GET', '/ready');
  assert.equal(r.status, 503);
  assert.equal(r.body, 'DRAINING\n');
  await httpRequest(proxy.admin, 'POST', '/healthcheck/ok');
  assert.equal((await httpRequest(proxy.admin, 'GET', '/ready')).body, 'LIVE\n');
  assert.equal((await httpRequest(proxy.admin, 'GET', '/healthcheck/fail')).status, 405);
});

test('/quitquitquit stops the process cleanly', async () => {
  const r = await httpRequest(proxy.admin, 'POST', '/quitquitquit');
  assert.equal(r.body, 'OK\n');
  const code = await proxy.stop();
  assert.equal(code, 0, proxy.output());
});
