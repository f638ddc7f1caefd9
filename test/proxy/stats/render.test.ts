import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { renderPrometheus } from '../../../proxy/stats/render-prometheus';
import { renderStatsJson } from '../../../proxy/stats/render-json';
import { renderStatsText } from '../../../proxy/stats/render-text';
import { createStatsStore, type StatsStore } from '../../../proxy/stats/stats-store';
import { params } from './helpers';

/** A store with a bit of everything, flushed once. */
function sample(): StatsStore {
  const store = createStatsStore();
  store.counter('cluster.backend.upstream_rq_200').add(40);
  store.counter('cluster.backend.upstream_rq_total').add(42);
  store.counter('cluster.backend.upstream_cx_none');
  store.gauge('server.state').set(0);
  store.gauge('cluster.backend.upstream_cx_active').set(3);
  store.textReadout('server.version').set('abc/1.0/Clean/RELEASE');
  store.histogram('cluster.backend.upstream_rq_time').recordValue(1);
  store.histogram('cluster.backend.upstream_cx_length_ms');
  store.flush();
  return store;
}

const P_ONE =
  'P0(1,1) P25(1.025,1.025) P50(1.05,1.05) P75(1.075,1.075) P90(1.09,1.09) P95(1.095,1.095) ' +
  'P99(1.099,1.099) P99.5(1.0995,1.0995) P99.9(1.0999,1.0999) P100(1.1,1.1)';

describe('/stats text', () => {
  it('renders three phases, each sorted by name', () => {
    assert.equal(
      renderStatsText(sample(), params()),
      [
        'server.version: "abc/1.0/Clean/RELEASE"',
        'cluster.backend.upstream_cx_active: 3',
        'cluster.backend.upstream_cx_none: 0',
        'cluster.backend.upstream_rq_200: 40',
        'cluster.backend.upstream_rq_total: 42',
        'server.state: 0',
        'cluster.backend.upstream_cx_length_ms: No recorded values',
        `cluster.backend.upstream_rq_time: ${P_ONE}`,
        '',
      ].join('\n'),
    );
  });

  it('usedonly drops never-written stats and unmerged histograms', () => {
    const out = renderStatsText(sample(), params('usedonly'));
    assert.ok(!out.includes('upstream_cx_none'));
    assert.ok(!out.includes('upstream_cx_length_ms'));
    assert.ok(out.includes('server.state: 0'));
  });

  it('filter is a partial regex match on the full name (pilot-agent readiness query)', () => {
    const store = sample();
    store.gauge('listener_manager.workers_started').set(1);
    store.counter('listener_manager.lds.update_success').inc();
    const q = 'usedonly&filter=' + encodeURIComponent('^(server\\.state|listener_manager\\.workers_started)');
    assert.equal(renderStatsText(store, params(q)), 'listener_manager.workers_started: 1\nserver.state: 0\n');
    assert.equal(renderStatsText(store, params('filter=rq_\\d+')), 'cluster.backend.upstream_rq_200: 40\n');
  });

  it('type selects one kind', () => {
    const s = sample();
    assert.equal(renderStatsText(s, params('type=Gauges')), 'cluster.backend.upstream_cx_active: 3\nserver.state: 0\n');
    assert.equal(renderStatsText(s, params('type=TextReadouts')), 'server.version: "abc/1.0/Clean/RELEASE"\n');
    assert.equal(renderStatsText(s, params('type=Histograms&usedonly')), `cluster.backend.upstream_rq_time: ${P_ONE}\n`);
    assert.equal(renderStatsText(s, params('type=Counters&filter=total')), 'cluster.backend.upstream_rq_total: 42\n');
  });

  it('shows nan for an interval without samples', () => {
    const s = sample();
    s.flush();
    const line = renderStatsText(s, params('type=Histograms&usedonly'));
    assert.ok(line.startsWith('cluster.backend.upstream_rq_time: P0(nan,1) P25(nan,1.025)'), line);
  });

  it('histogram_buckets=cumulative|disjoint|detailed', () => {
    const store = createStatsStore({ histogram_bucket_settings: [{ match: { prefix: 'h' }, buckets: [1, 5, 10] }] });
    const h = store.histogram('h');
    h.recordValue(2);
    h.recordValue(7);
    store.flush();
    h.recordValue(7);
    store.flush();
    assert.equal(renderStatsText(store, params('histogram_buckets=cumulative')), 'h: B1(0,0) B5(0,1) B10(1,3)\n');
    assert.equal(renderStatsText(store, params('histogram_buckets=disjoint')), 'h: B1(0,0) B5(0,1) B10(1,2)\n');
    assert.equal(
      renderStatsText(store, params('histogram_buckets=detailed')),
      'h:\n  totals=2,0.1:1, 7,0.1:2\n  intervals=7,0.1:1\n  summary=' +
        'P0(7,2) P25(7.025,2.075) P50(7.05,7.025) P75(7.075,7.0625) P90(7.09,7.085) P95(7.095,7.0925) ' +
        'P99(7.099,7.0985) P99.5(7.0995,7.09925) P99.9(7.0999,7.09985) P100(7.1,7.1)\n',
    );
  });
});

describe('/stats?format=json', () => {
  it('renders stats then one histograms entry', () => {
    const store = createStatsStore();
    store.textReadout('t').set('v"1');
    store.counter('c').add(12);
    store.gauge('b').set(3);
    store.histogram('h').recordValue(1);
    store.histogram('unused');
    store.flush();
    const nulls = Array(10).fill('{"cumulative":null,"interval":null}').join(',');
    assert.equal(
      renderStatsJson(store, params()),
      '{"stats":[{"name":"t","value":"v\\"1"},{"name":"b","value":3},{"name":"c","value":12},' +
        '{"histograms":{"supported_quantiles":[0,25,50,75,90,95,99,99.5,99.9,100],"computed_quantiles":[' +
        '{"name":"h","values":[{"cumulative":1,"interval":1},{"cumulative":1.025,"interval":1.025},' +
        '{"cumulative":1.05,"interval":1.05},{"cumulative":1.075,"interval":1.075},{"cumulative":1.09,"interval":1.09},' +
        '{"cumulative":1.095,"interval":1.095},{"cumulative":1.099,"interval":1.099},{"cumulative":1.0995,"interval":1.0995},' +
        '{"cumulative":1.0999,"interval":1.0999},{"cumulative":1.1,"interval":1.1}]},' +
        `{"name":"unused","values":[${nulls}]}]}}]}`,
    );
    JSON.parse(renderStatsJson(store, params()));
  });

  it('omits the histograms entry when none is selected', () => {
    const store = createStatsStore();
    store.histogram('h');
    assert.equal(renderStatsJson(store, params('usedonly')), '{"stats":[]}');
  });

  it('cumulative buckets', () => {
    const store = createStatsStore({ histogram_bucket_settings: [{ match: { exact: 'h' }, buckets: [0.5, 5] }] });
    store.histogram('h').recordValue(3);
    store.flush();
    assert.equal(
      renderStatsJson(store, params('histogram_buckets=cumulative')),
      '{"stats":[{"histograms":[{"name":"h","buckets":[{"upper_bound":0.5,"interval":0,"cumulative":0},' +
        '{"upper_bound":5,"interval":1,"cumulative":1}]}]}]}',
    );
  });
});

describe('/stats/prometheus', () => {
  it('renders counters, gauges, then histograms with Envoy default tags', () => {
    const out = renderPrometheus(sample(), params());
    const expected = [
      '# TYPE envoy_cluster_upstream_cx_none counter',
      'envoy_cluster_upstream_cx_none{envoy_cluster_name="backend"} 0',
      '# TYPE envoy_cluster_upstream_rq counter',
      'envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="backend"} 40',
      '# TYPE envoy_cluster_upstream_rq_total counter',
      'envoy_cluster_upstream_rq_total{envoy_cluster_name="backend"} 42',
      '# TYPE envoy_cluster_upstream_cx_active gauge',
      'envoy_cluster_upstream_cx_active{envoy_cluster_name="backend"} 3',
      '# TYPE envoy_server_state gauge',
      'envoy_server_state{} 0',
      '# TYPE envoy_cluster_upstream_cx_length_ms histogram',
    ];
    assert.equal(out.split('\n').slice(0, expected.length).join('\n'), expected.join('\n'));
    const tail = out.split('\n').slice(-6).join('\n');
    assert.equal(
      tail,
      [
        'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="1800000"} 1',
        'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="3600000"} 1',
        'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="+Inf"} 1',
        'envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="backend"} 1.0500000000000000444089209850063',
        'envoy_cluster_upstream_rq_time_count{envoy_cluster_name="backend"} 1',
        '',
      ].join('\n'),
    );
    assert.ok(out.includes('envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="0.5"} 0\n'));
    assert.ok(out.includes('envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="backend",le="5"} 1\n'));
    assert.ok(!out.includes('server_version'));
  });

  it('text_readouts adds text readouts as gauges with value 0', () => {
    const out = renderPrometheus(sample(), params('text_readouts&type=TextReadouts'));
    assert.equal(out, '# TYPE envoy_server_version gauge\nenvoy_server_version{text_value="abc/1.0/Clean/RELEASE"} 0\n');
  });

  it('groups samples under one TYPE line, ordered token by token like Envoy', () => {
    const store = createStatsStore({ use_all_default_tags: false });
    store.counter('a-b.x').inc();
    store.counter('a.c').inc();
    // /stats sorts bytes ('-' < '.'), Prometheus compares '.'-tokens ("a" < "a-b").
    assert.equal(renderStatsText(store, params()), 'a-b.x: 1\na.c: 1\n');
    assert.equal(renderPrometheus(store, params()), '# TYPE envoy_a_c counter\nenvoy_a_c{} 1\n# TYPE envoy_a_b_x counter\nenvoy_a_b_x{} 1\n');
    const tagged = createStatsStore();
    tagged.counter('cluster.b.upstream_rq_total').add(2);
    tagged.counter('cluster.a.upstream_rq_total').add(1);
    assert.equal(
      renderPrometheus(tagged, params()),
      '# TYPE envoy_cluster_upstream_rq_total counter\n' +
        'envoy_cluster_upstream_rq_total{envoy_cluster_name="a"} 1\n' +
        'envoy_cluster_upstream_rq_total{envoy_cluster_name="b"} 2\n',
    );
  });

  it('escapes label values and honours usedonly and filter', () => {
    const store = createStatsStore({ use_all_default_tags: false, stats_tags: [{ tag_name: 'v', regex: '^x\\.(([^.]+)\\.)' }] });
    store.counter('x.a"b\\c.n').inc();
    store.counter('x.unused.n');
    assert.equal(renderPrometheus(store, params('usedonly')), '# TYPE envoy_x_n counter\nenvoy_x_n{v="a\\"b\\\\c"} 1\n');
    assert.equal(renderPrometheus(store, params('filter=unused')), '# TYPE envoy_x_n counter\nenvoy_x_n{v="unused"} 0\n');
  });

  it('strips a registered custom namespace and drops the envoy_ prefix', () => {
    const store = createStatsStore();
    store.registerCustomNamespace('istiocustom');
    store.counter('istiocustom.istio_requests_total').add(9);
    store.counter('istiocustom.9bad').inc();
    assert.equal(renderPrometheus(store, params()), '# TYPE istio_requests_total counter\nistio_requests_total{} 9\n');
  });

  it('formats custom bucket bounds with %.32g', () => {
    const store = createStatsStore({ histogram_bucket_settings: [{ match: { exact: 'h' }, buckets: [0.1, 2.5] }] });
    store.histogram('h').recordValue(2);
    store.flush();
    assert.equal(
      renderPrometheus(store, params()),
      [
        '# TYPE envoy_h histogram',
        'envoy_h_bucket{le="0.10000000000000000555111512312578"} 0',
        'envoy_h_bucket{le="2.5"} 1',
        'envoy_h_bucket{le="+Inf"} 1',
        'envoy_h_sum{} 2.049999999999999822364316059975',
        'envoy_h_count{} 1',
        '',
      ].join('\n'),
    );
  });
});
