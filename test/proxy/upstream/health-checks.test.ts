import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthFlag } from '../../../proxy/upstream/host';
import { closedPort, config, counter, endpoint, gauge, httpServer, manager, staticCluster, tcpServer, until } from './helpers';

function hcCluster(name: string, port: number, hc: object, extra: object = {}): object {
  return staticCluster(name, [endpoint('127.0.0.1', port)], {
    health_checks: [{ timeout: '0.5s', interval: '0.03s', no_traffic_interval: '0.03s', unhealthy_threshold: 2, healthy_threshold: 2, ...hc }],
    ...extra,
  });
}

test('HTTP: first check passes at once; 503 fails at once; recovery needs healthy_threshold', async () => {
  const server = await httpServer(200);
  const { cm, store } = manager();
  try {
    cm.addOrUpdateCluster(
      config(
        hcCluster('web', server.port, {
          http_health_check: { path: '/healthz', host: 'hc.example', request_headers_to_add: [{ header: { key: 'x-probe', value: 'yes' } }] },
        }),
      ),
    );
    const c = cm.get('web')!;
    const h = c.allHosts()[0];
    assert.ok(h.hasFlag(HealthFlag.PendingActiveHc), 'hosts start pending');
    assert.ok(h.hasFlag(HealthFlag.FailedActiveHc));
    await cm.initialize();
    assert.equal(h.healthFlags, 0);
    assert.equal(gauge(store, 'cluster.web.health_check.healthy'), 1);
    const r = server.requests[0];
    assert.equal(r.method, 'GET');
    assert.equal(r.url, '/healthz');
    assert.equal(r.headers.host, 'hc.example');
    assert.equal(r.headers['user-agent'], 'Envoy/HC');
    assert.equal(r.headers['x-probe'], 'yes');

    server.status = 503;
    await until(() => h.hasFlag(HealthFlag.FailedActiveHc), 2000, 'failed_active_hc');
    assert.equal(counter(store, 'cluster.web.health_check.failure'), 1, 'a non-retriable status fails at once');
    assert.equal(gauge(store, 'cluster.web.health_check.healthy'), 0);
    assert.equal(gauge(store, 'cluster.web.membership_healthy'), 0);

    server.status = 200;
    const successes = counter(store, 'cluster.web.health_check.success')!;
    await until(() => !h.hasFlag(HealthFlag.FailedActiveHc), 2000, 'recovery');
    assert.ok(counter(store, 'cluster.web.health_check.success')! - successes >= 2, 'healthy_threshold 2');
    assert.ok(counter(store, 'cluster.web.health_check.attempt')! >= 4);
    assert.equal(server.connections, 1, 'reuse_connection keeps one connection');
  } finally {
    cm.shutdown();
    await server.close();
  }
});

test('HTTP: x-envoy-immediate-health-check-fail excludes the host; router-reported fail too', async () => {
  const server = await httpServer(200);
  const { cm, store } = manager();
  try {
    cm.addOrUpdateCluster(config(hcCluster('imm', server.port, { http_health_check: { path: '/' }, healthy_threshold: 1 })));
    await cm.initialize();
    const h = cm.get('imm')!.allHosts()[0];
    server.status = 503;
    server.headers = { 'x-envoy-immediate-health-check-fail': 'true' };
    await until(() => h.hasFlag(HealthFlag.ExcludedViaImmediateHcFail), 2000, 'excluded');
    assert.ok(h.hasFlag(HealthFlag.FailedActiveHc));
    assert.equal(gauge(store, 'cluster.imm.membership_excluded'), 1);
    server.status = 200;
    server.headers = {};
    await until(() => h.healthFlags === 0, 2000, 'back');
    // The router saw the header on a proxied response.
    h.markImmediateHealthCheckFail();
    assert.ok(h.hasFlag(HealthFlag.ExcludedViaImmediateHcFail) && h.hasFlag(HealthFlag.FailedActiveHc));
    assert.equal(counter(store, 'cluster.imm.health_check.passive_failure'), 1);
    await until(() => h.healthFlags === 0, 2000, 'back again');
  } finally {
    cm.shutdown();
    await server.close();
  }
});

test('HTTP: timeouts count toward unhealthy_threshold and set active_hc_timeout', async () => {
  const server = await httpServer(0);
  const { cm, store } = manager();
  try {
    cm.addOrUpdateCluster(config(hcCluster('slow', server.port, { timeout: '0.1s', http_health_check: { path: '/' }, reuse_connection: false })));
    const c = cm.get('slow')!;
    await cm.initialize();
    const h = c.allHosts()[0];
    // The first result (a timeout) is a network failure: still below unhealthy_threshold.
    await until(() => h.hasFlag(HealthFlag.ActiveHcTimeout), 3000, 'active_hc_timeout');
    assert.ok(h.hasFlag(HealthFlag.FailedActiveHc));
    assert.ok(counter(store, 'cluster.slow.health_check.network_failure')! >= 1);
    server.status = 200;
    await until(() => h.healthFlags === 0, 3000, 'healthy');
    assert.ok(server.connections >= 2, 'reuse_connection false: a connection per check');
  } finally {
    cm.shutdown();
    await server.close();
  }
});

test('HTTP: healthy host fails only after unhealthy_threshold network failures', async () => {
  const server = await httpServer(200);
  const { cm, store } = manager();
  try {
    cm.addOrUpdateCluster(config(hcCluster('net', server.port, { timeout: '0.1s', unhealthy_threshold: 3, http_health_check: { path: '/' } })));
    await cm.initialize();
    const h = cm.get('net')!.allHosts()[0];
    assert.equal(h.healthFlags, 0);
    server.status = 0;
    await until(() => (counter(store, 'cluster.net.health_check.network_failure') ?? 0) >= 2, 3000, 'two timeouts');
    if ((counter(store, 'cluster.net.health_check.network_failure') ?? 0) < 3) assert.equal(h.hasFlag(HealthFlag.FailedActiveHc), false);
    await until(() => h.hasFlag(HealthFlag.FailedActiveHc), 3000, 'third timeout');
    assert.ok(counter(store, 'cluster.net.health_check.network_failure')! >= 3);
  } finally {
    cm.shutdown();
    await server.close();
  }
});

test('TCP: send/receive payloads, connect-only, refused connections', async () => {
  const server = await tcpServer(Buffer.from('PONG'));
  const dead = await closedPort();
  const { cm, store } = manager();
  try {
    cm.addOrUpdateCluster(
      config(hcCluster('tcp', server.port, { timeout: '0.2s', tcp_health_check: { send: { text: Buffer.from('PING').toString('hex') }, receive: [{ text: Buffer.from('PONG').toString('hex') }] } })),
    );
    cm.addOrUpdateCluster(config(hcCluster('tcp-connect', server.port, { tcp_health_check: {} })));
    cm.addOrUpdateCluster(config(hcCluster('tcp-dead', dead, { tcp_health_check: {} })));
    await cm.initialize();
    const h = cm.get('tcp')!.allHosts()[0];
    assert.equal(h.healthFlags, 0);
    assert.equal(server.received[0].toString(), 'PING');
    assert.equal(cm.get('tcp-connect')!.allHosts()[0].healthFlags, 0);
    const d = cm.get('tcp-dead')!.allHosts()[0];
    assert.ok(d.hasFlag(HealthFlag.FailedActiveHc));
    assert.equal(d.hasFlag(HealthFlag.PendingActiveHc), false);
    assert.ok(counter(store, 'cluster.tcp-dead.health_check.network_failure')! >= 1);
    server.reply = Buffer.from('NOPE');
    await until(() => h.hasFlag(HealthFlag.FailedActiveHc), 3000, 'wrong reply times out');
    server.reply = Buffer.from('xxPONGxx');
    await until(() => h.healthFlags === 0, 3000, 'reply containing the block passes');
  } finally {
    cm.shutdown();
    await server.close();
  }
});

test('a passing active check returns an outlier-ejected host; traffic switches to interval', async () => {
  const server = await httpServer(200);
  const { cm } = manager();
  try {
    cm.addOrUpdateCluster(
      config(
        hcCluster('mix', server.port, { no_traffic_interval: '60s', interval: '0.03s', http_health_check: { path: '/' } }, { outlier_detection: { consecutive_5xx: 1, interval: '3600s', max_ejection_percent: 100 } }),
      ),
    );
    const c = cm.get('mix')!;
    await cm.initialize();
    const h = c.allHosts()[0];
    // The cluster has carried traffic: checks now run every `interval`.
    c.info.trafficStats.upstream_cx_total.inc();
    h.putHttpResponseCode(500);
    assert.ok(h.hasFlag(HealthFlag.FailedOutlierCheck));
    // The next check is still on the 60 s no-traffic timer; the host stays ejected meanwhile.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(h.hasFlag(HealthFlag.FailedOutlierCheck));
  } finally {
    cm.shutdown();
    await server.close();
  }
  const server2 = await httpServer(200);
  const m2 = manager();
  try {
    m2.cm.addOrUpdateCluster(
      config(hcCluster('mix2', server2.port, { http_health_check: { path: '/' } }, { outlier_detection: { consecutive_5xx: 1, interval: '3600s', max_ejection_percent: 100 } })),
    );
    await m2.cm.initialize();
    const h = m2.cm.get('mix2')!.allHosts()[0];
    h.putHttpResponseCode(500);
    assert.ok(h.hasFlag(HealthFlag.FailedOutlierCheck));
    await until(() => !h.hasFlag(HealthFlag.FailedOutlierCheck), 2000, 'unejected by the health check');
  } finally {
    m2.cm.shutdown();
    await server2.close();
  }
});
