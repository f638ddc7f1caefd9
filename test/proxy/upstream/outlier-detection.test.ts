import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterAdminView } from '../../../proxy/upstream/cluster-admin-view';
import { HealthFlag } from '../../../proxy/upstream/host';
import { OutlierResult } from '../../../proxy/upstream/types';
import { config, counter, gauge, hosts, manager, staticCluster, until } from './helpers';

function setup(n: number, outlier: object) {
  const { cm, store } = manager();
  cm.addOrUpdateCluster(config(staticCluster('od', hosts(n), { outlier_detection: outlier })));
  const c = cm.get('od')!;
  return { c, store, hs: c.allHosts(), stop: () => cm.shutdown() };
}

test('consecutive 5xx ejects; a success in between resets; max_ejection_percent caps', () => {
  const { c, store, hs, stop } = setup(10, { consecutive_5xx: 3, interval: '3600s', max_ejection_percent: 20 });
  try {
    hs[0].putHttpResponseCode(503);
    hs[0].putHttpResponseCode(500);
    hs[0].putHttpResponseCode(200);
    hs[0].putHttpResponseCode(503);
    hs[0].putHttpResponseCode(503);
    assert.equal(hs[0].hasFlag(HealthFlag.FailedOutlierCheck), false);
    hs[0].putHttpResponseCode(502);
    assert.equal(hs[0].hasFlag(HealthFlag.FailedOutlierCheck), true);
    assert.equal(hs[0].healthy(), false);
    for (let i = 0; i < 100; i++) assert.notEqual(c.chooseHost(undefined), hs[0]);
    assert.equal(gauge(store, 'cluster.od.outlier_detection.ejections_active'), 1);
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_enforced_total'), 1);
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_enforced_consecutive_5xx'), 1);
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_detected_consecutive_5xx'), 1);
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_consecutive_5xx'), 1);
    assert.equal(gauge(store, 'cluster.od.membership_healthy'), 9);
    for (let i = 0; i < 3; i++) hs[1].putHttpResponseCode(500);
    assert.equal(hs[1].hasFlag(HealthFlag.FailedOutlierCheck), true);
    for (let i = 0; i < 3; i++) hs[2].putHttpResponseCode(500);
    assert.equal(hs[2].hasFlag(HealthFlag.FailedOutlierCheck), false, '20% already ejected');
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_overflow'), 1);
  } finally {
    stop();
  }
});

test('at least one host may be ejected with the default 10%', () => {
  const { hs, stop } = setup(3, { interval: '3600s' });
  try {
    for (let i = 0; i < 5; i++) hs[0].putHttpResponseCode(500);
    assert.equal(hs[0].hasFlag(HealthFlag.FailedOutlierCheck), true);
    for (let i = 0; i < 5; i++) hs[1].putHttpResponseCode(500);
    assert.equal(hs[1].hasFlag(HealthFlag.FailedOutlierCheck), false);
  } finally {
    stop();
  }
});

test('ejection returns after base time x ejections, checked on the interval timer', async () => {
  const { hs, store, stop } = setup(2, { consecutive_5xx: 1, interval: '0.05s', base_ejection_time: '0.3s', max_ejection_percent: 100 });
  try {
    const h = hs[0];
    let t0 = Date.now();
    h.putHttpResponseCode(500);
    assert.ok(h.hasFlag(HealthFlag.FailedOutlierCheck));
    await until(() => !h.hasFlag(HealthFlag.FailedOutlierCheck), 2000, 'first return');
    const first = Date.now() - t0;
    assert.ok(first >= 290 && first < 1000, `first ejection lasted ${first} ms`);
    assert.equal(gauge(store, 'cluster.od.outlier_detection.ejections_active'), 0);
    t0 = Date.now();
    h.putHttpResponseCode(500);
    await until(() => !h.hasFlag(HealthFlag.FailedOutlierCheck), 3000, 'second return');
    const second = Date.now() - t0;
    assert.ok(second >= 590 && second < 1500, `second ejection lasted ${second} ms`);
  } finally {
    stop();
  }
});

test('gateway failures eject only when enforced; local-origin errors split or folded', () => {
  const a = setup(3, { interval: '3600s', consecutive_gateway_failure: 2 });
  try {
    a.hs[0].putHttpResponseCode(503);
    a.hs[0].putHttpResponseCode(503);
    assert.equal(a.hs[0].hasFlag(HealthFlag.FailedOutlierCheck), false, 'enforcing_consecutive_gateway_failure defaults to 0');
    assert.equal(counter(a.store, 'cluster.od.outlier_detection.ejections_detected_consecutive_gateway_failure'), 1);
  } finally {
    a.stop();
  }
  const b = setup(3, { interval: '3600s', consecutive_gateway_failure: 2, enforcing_consecutive_gateway_failure: 100 });
  try {
    b.hs[0].putResult(OutlierResult.LocalOriginConnectFailed);
    b.hs[0].putResult(OutlierResult.LocalOriginTimeout);
    assert.equal(b.hs[0].hasFlag(HealthFlag.FailedOutlierCheck), true, 'connect failure = 503, timeout = 504');
  } finally {
    b.stop();
  }
  const s = setup(3, { interval: '3600s', split_external_local_origin_errors: true, consecutive_local_origin_failure: 2, consecutive_5xx: 100 });
  try {
    s.hs[0].putResult(OutlierResult.LocalOriginConnectFailed);
    s.hs[0].putHttpResponseCode(503);
    s.hs[0].putResult(OutlierResult.LocalOriginConnectSuccess);
    s.hs[0].putResult(OutlierResult.LocalOriginConnectFailed);
    assert.equal(s.hs[0].hasFlag(HealthFlag.FailedOutlierCheck), false, 'a connect success resets the local streak');
    s.hs[0].putResult(OutlierResult.LocalOriginTimeout);
    assert.equal(s.hs[0].hasFlag(HealthFlag.FailedOutlierCheck), true);
    assert.equal(counter(s.store, 'cluster.od.outlier_detection.ejections_enforced_consecutive_local_origin_failure'), 1);
  } finally {
    s.stop();
  }
});

test('success rate ejects hosts below mean - 1.9 stdev, judged per interval', () => {
  const { c, hs, store, stop } = setup(5, { interval: '3600s', consecutive_5xx: 1000, success_rate_request_volume: 10, max_ejection_percent: 100 });
  try {
    const od = c.outlierDetector!;
    for (let i = 0; i < 20; i++) for (let k = 0; k < 4; k++) hs[k].putHttpResponseCode(200);
    for (let i = 0; i < 20; i++) hs[4].putHttpResponseCode(i % 2 === 0 ? 200 : 500);
    assert.equal(clusterAdminView(c).outlier!.successRateAverage, -1, 'nothing judged before the interval');
    od.onInterval();
    // mean 90, stdev 20 -> threshold 90 - 1.9 x 20 = 52 > 50.
    assert.equal(od.srAverage, 90);
    assert.ok(Math.abs(od.srThreshold - 52) < 1e-9);
    assert.equal(hs[4].hasFlag(HealthFlag.FailedOutlierCheck), true);
    assert.equal(hs[0].hasFlag(HealthFlag.FailedOutlierCheck), false);
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_enforced_success_rate'), 1);
    const view = clusterAdminView(c);
    assert.equal(view.outlier!.successRateAverage, 90);
    const hv = view.hosts.find((h) => h.address.kind === 'socket' && h.address.port === 10000)!;
    assert.equal(hv.successRate, 100);
    assert.equal(view.hosts.find((h) => h.address.kind === 'socket' && h.address.port === 10004)!.health.failedOutlierCheck, true);
    // Too little volume in the next interval: no numbers.
    od.onInterval();
    assert.equal(od.srAverage, -1);
  } finally {
    stop();
  }
});

test('failure percentage ejects hosts failing at or above the threshold', () => {
  const { c, hs, store, stop } = setup(5, {
    interval: '3600s',
    consecutive_5xx: 1000,
    enforcing_success_rate: 0,
    enforcing_failure_percentage: 100,
    failure_percentage_threshold: 90,
    failure_percentage_request_volume: 10,
    max_ejection_percent: 100,
  });
  try {
    for (let i = 0; i < 20; i++) for (let k = 0; k < 4; k++) hs[k].putHttpResponseCode(k === 2 && i < 17 ? 500 : 200);
    for (let i = 0; i < 20; i++) hs[4].putHttpResponseCode(i === 0 ? 200 : 500);
    c.outlierDetector!.onInterval();
    assert.equal(hs[4].hasFlag(HealthFlag.FailedOutlierCheck), true, '95% failures');
    assert.equal(hs[2].hasFlag(HealthFlag.FailedOutlierCheck), false, '85% failures');
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_enforced_failure_percentage'), 1);
    assert.equal(counter(store, 'cluster.od.outlier_detection.ejections_enforced_success_rate'), 0);
  } finally {
    stop();
  }
});
