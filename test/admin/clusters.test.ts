import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { AdminClusterView } from '../../admin/admin-target';
import { startAdmin } from './admin-client';
import { FakeTarget, host, NO_FLAGS, THRESHOLDS } from './fake-target';

function sample(): AdminClusterView[] {
  return [
    {
      name: 'outbound|9080||reviews.default.svc.cluster.local',
      observabilityName: 'outbound|9080||reviews.default.svc.cluster.local',
      addedViaApi: true,
      edsServiceName: 'outbound|9080||reviews.default.svc.cluster.local',
      outlier: {
        successRateAverage: -1,
        successRateEjectionThreshold: 87.123456789,
        localOriginSuccessRateAverage: -1,
        localOriginSuccessRateEjectionThreshold: -1,
      },
      circuitBreakers: THRESHOLDS,
      hosts: [
        host({
          address: { kind: 'socket', address: '10.244.0.7', port: 9080 },
          hostname: 'reviews-v1',
          // Deliberately unsorted: text output sorts by name, JSON keeps counters then gauges.
          stats: [
            { name: 'rq_total', type: 'counter', value: 12 },
            { name: 'cx_total', type: 'counter', value: 2 },
            { name: 'rq_active', type: 'gauge', value: 1 },
            { name: 'cx_active', type: 'gauge', value: 0 },
          ],
          health: { ...NO_FLAGS, failedOutlierCheck: true, failedEdsHealth: true, edsStatusDraining: true },
          weight: 3,
          locality: { region: 'us-east1', zone: 'us-east1-b', subZone: 'rack7' },
          priority: 1,
          canary: true,
          successRate: 99.5,
          localOriginSuccessRate: 100,
        }),
        host({ address: { kind: 'socket', address: 'fd00::1', port: 9080 }, stats: [] }),
      ],
    },
    {
      name: 'sds-grpc',
      observabilityName: 'sds-grpc',
      addedViaApi: false,
      circuitBreakers: THRESHOLDS,
      hosts: [
        host({
          address: { kind: 'pipe', path: './var/run/secrets/workload-spiffe-uds/socket' },
          stats: [{ name: 'cx_total', type: 'counter', value: 0 }],
        }),
      ],
    },
  ];
}

test('/clusters text: Envoy line order, outlier lines only with a detector, host stats sorted', async () => {
  const target = new FakeTarget();
  target.clusterViews = sample();
  const h = await startAdmin(target);
  try {
    const r = await h.get('/clusters');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8');
    const C = 'outbound|9080||reviews.default.svc.cluster.local';
    const A = `${C}::10.244.0.7:9080`;
    const B = `${C}::[fd00::1]:9080`;
    const P = 'sds-grpc::./var/run/secrets/workload-spiffe-uds/socket';
    const expected = [
      `${C}::observability_name::${C}`,
      `${C}::outlier::success_rate_average::-1`,
      `${C}::outlier::success_rate_ejection_threshold::87.1235`,
      `${C}::outlier::local_origin_success_rate_average::-1`,
      `${C}::outlier::local_origin_success_rate_ejection_threshold::-1`,
      `${C}::default_priority::max_connections::4294967295`,
      `${C}::default_priority::max_pending_requests::4294967295`,
      `${C}::default_priority::max_requests::4294967295`,
      `${C}::default_priority::max_retries::4294967295`,
      `${C}::high_priority::max_connections::1024`,
      `${C}::high_priority::max_pending_requests::1024`,
      `${C}::high_priority::max_requests::1024`,
      `${C}::high_priority::max_retries::3`,
      `${C}::added_via_api::true`,
      `${C}::eds_service_name::${C}`,
      `${A}::cx_active::0`,
      `${A}::cx_total::2`,
      `${A}::rq_active::1`,
      `${A}::rq_total::12`,
      `${A}::hostname::reviews-v1`,
      `${A}::health_flags::/failed_outlier_check/failed_eds_health/eds_status_draining`,
      `${A}::weight::3`,
      `${A}::region::us-east1`,
      `${A}::zone::us-east1-b`,
      `${A}::sub_zone::rack7`,
      `${A}::canary::true`,
      `${A}::priority::1`,
      `${A}::success_rate::99.5`,
      `${A}::local_origin_success_rate::100`,
      `${B}::hostname::`,
      `${B}::health_flags::healthy`,
      `${B}::weight::1`,
      `${B}::region::`,
      `${B}::zone::`,
      `${B}::sub_zone::`,
      `${B}::canary::false`,
      `${B}::priority::0`,
      `${B}::success_rate::-1`,
      `${B}::local_origin_success_rate::-1`,
      'sds-grpc::observability_name::sds-grpc',
      'sds-grpc::default_priority::max_connections::4294967295',
      'sds-grpc::default_priority::max_pending_requests::4294967295',
      'sds-grpc::default_priority::max_requests::4294967295',
      'sds-grpc::default_priority::max_retries::4294967295',
      'sds-grpc::high_priority::max_connections::1024',
      'sds-grpc::high_priority::max_pending_requests::1024',
      'sds-grpc::high_priority::max_requests::1024',
      'sds-grpc::high_priority::max_retries::3',
      'sds-grpc::added_via_api::false',
      `${P}::cx_total::0`,
      `${P}::hostname::`,
      `${P}::health_flags::healthy`,
      `${P}::weight::1`,
      `${P}::region::`,
      `${P}::zone::`,
      `${P}::sub_zone::`,
      `${P}::canary::false`,
      `${P}::priority::0`,
      `${P}::success_rate::-1`,
      `${P}::local_origin_success_rate::-1`,
    ];
    assert.deepEqual(r.body.split('\n'), [...expected, '']);
  } finally {
    await h.close();
  }
});

test('/clusters text: every health flag, in Envoy order', async () => {
  const target = new FakeTarget();
  const all = Object.fromEntries(Object.keys(NO_FLAGS).map((k) => [k, true])) as unknown as typeof NO_FLAGS;
  target.clusterViews = [{ ...sample()[1]!, hosts: [host({ health: all, stats: [] })] }];
  const h = await startAdmin(target);
  try {
    const line = (await h.get('/clusters')).body.split('\n').find((l) => l.includes('::health_flags::'));
    assert.equal(
      line,
      'sds-grpc::10.0.0.1:8080::health_flags::/failed_active_hc/failed_outlier_check/failed_eds_health' +
        '/degraded_active_hc/degraded_eds_health/pending_dynamic_removal/pending_active_hc' +
        '/excluded_via_immediate_hc_fail/active_hc_timeout/eds_status_draining',
    );
  } finally {
    await h.close();
  }
});

test('/clusters?format=json: proto3 JSON with Envoy defaults omitted', async () => {
  const target = new FakeTarget();
  target.clusterViews = sample();
  const h = await startAdmin(target);
  try {
    const r = await h.get('/clusters?format=json');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const C = 'outbound|9080||reviews.default.svc.cluster.local';
    const thresholds = [
      { max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295 },
      { priority: 'HIGH', max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 },
    ];
    const expected = {
      cluster_statuses: [
        {
          name: C,
          added_via_api: true,
          success_rate_ejection_threshold: { value: 87.123456789 },
          host_statuses: [
            {
              address: { socket_address: { address: '10.244.0.7', port_value: 9080 } },
              stats: [
                { value: '12', name: 'rq_total' },
                { value: '2', name: 'cx_total' },
                { type: 'GAUGE', value: '1', name: 'rq_active' },
                { type: 'GAUGE', name: 'cx_active' },
              ],
              health_status: { failed_outlier_check: true, eds_health_status: 'DRAINING' },
              success_rate: { value: 99.5 },
              weight: 3,
              hostname: 'reviews-v1',
              priority: 1,
              local_origin_success_rate: { value: 100 },
              locality: { region: 'us-east1', zone: 'us-east1-b', sub_zone: 'rack7' },
            },
            {
              address: { socket_address: { address: 'fd00::1', port_value: 9080 } },
              health_status: { eds_health_status: 'HEALTHY' },
              weight: 1,
              locality: {},
            },
          ],
          circuit_breakers: { thresholds },
          observability_name: C,
          eds_service_name: C,
        },
        {
          name: 'sds-grpc',
          host_statuses: [
            {
              address: { pipe: { path: './var/run/secrets/workload-spiffe-uds/socket' } },
              stats: [{ name: 'cx_total' }],
              health_status: { eds_health_status: 'HEALTHY' },
              weight: 1,
              locality: {},
            },
          ],
          circuit_breakers: { thresholds },
          observability_name: 'sds-grpc',
        },
      ],
    };
    // Exact text, key order included, as Envoy pretty-prints it.
    assert.equal(r.body, JSON.stringify(expected, null, 1) + '\n');
    assert.match(r.body, /^{\n "cluster_statuses": \[\n  {\n   "name": "outbound/);
  } finally {
    await h.close();
  }
});

test('/clusters?format=json: eds_health_status follows the EDS flags', async () => {
  const target = new FakeTarget();
  const base = sample()[1]!;
  target.clusterViews = [{
    ...base,
    hosts: [
      host({ stats: [], health: { ...NO_FLAGS, failedEdsHealth: true, degradedEdsHealth: true } }),
      host({ stats: [], health: { ...NO_FLAGS, degradedEdsHealth: true, failedActiveHc: true, degradedActiveHc: true } }),
      host({ stats: [], health: { ...NO_FLAGS, pendingDynamicRemoval: true, pendingActiveHc: true,
        excludedViaImmediateHcFail: true, activeHcTimeout: true }, successRate: 0 }),
    ],
  }];
  const h = await startAdmin(target);
  try {
    const body = JSON.parse((await h.get('/clusters?format=json')).body);
    const hs = body.cluster_statuses[0].host_statuses;
    assert.deepEqual(hs[0].health_status, { eds_health_status: 'UNHEALTHY' });
    assert.deepEqual(hs[1].health_status, {
      failed_active_health_check: true, eds_health_status: 'DEGRADED', failed_active_degraded_check: true,
    });
    assert.deepEqual(hs[2].health_status, {
      eds_health_status: 'HEALTHY', pending_dynamic_removal: true, pending_active_hc: true,
      excluded_via_immediate_hc_fail: true, active_hc_timeout: true,
    });
    // A zero success rate is a set but empty Percent.
    assert.deepEqual(hs[2].success_rate, {});
  } finally {
    await h.close();
  }
});

test('/clusters with no clusters: empty text, {} JSON', async () => {
  const h = await startAdmin();
  try {
    assert.equal((await h.get('/clusters')).body, '');
    assert.equal((await h.get('/clusters?format=json')).body, '{}\n');
  } finally {
    await h.close();
  }
});
