import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startAdmin, type Harness } from './admin-client';
import { FakeTarget } from './fake-target';

const T = 'type.googleapis.com/';
const TS = '2023-12-26T05:57:09.898Z';

function cluster(name: string, extra: object = {}): object {
  return { '@type': `${T}envoy.config.cluster.v3.Cluster`, name, type: 'EDS', connect_timeout: '10s', ...extra };
}

function listener(name: string, port: number): object {
  return {
    '@type': `${T}envoy.config.listener.v3.Listener`,
    name,
    address: { socket_address: { address: '0.0.0.0', port_value: port } },
  };
}

/** A small sidecar dump, shaped like Istio's (written for this test, not copied). */
function dumps(): object[] {
  return [
    {
      '@type': `${T}envoy.admin.v3.BootstrapConfigDump`,
      bootstrap: {
        node: {
          id: 'sidecar~10.0.0.5~reviews-v1-abc.default~default.svc.cluster.local',
          cluster: 'reviews.default',
          extensions: [{ name: 'envoy.filters.http.rbac' }, { name: 'envoy.filters.http.router' }],
        },
      },
      last_updated: TS,
    },
    {
      '@type': `${T}envoy.admin.v3.ClustersConfigDump`,
      version_info: '2023-12-26T05:56:10Z/3',
      static_clusters: [
        {
          cluster: cluster('agent', { type: 'STATIC', transport_socket_matches: [{ name: 'a' }, { name: 'b' }] }),
          last_updated: TS,
        },
      ],
      dynamic_active_clusters: [
        {
          version_info: '2023-12-26T05:56:10Z/3',
          cluster: cluster('outbound|9080||reviews.default.svc.cluster.local', {
            eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: 'outbound|9080||reviews.default.svc.cluster.local' },
            http2_protocol_options: { allow_connect: true },
          }),
          last_updated: TS,
        },
        {
          version_info: '2023-12-26T05:56:10Z/3',
          cluster: cluster('outbound|9080||ratings.default.svc.cluster.local'),
          last_updated: TS,
        },
      ],
    },
    {
      '@type': `${T}envoy.admin.v3.ListenersConfigDump`,
      version_info: '2023-12-26T05:56:10Z/3',
      static_listeners: [{ listener: listener('0.0.0.0_15090', 15090), last_updated: TS }],
      dynamic_listeners: [
        {
          name: 'virtualOutbound',
          active_state: { version_info: '2023-12-26T05:56:10Z/3', listener: listener('virtualOutbound', 15001), last_updated: TS },
        },
        {
          name: 'virtualInbound',
          active_state: { version_info: '2023-12-26T05:56:10Z/3', listener: listener('virtualInbound', 15006), last_updated: TS },
        },
      ],
    },
    { '@type': `${T}envoy.admin.v3.ScopedRoutesConfigDump` },
    {
      '@type': `${T}envoy.admin.v3.RoutesConfigDump`,
      dynamic_route_configs: [
        {
          version_info: '2023-12-26T05:56:10Z/3',
          route_config: { '@type': `${T}envoy.config.route.v3.RouteConfiguration`, name: '9080', virtual_hosts: [{ name: 'reviews' }] },
          last_updated: TS,
        },
      ],
    },
    {
      '@type': `${T}envoy.admin.v3.SecretsConfigDump`,
      dynamic_active_secrets: [
        {
          name: 'default',
          version_info: '2023-12-26 05:57:10.119',
          last_updated: TS,
          secret: {
            '@type': `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
            name: 'default',
            tls_certificate: { certificate_chain: { inline_bytes: 'LS0t' }, private_key: { inline_bytes: 'W3JlZGFjdGVkXQ==' } },
          },
        },
      ],
    },
  ];
}

function endpoints(): object {
  const cla = (name: string) => ({
    '@type': `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
    cluster_name: name,
    endpoints: [{ locality: {}, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.9', port_value: 9080 } } } }] }],
    policy: { overprovisioning_factor: 140 },
  });
  return {
    '@type': `${T}envoy.admin.v3.EndpointsConfigDump`,
    static_endpoint_configs: [{ endpoint_config: cla('agent') }],
    dynamic_endpoint_configs: [
      { endpoint_config: cla('outbound|9080||reviews.default.svc.cluster.local') },
      { endpoint_config: cla('outbound|9080||ratings.default.svc.cluster.local') },
    ],
  };
}

async function withDump(fn: (h: Harness) => Promise<void>): Promise<void> {
  const target = new FakeTarget();
  target.dumps = dumps();
  target.endpointsDump = endpoints();
  const h = await startAdmin(target);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

const pretty = (v: unknown) => JSON.stringify(v, null, 1) + '\n';

test('/config_dump: every component in order, Envoy layout, application/json', () =>
  withDump(async (h) => {
    const r = await h.get('/config_dump');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['cache-control'], 'no-cache, max-age=0');
    assert.equal(r.body, pretty({ configs: dumps() }));
    assert.ok(r.body.startsWith('{\n "configs": [\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump",\n'));
    assert.match(r.body, /\n  {\n   "@type": "type.googleapis.com\/envoy.admin.v3.ScopedRoutesConfigDump"\n  },\n/);
    assert.deepEqual(h.target.dumpOpts, [{ includeEds: false }]);
    // Empty parameters are no parameters (Envoy's own test).
    assert.equal((await h.get('/config_dump?resource=&mask=&name_regex=')).body, r.body);
  }));

test('/config_dump?include_eds adds EndpointsConfigDump after the clusters', () =>
  withDump(async (h) => {
    const r = await h.get('/config_dump?include_eds');
    const types = JSON.parse(r.body).configs.map((c: Record<string, string>) => c['@type'].split('.').pop());
    assert.deepEqual(types, [
      'BootstrapConfigDump', 'ClustersConfigDump', 'EndpointsConfigDump', 'ListenersConfigDump',
      'ScopedRoutesConfigDump', 'RoutesConfigDump', 'SecretsConfigDump',
    ]);
    assert.deepEqual(h.target.dumpOpts, [{ includeEds: true }]);
  }));

test('/config_dump?resource= returns the entries, each typed as its element message', () =>
  withDump(async (h) => {
    let r = await h.get('/config_dump?resource=dynamic_active_clusters');
    assert.equal(r.status, 200);
    const active = (dumps()[1] as { dynamic_active_clusters: object[] }).dynamic_active_clusters;
    assert.equal(
      r.body,
      pretty({ configs: active.map((e) => ({ '@type': `${T}envoy.admin.v3.ClustersConfigDump.DynamicCluster`, ...e })) }),
    );
    r = await h.get('/config_dump?resource=dynamic_listeners&mask=name');
    assert.equal(
      r.body,
      '{\n "configs": [\n  {\n   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener",\n' +
        '   "name": "virtualOutbound"\n  },\n  {\n' +
        '   "@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener",\n' +
        '   "name": "virtualInbound"\n  }\n ]\n}\n',
    );
    r = await h.get('/config_dump?resource=dynamic_warming_clusters');
    assert.equal(r.status, 200);
    assert.equal(r.body, '{}\n');
    r = await h.get('/config_dump?resource=dynamic_endpoint_configs&include_eds');
    assert.equal(JSON.parse(r.body).configs.length, 2);
    assert.equal(JSON.parse(r.body).configs[0]['@type'], `${T}envoy.admin.v3.EndpointsConfigDump.DynamicEndpointConfig`);
  }));

test('/config_dump?resource=&mask= reaches one level into the packed resource', () =>
  withDump(async (h) => {
    const r = await h.get('/config_dump?resource=dynamic_active_clusters&mask=cluster.name,version_info,cluster.http2_protocol_options');
    assert.equal(r.status, 200);
    assert.equal(
      r.body,
      pretty({
        configs: [
          {
            '@type': `${T}envoy.admin.v3.ClustersConfigDump.DynamicCluster`,
            version_info: '2023-12-26T05:56:10Z/3',
            cluster: {
              '@type': `${T}envoy.config.cluster.v3.Cluster`,
              name: 'outbound|9080||reviews.default.svc.cluster.local',
              http2_protocol_options: { allow_connect: true },
            },
          },
          {
            '@type': `${T}envoy.admin.v3.ClustersConfigDump.DynamicCluster`,
            version_info: '2023-12-26T05:56:10Z/3',
            cluster: { '@type': `${T}envoy.config.cluster.v3.Cluster`, name: 'outbound|9080||ratings.default.svc.cluster.local' },
          },
        ],
      }),
    );
    // A deeper path inside the packed message works when each step is a singular message.
    const deep = JSON.parse((await h.get('/config_dump?resource=dynamic_active_clusters&mask=cluster.eds_cluster_config.service_name')).body);
    assert.deepEqual(deep.configs[0].cluster, {
      '@type': `${T}envoy.config.cluster.v3.Cluster`,
      eds_cluster_config: { service_name: 'outbound|9080||reviews.default.svc.cluster.local' },
    });
    assert.deepEqual(deep.configs[1].cluster, { '@type': `${T}envoy.config.cluster.v3.Cluster` });
  }));

test('/config_dump?mask= alone trims each component it fits and drops the others', () =>
  withDump(async (h) => {
    let r = await h.get('/config_dump?mask=dynamic_listeners');
    assert.equal(r.status, 200);
    const listeners = dumps()[2] as { dynamic_listeners: object[] };
    assert.equal(r.body, pretty({ configs: [{ '@type': `${T}envoy.admin.v3.ListenersConfigDump`, dynamic_listeners: listeners.dynamic_listeners }] }));
    r = await h.get('/config_dump?mask=version_info');
    assert.deepEqual(JSON.parse(r.body), {
      configs: [
        { '@type': `${T}envoy.admin.v3.ClustersConfigDump`, version_info: '2023-12-26T05:56:10Z/3' },
        { '@type': `${T}envoy.admin.v3.ListenersConfigDump`, version_info: '2023-12-26T05:56:10Z/3' },
      ],
    });
    r = await h.get('/config_dump?mask=bootstrap.node.id');
    assert.deepEqual(JSON.parse(r.body), {
      configs: [
        {
          '@type': `${T}envoy.admin.v3.BootstrapConfigDump`,
          bootstrap: { node: { id: 'sidecar~10.0.0.5~reviews-v1-abc.default~default.svc.cluster.local' } },
        },
      ],
    });
  }));

test('/config_dump?name_regex= keeps matching resources only (whole-name match)', () =>
  withDump(async (h) => {
    let r = await h.get('/config_dump?name_regex=.*reviews.*&include_eds');
    const body = JSON.parse(r.body);
    const [boot, clusters, eps, lsn, , routes, secrets] = body.configs;
    assert.deepEqual(boot, dumps()[0]); // the bootstrap has no named entries
    assert.equal(clusters.static_clusters.length, 0);
    assert.deepEqual(clusters.dynamic_active_clusters.map((c: { cluster: { name: string } }) => c.cluster.name), [
      'outbound|9080||reviews.default.svc.cluster.local',
    ]);
    assert.deepEqual(eps.dynamic_endpoint_configs.map((c: { endpoint_config: { cluster_name: string } }) => c.endpoint_config.cluster_name), [
      'outbound|9080||reviews.default.svc.cluster.local',
    ]);
    assert.equal(lsn.dynamic_listeners.length, 0);
    assert.equal(lsn.static_listeners.length, 0);
    assert.equal(lsn.version_info, '2023-12-26T05:56:10Z/3');
    assert.equal(routes.dynamic_route_configs.length, 0);
    assert.equal(secrets.dynamic_active_secrets.length, 0);
    // Whole-name: "virtual" alone matches nothing, "virtual.*" both.
    r = await h.get('/config_dump?resource=dynamic_listeners&name_regex=virtual');
    assert.equal(r.body, '{}\n');
    r = await h.get('/config_dump?resource=dynamic_listeners&name_regex=virtual.*bound&mask=name');
    assert.deepEqual(JSON.parse(r.body).configs.map((c: { name: string }) => c.name), ['virtualOutbound', 'virtualInbound']);
    r = await h.get('/config_dump?resource=dynamic_active_secrets&name_regex=default&mask=name');
    assert.deepEqual(JSON.parse(r.body), {
      configs: [{ '@type': `${T}envoy.admin.v3.SecretsConfigDump.DynamicSecret`, name: 'default' }],
    });
  }));

test('/config_dump?name_regex=: an unnamed resource has the name ""', async () => {
  const target = new FakeTarget();
  target.dumps = [{
    '@type': `${T}envoy.admin.v3.ListenersConfigDump`,
    static_listeners: [{ listener: { '@type': `${T}envoy.config.listener.v3.Listener`, address: {} } }],
  }];
  const h = await startAdmin(target);
  try {
    assert.equal(JSON.parse((await h.get('/config_dump?name_regex=.*')).body).configs[0].static_listeners.length, 1);
    assert.equal(JSON.parse((await h.get('/config_dump?name_regex=.%2B')).body).configs[0].static_listeners.length, 0);
  } finally {
    await h.close();
  }
});

test('/config_dump errors: Envoy status codes and messages, as text', () =>
  withDump(async (h) => {
    const cases: [string, number, string | RegExp][] = [
      ['/config_dump?resource=foo', 404, 'foo not found in config dump'],
      ['/config_dump?resource=version_info', 400, 'version_info is not a repeated field. Use ?mask=version_info to get only this field'],
      ['/config_dump?mask=bogus', 400, 'FieldMask bogus could not be successfully applied to any configs.'],
      ['/config_dump?mask=bootstrap.node.extensions.name', 400,
        'FieldMask bootstrap.node.extensions.name could not be successfully applied to any configs.'],
      ['/config_dump?resource=static_clusters&mask=cluster.transport_socket_matches.name', 400,
        'FieldMask paths: "cluster.transport_socket_matches.name"\n could not be successfully used.'],
      ['/config_dump?resource=static_clusters&mask=bad', 400, 'FieldMask paths: "bad"\n could not be successfully used.'],
      ['/config_dump?name_regex=(', 400, /^INVALID_ARGUMENT: Error while parsing name_regex from \(: /],
    ];
    for (const [p, status, message] of cases) {
      const r = await h.get(p);
      assert.equal(r.status, status, p);
      if (typeof message === 'string') assert.equal(r.body, message, p);
      else assert.match(r.body, message, p);
      assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8', p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    }
  }));

test('a large /config_dump is streamed without starving other requests', async (t) => {
  const target = new FakeTarget();
  const big: object[] = [];
  for (let i = 0; i < 4000; i++) {
    big.push({
      name: `l${i}`,
      active_state: {
        version_info: 'v1',
        listener: { ...listener(`l${i}`, 10000 + i), filter_chains: Array.from({ length: 20 }, (_, j) => ({ name: `fc${j}`, filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { stat_prefix: `p${i}.${j}`, cluster: 'BlackHoleCluster' } }] })) },
        last_updated: TS,
      },
    });
  }
  target.dumps = [{ '@type': `${T}envoy.admin.v3.ListenersConfigDump`, version_info: 'v1', dynamic_listeners: big }];
  const h = await startAdmin(target);
  try {
    let readyAt = 0;
    let dumpAt = 0;
    let gaps = 0;
    let last = Date.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      gaps++;
    }, 1);
    const dump = h.get('/config_dump').then((r) => {
      dumpAt = performance.now();
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const ready = h.get('/ready').then((r) => {
      readyAt = performance.now();
      return r;
    });
    const [d, rd] = await Promise.all([dump, ready]);
    clearInterval(timer);
    assert.equal(rd.body, 'LIVE\n');
    assert.ok(d.body.length > 5_000_000, `dump is ${d.body.length} bytes`);
    assert.equal(d.body, pretty({ configs: target.dumps }));
    assert.ok(readyAt < dumpAt, '/ready was answered while the dump was still being written');
    // Writing ~20 MB in one piece would hold the loop for hundreds of ms (JSON.stringify alone
    // takes ~200 ms here); streamed, the longest stall is ~15 ms locally. Bounds are generous for CI.
    assert.ok(gaps > 50, `the event loop ran timers only ${gaps} times during the dump`);
    assert.ok(maxGap < 250, `longest event-loop stall ${maxGap} ms`);
    t.diagnostic(`config_dump stream: ${gaps} timer ticks, longest stall ${maxGap} ms`);
  } finally {
    await h.close();
  }
});
