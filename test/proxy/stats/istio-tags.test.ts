import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { packageRoot } from '../../../proxy/common/package-root';
import { renderPrometheus } from '../../../proxy/stats/render-prometheus';
import type { StatsConfigInput } from '../../../proxy/stats/stats-config';
import { createStatsStore } from '../../../proxy/stats/stats-store';
import { compileTagProducer } from '../../../proxy/stats/tag-producer';
import { params } from './helpers';

const GOLDEN = path.join(packageRoot(), '..', 'shared', 'fixtures', 'istio', 'bootstrap', 'default_golden.json');
const golden: StatsConfigInput | undefined = fs.existsSync(GOLDEN)
  ? (JSON.parse(fs.readFileSync(GOLDEN, 'utf8')).stats_config as StatsConfigInput)
  : undefined;
const skip = golden === undefined ? `Istio golden bootstrap not found at ${GOLDEN}` : false;

/** Prometheus line(s) for a single counter under `config`, with the stats_matcher removed. */
function promLine(config: StatsConfigInput, name: string): string {
  const store = createStatsStore({ ...config, stats_matcher: undefined });
  store.counter(name).add(5);
  return renderPrometheus(store, params())
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('\n');
}

describe('Istio default bootstrap stats_config', { skip }, () => {
  it('compiles (ECMAScript lookahead and POSIX classes included)', () => {
    const r = compileTagProducer(golden);
    assert.equal(r.ok, true, r.ok ? '' : r.errors.join('; '));
  });

  const cases: Array<[string, string]> = [
    ['cluster.xds-grpc;.upstream_rq_total', 'envoy_cluster_upstream_rq_total{cluster_name="xds-grpc"} 5'],
    [
      'cluster.outbound|80||a.b.svc.cluster.local;.upstream_rq_total',
      'envoy_cluster_upstream_rq_total{cluster_name="outbound|80||a.b.svc.cluster.local"} 5',
    ],
    [
      'cluster.outbound|80||a.b.svc.cluster.local;.upstream_rq_503',
      'envoy_cluster_upstream_rq{cluster_name="outbound|80||a.b.svc.cluster.local",response_code="503"} 5',
    ],
    [
      'http.inbound_0.0.0.0_80;.downstream_rq_2xx',
      'envoy_http_downstream_rq{response_code_class="2xx",http_conn_manager_prefix="inbound_0.0.0.0_80"} 5',
    ],
    ['listener.0.0.0.0_15001.downstream_cx_total', 'envoy_listener_downstream_cx_total{listener_address="0.0.0.0_15001"} 5'],
    ['tcp.outbound|443||x.com.downstream_cx_total', 'envoy_tcp_downstream_cx_total{tcp_prefix="outbound|443||x.com"} 5'],
    ['server.worker_0.watchdog_miss', 'envoy_server_watchdog_miss{thread_name="worker_0"} 5'],
    [
      'http.inbound_0.0.0.0_80;.rbac.allowed',
      'envoy_http_rbac{authz_enforce_result="allowed",http_conn_manager_prefix="inbound_0.0.0.0_80"} 5',
    ],
    // Without Istio's ';' delimiter the cluster_name regex does not apply (no default tags either).
    [
      'cluster.outbound|80||a.b.svc.cluster.local.upstream_rq_total',
      'envoy_cluster_outbound_80__a_b_svc_cluster_local_upstream_rq_total{} 5',
    ],
  ];
  for (const [name, line] of cases) {
    it(name, () => assert.equal(promLine(golden!, name), line));
  }

  it('the inclusion list decides which stats exist', () => {
    const store = createStatsStore(golden);
    const kept = ['server.state', 'cluster_manager.cds.update_success', 'listener_manager.lds.update_rejected',
      'cluster.xds-grpc;.upstream_cx_active', 'http.inbound_0.0.0.0_80;.rbac.denied', 'vhost.v.route.r.upstream_rq_total',
      'reporter=.destination_service=x', 'istio_requests_total'];
    const dropped = ['cluster.outbound|80||a.b.svc.cluster.local;.upstream_rq_total', 'listener.0.0.0.0_15001.downstream_cx_total',
      'http.inbound_0.0.0.0_80;.downstream_rq_total', 'vhost.v.upstream_rq_total'];
    for (const n of kept) assert.equal(store.counter(n).name, n, `${n} should exist`);
    for (const n of dropped) assert.equal(store.counter(n).name, '', `${n} should be rejected`);
  });
});

describe('older Istio cluster_name regex (envoy-compat.md 1.7)', () => {
  it('keeps dots of the service name in the label', () => {
    const config: StatsConfigInput = {
      use_all_default_tags: false,
      stats_tags: [{ tag_name: 'cluster_name', regex: '^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)' }],
    };
    assert.equal(
      promLine(config, 'cluster.outbound|80||a.b.svc.cluster.local.upstream_rq_total'),
      'envoy_cluster_upstream_rq_total{cluster_name="outbound|80||a.b.svc.cluster.local"} 5',
    );
  });
});
