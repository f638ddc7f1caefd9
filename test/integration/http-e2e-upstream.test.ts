// End to end through a real tsenvoy process (see http-e2e-routing.test.ts): the upstream side.
// Each retry_on condition with its attempt counts, per-try and route timeouts, Envoy's local
// replies with their bodies, flags and details, circuit-breaker overflow, outlier ejection and
// return, active health checks; each with the counters it moves in /stats, /stats/prometheus
// and /clusters.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import {
  accessLogs,
  bootstrap,
  customLog,
  deadPort,
  delta,
  E2eProxy,
  logFiles,
  ROUTER,
  ScriptedUpstream,
  send,
  staticCluster,
  until,
  upstreams,
} from './http-e2e-support';

const logs = logFiles();
type Name = 'flaky' | 'pairA' | 'pairB' | 'slow' | 'cbr' | 'odGood' | 'odBad' | 'hcA' | 'hcB' | 'tcp';
let up: Record<Name, ScriptedUpstream>;
let dead: number;
let proxy: E2eProxy;

/**
 * A host for TCP health checks that also serves HTTP: a connection opening with PING gets PONG
 * (or NOPE while `healthy` is false); anything else is handed to the scripted HTTP upstream.
 */
class PingHost {
  healthy = true;
  pings = 0;
  port = 0;
  private readonly server: net.Server;
  constructor(private readonly http: ScriptedUpstream) {
    this.server = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', (d: Buffer) => {
        if (d.subarray(0, 4).toString() === 'PING') {
          this.pings++;
          s.write(this.healthy ? 'PONG' : 'NOPE');
          s.on('data', () => {
            this.pings++;
            s.write(this.healthy ? 'PONG' : 'NOPE');
          });
          return;
        }
        s.pause();
        s.unshift(d);
        this.http.server.emit('connection', s);
        s.resume();
      });
    });
  }
  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
let ping: PingHost;

const retryRoute = (prefix: string, cluster: string, policy: object, extra: object = {}) => ({ match: { prefix }, route: { cluster, retry_policy: policy, ...extra } });

function hcm(): object {
  return {
    stat_prefix: 'up',
    use_remote_address: true,
    access_log: accessLogs(logs),
    http_filters: [ROUTER],
    route_config: {
      name: 'upstream-routes',
      virtual_hosts: [
        {
          name: 'default',
          domains: ['*'],
          include_request_attempt_count: true,
          include_attempt_count_in_response: true,
          routes: [
            retryRoute('/retry/5xx', 'flaky', { retry_on: '5xx', num_retries: 3 }),
            retryRoute('/retry/gw', 'flaky', { retry_on: 'gateway-error', num_retries: 2 }),
            retryRoute('/retry/reset', 'flaky', { retry_on: 'reset', num_retries: 1 }),
            retryRoute('/retry/cf', 'dead', { retry_on: 'connect-failure', num_retries: 2 }),
            retryRoute('/retry/rl', 'flaky', { retry_on: 'envoy-ratelimited', num_retries: 1 }),
            retryRoute('/retry/4xx', 'flaky', { retry_on: 'retriable-4xx', num_retries: 1 }),
            retryRoute('/retry/codes', 'flaky', { retry_on: 'retriable-status-codes', retriable_status_codes: [418], num_retries: 1 }),
            retryRoute('/retry/headers', 'flaky', { retry_on: 'retriable-headers', retriable_headers: [{ name: 'x-upstream-retry', string_match: { exact: 'true' } }], num_retries: 1 }),
            retryRoute('/retry/default', 'flaky', { retry_on: '5xx' }),
            retryRoute('/retry/prev', 'pair', {
              retry_on: '5xx',
              num_retries: 1,
              retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
              host_selection_retry_max_attempts: 50,
            }),
            { match: { prefix: '/timeout/route' }, route: { cluster: 'flaky', timeout: '0.3s' } },
            retryRoute('/timeout/pertry', 'flaky', { retry_on: '5xx', num_retries: 1, per_try_timeout: '0.2s' }, { timeout: '3s' }),
            retryRoute('/timeout/idle', 'flaky', { retry_on: '5xx', num_retries: 1, per_try_idle_timeout: '0.2s' }, { timeout: '3s' }),
            { match: { prefix: '/maxrq' }, route: { cluster: 'slowrq' } },
            { match: { prefix: '/idle' }, route: { cluster: 'flaky', idle_timeout: '0.2s' } },
            { match: { prefix: '/tcphc' }, route: { cluster: 'tcphc' } },
            retryRoute('/cbretry', 'cbr', { retry_on: '5xx', num_retries: 3 }),
            { match: { prefix: '/cb' }, route: { cluster: 'slow' } },
            { match: { prefix: '/od' }, route: { cluster: 'od' } },
            { match: { prefix: '/hc' }, route: { cluster: 'hc' } },
            { match: { prefix: '/uh' }, route: { cluster: 'empty' } },
            { match: { prefix: '/dead' }, route: { cluster: 'dead' } },
            { match: { prefix: '/web' }, route: { cluster: 'flaky' } },
          ],
        },
      ],
    },
  };
}

before(async () => {
  up = await upstreams(['flaky', 'pairA', 'pairB', 'slow', 'cbr', 'odGood', 'odBad', 'hcA', 'hcB', 'tcp'] as const);
  ping = await new PingHost(up.tcp).listen();
  up.odBad.status = 500;
  dead = await deadPort();
  const clusters = [
    staticCluster('flaky', [up.flaky.port]),
    staticCluster('pair', [up.pairA.port, up.pairB.port], { lb_policy: 'RANDOM' }),
    staticCluster('dead', [dead], { connect_timeout: '0.25s' }),
    staticCluster('slow', [up.slow.port], { circuit_breakers: { thresholds: [{ max_connections: 1, max_pending_requests: 1 }] } }),
    staticCluster('cbr', [up.cbr.port], { circuit_breakers: { thresholds: [{ max_retries: 0 }] } }),
    staticCluster('slowrq', [up.slow.port], { circuit_breakers: { thresholds: [{ max_requests: 1 }] } }),
    staticCluster('tcphc', [ping.port], {
      health_checks: [{ timeout: '0.5s', interval: '0.05s', no_traffic_interval: '0.05s', unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: { send: { text: '50494e47' }, receive: [{ text: '504f4e47' }] } }],
    }),
    staticCluster('od', [up.odGood.port, up.odBad.port], { outlier_detection: { consecutive_5xx: 3, interval: '0.1s', base_ejection_time: '0.4s', max_ejection_percent: 50 } }),
    staticCluster('hc', [up.hcA.port, up.hcB.port], {
      health_checks: [{ timeout: '0.5s', interval: '0.05s', no_traffic_interval: '0.05s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/healthz' } }],
    }),
    staticCluster('empty', []),
  ];
  proxy = await E2eProxy.start(bootstrap(hcm(), clusters));
});

after(async () => {
  await proxy?.stop();
  for (const u of Object.values(up ?? {})) await u.close();
  await ping?.close();
});

let ids = 0;
/** One request with a fresh test id; returns the reply and the attempts the upstream saw. */
async function run(p: string, script: string, headers: Record<string, string> = {}, target: ScriptedUpstream = up.flaky, method = 'GET', body?: string) {
  const id = `t${++ids}`;
  const r = await send(proxy.listener, p, { method, body, headers: { 'x-test-id': id, 'x-script': script, ...headers } });
  return { id, r, seen: target.attempts(id) };
}

const RESET = 'upstream connect error or disconnect/reset before headers. ';
// A refused connection carries Envoy's transport failure reason after the reset reason.
const REFUSED_SUFFIX = ', transport failure reason: delayed connect error: 111';
const REFUSED_DETAILS = /^upstream_reset_before_response_started\{connection_failure,delayed_connect_error:_111\}$/;

test('retry_on: each condition retried or not, with attempt counts seen upstream and returned; retry counters', async () => {
  const before = await proxy.stats();
  const cases: [string, string, number, number][] = [
    // path, script, final status, attempts
    ['/retry/5xx', '503,500,200', 200, 3],
    ['/retry/5xx', '503', 503, 4],
    ['/retry/5xx', 'ratelimited,200', 503, 1],
    ['/retry/gw', '502,504,200', 200, 3],
    ['/retry/gw', '500,200', 500, 1],
    ['/retry/reset', 'reset,200', 200, 2],
    ['/retry/rl', 'ratelimited,200', 200, 2],
    ['/retry/rl', '503,200', 503, 1],
    ['/retry/4xx', '409,200', 200, 2],
    ['/retry/4xx', '404,200', 404, 1],
    ['/retry/codes', '418,200', 200, 2],
    ['/retry/codes', '419,200', 419, 1],
    ['/retry/headers', 'retryhdr,200', 200, 2],
    ['/retry/headers', '503,200', 503, 1],
    ['/retry/default', '503,503,200', 503, 2],
  ];
  let retries = 0;
  let successes = 0;
  let exceeded = 0;
  for (const [p, script, status, attempts] of cases) {
    const { id, r, seen } = await run(p, script);
    const what = `${p} ${script}`;
    assert.equal(r.status, status, what);
    assert.equal(seen.length, attempts, what);
    assert.deepEqual(
      seen.map((s) => s.headers['x-envoy-attempt-count']),
      Array.from({ length: attempts }, (_, i) => String(i + 1)),
      what,
    );
    assert.equal(r.headers['x-envoy-attempt-count'], String(attempts), what);
    const log = await customLog(logs, id);
    assert.equal(log.attempts, String(attempts), what);
    retries += attempts - 1;
    const outOfRetries = (p === '/retry/5xx' && script === '503') || p === '/retry/default';
    if (outOfRetries) {
      exceeded++;
      assert.equal(log.flags, 'URX', what);
    } else {
      assert.equal(log.flags, '-', what);
      if (attempts > 1) successes++;
    }
  }
  // connect-failure: every attempt fails to connect; the local reply says it was retried.
  const cf = await run('/retry/cf', '');
  assert.equal(cf.r.status, 503);
  assert.match(cf.r.body, new RegExp(`^${RESET}retried and the latest reset reason: connection failure${REFUSED_SUFFIX}$`));
  assert.equal(cf.r.headers['x-envoy-attempt-count'], '3');
  const cfLog = await customLog(logs, cf.id);
  assert.deepEqual([cfLog.code, cfLog.flags, cfLog.cluster, cfLog.attempts], ['503', 'UF,URX', 'dead', '3']);
  assert.match(cfLog.details, REFUSED_DETAILS);
  // POST bodies are replayed on each attempt.
  const post = await run('/retry/5xx', '503,200', {}, up.flaky, 'POST', 'replayed body');
  assert.equal(post.r.status, 200);
  assert.deepEqual(post.seen.map((s) => s.body), ['replayed body', 'replayed body']);

  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_retry'), retries + 1);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_retry_success'), successes + 1);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_retry_limit_exceeded'), exceeded);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_retry_backoff_exponential'), retries + 1);
  assert.equal(delta(before, after, 'cluster.dead.upstream_rq_retry'), 2);
  assert.equal(delta(before, after, 'cluster.dead.upstream_cx_connect_fail'), 3);
  assert.equal(delta(before, after, 'cluster.dead.upstream_rq_retry_limit_exceeded'), 1);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_cluster_upstream_rq_retry{envoy_cluster_name="flaky"}'), after.get('cluster.flaky.upstream_rq_retry'));
  assert.equal(prom.get('envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name="dead"}'), after.get('cluster.dead.upstream_cx_connect_fail'));
  const cl = await proxy.clusters();
  assert.equal(Number(cl.get(`dead::127.0.0.1:${dead}::cx_connect_fail`)), after.get('cluster.dead.upstream_cx_connect_fail'));
  assert.equal(Number(cl.get(`flaky::127.0.0.1:${up.flaky.port}::rq_total`)), after.get('cluster.flaky.upstream_rq_total'));
});

test('retry headers: x-envoy-retry-on, x-envoy-max-retries, x-envoy-retriable-status-codes, x-envoy-retry-grpc-on; previous_hosts', async () => {
  let t = await run('/web/h', '503', { 'x-envoy-retry-on': '5xx', 'x-envoy-max-retries': '2' });
  assert.equal(t.r.status, 503);
  assert.equal(t.seen.length, 3);
  t = await run('/web/h', '503,200');
  assert.equal(t.r.status, 503, 'no policy, no header: no retry');
  assert.equal(t.seen.length, 1);
  t = await run('/web/h', '418,200', { 'x-envoy-retry-on': 'retriable-status-codes', 'x-envoy-retriable-status-codes': '418' });
  assert.equal(t.r.status, 200);
  assert.equal(t.seen.length, 2);
  t = await run('/web/h', 'grpc14,200', { 'x-envoy-retry-grpc-on': 'unavailable' });
  assert.equal(t.r.status, 200);
  assert.equal(t.seen.length, 2);
  t = await run('/web/h', 'grpc14,200', { 'x-envoy-retry-grpc-on': 'cancelled' });
  assert.equal(t.seen.length, 1);
  // previous_hosts: the retry never lands on the host that just failed (RANDOM would, half the time).
  for (let i = 0; i < 20; i++) {
    const id = `prev${i}`;
    const r = await send(proxy.listener, '/retry/prev', { headers: { 'x-test-id': id, 'x-script': '503' } });
    assert.equal(r.status, 503);
    const hosts = [...up.pairA.attempts(id), ...up.pairB.attempts(id)].map((s) => s.up);
    assert.equal(hosts.length, 2);
    assert.notEqual(hosts[0], hosts[1], `attempt ${i}`);
  }
});

test('route timeout 504 UT, per-try (idle) timeout retried or exhausted, route idle_timeout 408 SI, x-envoy-upstream-rq-timeout-ms; timeout counters', async () => {
  const before = await proxy.stats();
  let t0 = Date.now();
  let t = await run('/timeout/route', 'delay=2000');
  assert.equal(t.r.status, 504);
  assert.equal(t.r.body, 'upstream request timeout');
  const took = Date.now() - t0;
  assert.ok(took >= 280 && took < 1500, `route timeout after ${took} ms`);
  assert.deepEqual(await customLog(logs, t.id), { code: '504', flags: 'UT', details: 'response_timeout', cluster: 'flaky', attempts: '1' });

  t = await run('/timeout/pertry', 'delay=2000,200');
  assert.equal(t.r.status, 200);
  assert.equal(t.seen.length, 2);
  assert.equal(t.r.headers['x-envoy-attempt-count'], '2');
  assert.equal(t.seen[0].headers['x-envoy-expected-rq-timeout-ms'], '200');

  t0 = Date.now();
  t = await run('/timeout/pertry', 'delay=2000');
  assert.equal(t.r.status, 504);
  assert.equal(t.r.body, 'upstream request timeout');
  assert.ok(Date.now() - t0 < 1500);
  assert.equal(t.seen.length, 2);
  assert.deepEqual(await customLog(logs, t.id), { code: '504', flags: 'UT,URX', details: 'upstream_per_try_timeout', cluster: 'flaky', attempts: '2' });

  t = await run('/timeout/idle', 'delay=2000,200');
  assert.equal(t.r.status, 200);
  assert.equal(t.seen.length, 2, 'per_try_idle_timeout retried');

  // The route's idle_timeout replaces the HCM's stream_idle_timeout (5 min here): 408 SI.
  t0 = Date.now();
  t = await run('/idle', 'delay=2000');
  assert.equal(t.r.status, 408);
  assert.equal(t.r.body, 'stream timeout');
  assert.ok(Date.now() - t0 < 1500);
  assert.deepEqual(await customLog(logs, t.id), { code: '408', flags: 'SI', details: 'stream_idle_timeout', cluster: 'flaky', attempts: '1' });

  t = await run('/web/timeout', 'delay=2000', { 'x-envoy-upstream-rq-timeout-ms': '200' });
  assert.equal(t.r.status, 504);
  assert.equal(t.seen[0].headers['x-envoy-upstream-rq-timeout-ms'], undefined);
  assert.equal(t.seen[0].headers['x-envoy-expected-rq-timeout-ms'], '200');

  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_timeout'), 2);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_per_try_timeout'), 3);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_per_try_idle_timeout'), 1);
  assert.equal(delta(before, after, 'http.up.downstream_rq_5xx'), 3);
  assert.equal(delta(before, after, 'http.up.downstream_rq_idle_timeout'), 1);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_cluster_upstream_rq_per_try_timeout{envoy_cluster_name="flaky"}'), after.get('cluster.flaky.upstream_rq_per_try_timeout'));
  const cl = await proxy.clusters();
  assert.ok(Number(cl.get(`flaky::127.0.0.1:${up.flaky.port}::rq_timeout`)) >= 5);
});

test('local replies: UH, UF, UC and UPE with Envoy bodies, flags and details', async () => {
  const before = await proxy.stats();
  const cases: [string, string, string | RegExp, string, string | RegExp][] = [
    ['/uh', '', 'no healthy upstream', 'UH', 'no_healthy_upstream'],
    ['/dead', '', new RegExp(`^${RESET}reset reason: connection failure${REFUSED_SUFFIX}$`), 'UF', REFUSED_DETAILS],
    ['/web/uc', 'reset', `${RESET}reset reason: connection termination`, 'UC', 'upstream_reset_before_response_started{connection_termination}'],
    ['/web/upe', 'garbage', `${RESET}reset reason: protocol error`, 'UPE', 'upstream_reset_before_response_started{protocol_error}'],
  ];
  for (const [p, script, body, flags, details] of cases) {
    const t = await run(p, script);
    assert.equal(t.r.status, 503, p);
    if (typeof body === 'string') assert.equal(t.r.body, body, p);
    else assert.match(t.r.body, body, p);
    assert.equal(t.r.headers['content-type'], 'text/plain', p);
    assert.equal(t.r.headers['x-envoy-upstream-service-time'], undefined, p);
    const log = await customLog(logs, t.id);
    assert.deepEqual([log.code, log.flags], ['503', flags], p);
    if (typeof details === 'string') assert.equal(log.details, details, p);
    else assert.match(log.details, details, p);
  }
  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.empty.upstream_cx_none_healthy'), 1);
  assert.equal(delta(before, after, 'cluster.dead.upstream_cx_connect_fail'), 1);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_rq_rx_reset'), 1);
  assert.equal(delta(before, after, 'cluster.flaky.upstream_cx_protocol_error'), 1);
  assert.equal(delta(before, after, 'http.up.downstream_rq_5xx'), 4);
});

test('circuit breakers: pending overflow answers 503 UO with x-envoy-overloaded; retry overflow passes the response; gauges and counters', async () => {
  const before = await proxy.stats();
  // The first request takes the only connection; of the next four, one waits and three overflow.
  const cb = (i: number) => send(proxy.listener, '/cb', { headers: { 'x-test-id': `cb${i}`, 'x-script': 'delay=500' } });
  const inflight = [cb(0)];
  await until(() => up.slow.attempts('cb0').length === 1, 2000, 'the first request upstream');
  for (let i = 1; i < 5; i++) inflight.push(cb(i));
  await until(async () => (await proxy.stats()).get('cluster.slow.upstream_rq_pending_overflow') === (before.get('cluster.slow.upstream_rq_pending_overflow') ?? 0) + 3, 2000, 'three overflows');
  const during = await proxy.stats();
  assert.equal(during.get('cluster.slow.circuit_breakers.default.cx_open'), 1);
  assert.equal(during.get('cluster.slow.circuit_breakers.default.rq_pending_open'), 1);
  assert.equal(during.get('cluster.slow.upstream_cx_active'), 1);
  const all = await Promise.all(inflight);
  const ok = all.filter((r) => r.status === 200).length;
  const overflow = all.filter((r) => r.status === 503);
  assert.equal(ok, 2, all.map((r) => r.status).join(','));
  assert.equal(overflow.length, 3);
  for (const r of overflow) {
    assert.equal(r.body, `${RESET}reset reason: overflow`);
    assert.equal(r.headers['x-envoy-overloaded'], 'true');
  }
  const uoLog = await Promise.all(all.map((r, i) => (r.status === 503 ? customLog(logs, `cb${i}`) : undefined)));
  for (const l of uoLog) if (l) assert.deepEqual([l.flags, l.details], ['UO', 'upstream_reset_before_response_started{overflow}']);

  const t = await run('/cbretry', '503,200', {}, up.cbr);
  assert.equal(t.r.status, 503);
  assert.equal(t.seen.length, 1, 'max_retries 0: no retry');
  assert.equal((await customLog(logs, t.id)).flags, 'UO');

  // max_requests: one active request; the others overflow when their connection is ready.
  const rq = await Promise.all(Array.from({ length: 3 }, () => send(proxy.listener, '/maxrq', { headers: { 'x-script': 'delay=300' } })));
  assert.deepEqual(rq.map((r) => r.status).sort(), [200, 503, 503]);
  assert.ok(rq.filter((r) => r.status === 503).every((r) => r.headers['x-envoy-overloaded'] === 'true'));

  const after = await proxy.stats();
  assert.equal(delta(before, after, 'cluster.slowrq.upstream_rq_pending_overflow'), 2);
  assert.equal(delta(before, after, 'cluster.slow.upstream_rq_pending_overflow'), 3);
  // The pooled connection stays (cx_open stays 1, as in Envoy); nothing is pending any more.
  assert.equal(after.get('cluster.slow.circuit_breakers.default.rq_pending_open'), 0);
  assert.equal(after.get('cluster.slow.upstream_rq_pending_active'), 0);
  assert.equal(delta(before, after, 'cluster.cbr.upstream_rq_retry_overflow'), 1);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_cluster_upstream_rq_pending_overflow{envoy_cluster_name="slow"}'), after.get('cluster.slow.upstream_rq_pending_overflow'));
  const cl = await proxy.clusters();
  assert.equal(cl.get('slow::default_priority::max_connections'), '1');
  assert.equal(cl.get('slow::default_priority::max_pending_requests'), '1');
  assert.equal(cl.get('cbr::default_priority::max_retries'), '0');
});

test('outlier detection: consecutive 5xx ejects the host (traffic avoids it), it returns after base_ejection_time', async () => {
  const bad = `od::127.0.0.1:${up.odBad.port}`;
  const before = await proxy.stats();
  let served = { good: 0, bad: 0 };
  for (let i = 0; i < 6; i++) {
    const r = await send(proxy.listener, '/od');
    served[r.status === 500 ? 'bad' : 'good']++;
  }
  assert.deepEqual(served, { good: 3, bad: 3 });
  const ejected = await proxy.stats();
  assert.equal(ejected.get('cluster.od.outlier_detection.ejections_active'), 1);
  assert.equal(delta(before, ejected, 'cluster.od.outlier_detection.ejections_enforced_consecutive_5xx'), 1);
  assert.equal(delta(before, ejected, 'cluster.od.outlier_detection.ejections_enforced_total'), 1);
  assert.equal(ejected.get('cluster.od.membership_healthy'), 1);
  assert.equal((await proxy.clusters()).get(`${bad}::health_flags`), '/failed_outlier_check');
  assert.equal((await proxy.prometheus()).get('envoy_cluster_outlier_detection_ejections_active{envoy_cluster_name="od"}'), 1);
  served = { good: 0, bad: 0 };
  for (let i = 0; i < 8; i++) served[(await send(proxy.listener, '/od')).status === 500 ? 'bad' : 'good']++;
  assert.deepEqual(served, { good: 8, bad: 0 });

  up.odBad.status = 200;
  await until(async () => (await proxy.clusters()).get(`${bad}::health_flags`) === 'healthy', 3000, 'the ejected host to return');
  const back = await proxy.stats();
  assert.equal(back.get('cluster.od.outlier_detection.ejections_active'), 0);
  assert.equal(back.get('cluster.od.membership_healthy'), 2);
  const hosts = new Set<string>();
  for (let i = 0; i < 6; i++) hosts.add(String((await send(proxy.listener, '/od')).headers['x-up']));
  assert.deepEqual([...hosts].sort(), ['odBad', 'odGood']);
});

test('active HTTP health checks: a failing host leaves the load balancer and comes back; health_check counters', async () => {
  const b = `hc::127.0.0.1:${up.hcB.port}`;
  const before = await proxy.stats();
  assert.equal(before.get('cluster.hc.membership_healthy'), 2);
  up.hcB.health = 503;
  await until(async () => (await proxy.clusters()).get(`${b}::health_flags`) === '/failed_active_hc', 3000, 'hcB to fail its checks');
  const failed = await proxy.stats();
  assert.equal(failed.get('cluster.hc.membership_healthy'), 1);
  assert.ok(delta(before, failed, 'cluster.hc.health_check.failure') >= 1);
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) seen.add(String((await send(proxy.listener, '/hc')).headers['x-up']));
  assert.deepEqual([...seen], ['hcA']);

  up.hcB.health = 200;
  await until(async () => (await proxy.clusters()).get(`${b}::health_flags`) === 'healthy', 3000, 'hcB to pass again');
  seen.clear();
  for (let i = 0; i < 8; i++) seen.add(String((await send(proxy.listener, '/hc')).headers['x-up']));
  assert.deepEqual([...seen].sort(), ['hcA', 'hcB']);
  const after = await proxy.stats();
  assert.ok(delta(before, after, 'cluster.hc.health_check.success') >= 2);
  assert.ok(delta(before, after, 'cluster.hc.health_check.attempt') >= 3);
  assert.ok(up.hcB.healthChecks >= 3);
  const prom = await proxy.prometheus();
  assert.equal(prom.get('envoy_cluster_health_check_failure{envoy_cluster_name="hc"}'), after.get('cluster.hc.health_check.failure'));
  assert.equal(prom.get('envoy_cluster_membership_healthy{envoy_cluster_name="hc"}'), 2);
});

test('active TCP health checks (send PING, expect PONG): a failing host is unhealthy, traffic in panic mode, then it recovers', async () => {
  const h = `tcphc::127.0.0.1:${ping.port}`;
  const before = await proxy.stats();
  assert.equal((await proxy.clusters()).get(`${h}::health_flags`), 'healthy');
  assert.equal((await send(proxy.listener, '/tcphc')).headers['x-up'], 'tcp');
  ping.healthy = false;
  // A reply without PONG is a timeout: Envoy flags it active_hc_timeout too.
  await until(async () => (await proxy.clusters()).get(`${h}::health_flags`) === '/failed_active_hc/active_hc_timeout', 3000, 'the TCP check to fail');
  // Its only host unhealthy, the cluster is below the 50 % panic threshold: Envoy then balances
  // over all hosts (lb_healthy_panic) rather than answering no healthy upstream.
  const r = await send(proxy.listener, '/tcphc');
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-up'], 'tcp');
  ping.healthy = true;
  await until(async () => (await proxy.clusters()).get(`${h}::health_flags`) === 'healthy', 3000, 'the TCP check to pass');
  assert.equal((await send(proxy.listener, '/tcphc')).status, 200);
  const after = await proxy.stats();
  assert.ok(delta(before, after, 'cluster.tcphc.health_check.failure') >= 1);
  assert.ok(delta(before, after, 'cluster.tcphc.health_check.success') >= 1);
  assert.equal(delta(before, after, 'cluster.tcphc.lb_healthy_panic'), 1);
  assert.equal(delta(before, after, 'cluster.tcphc.upstream_cx_none_healthy'), 0);
  assert.ok(ping.pings >= 3);
});
