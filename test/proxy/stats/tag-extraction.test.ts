import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { compileTagProducer, type ProducedTags } from '../../../proxy/stats/tag-producer';
import { regexPrefixToken } from '../../../proxy/stats/tag-extractor';
import type { StatsConfigInput } from '../../../proxy/stats/stats-config';

function producer(config?: StatsConfigInput) {
  const r = compileTagProducer(config);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

function tagsOf(p: ProducedTags): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < p.tags.length; i += 2) out.push([p.tags[i], p.tags[i + 1]]);
  return out;
}

describe('default tag extractors (Envoy well_known_names)', () => {
  const p = producer();
  const cases: Array<[string, string, Array<[string, string]>]> = [
    ['cluster.backend.upstream_rq_200', 'cluster.upstream_rq', [['envoy.response_code', '200'], ['envoy.cluster_name', 'backend']]],
    ['cluster.backend.upstream_rq_total', 'cluster.upstream_rq_total', [['envoy.cluster_name', 'backend']]],
    ['cluster.backend.upstream_rq_5xx', 'cluster.upstream_rq_xx', [['envoy.response_code_class', '5'], ['envoy.cluster_name', 'backend']]],
    ['http.ingress.downstream_rq_2xx', 'http.downstream_rq_xx', [['envoy.response_code_class', '2'], ['envoy.http_conn_manager_prefix', 'ingress']]],
    ['listener.0.0.0.0_15001.downstream_cx_total', 'listener.downstream_cx_total', [['envoy.listener_address', '0.0.0.0_15001']]],
    ['listener.[__1]_15001.downstream_cx_total', 'listener.downstream_cx_total', [['envoy.listener_address', '[__1]_15001']]],
    ['listener.virtualInbound.downstream_cx_total', 'listener.downstream_cx_total', [['envoy.listener_address', 'virtualInbound']]],
    ['listener.admin.downstream_cx_total', 'listener.admin.downstream_cx_total', []],
    ['tcp.prefix.x', 'tcp.x', [['envoy.tcp_prefix', 'prefix']]],
    ['vhost.vh1.vcluster.vc1.upstream_rq_time', 'vhost.vcluster.upstream_rq_time', [['envoy.virtual_cluster', 'vc1'], ['envoy.virtual_host', 'vh1']]],
    ['vhost.vh1.route.r1.upstream_rq_total', 'vhost.route.upstream_rq_total', [['envoy.virtual_host', 'vh1'], ['envoy.route', 'r1']]],
    // Regex extractors were added before tokenized ones, so rds_route_config precedes the prefix.
    ['http.ingress.rds.my.route.config.version', 'http.rds.version', [['envoy.rds_route_config', 'my.route.config'], ['envoy.http_conn_manager_prefix', 'ingress']]],
    // Envoy's worker regex cuts only the id and its dot, leaving 'worker_' in the name.
    ['listener_manager.worker_3.dispatcher.loop_duration_us', 'listener_manager.worker_dispatcher.loop_duration_us', [['envoy.worker_id', '3']]],
    ['server.worker_0.watchdog_miss', 'server.worker_watchdog_miss', [['envoy.worker_id', '0']]],
    ['listener.0.0.0.0_80.worker_1.downstream_cx_active', 'listener.worker_downstream_cx_active', [['envoy.worker_id', '1'], ['envoy.listener_address', '0.0.0.0_80']]],
    ['listener.0.0.0.0_80.http.ingress.downstream_rq_2xx', 'listener.http.downstream_rq_xx', [['envoy.response_code_class', '2'], ['envoy.http_conn_manager_prefix', 'ingress'], ['envoy.listener_address', '0.0.0.0_80']]],
    ['cluster.grpc_cl.grpc.Greeter.SayHello.success', 'cluster.grpc.success', [['envoy.grpc_bridge_method', 'SayHello'], ['envoy.grpc_bridge_service', 'Greeter'], ['envoy.cluster_name', 'grpc_cl']]],
    ['http.ingress.user_agent.ios.downstream_rq_total', 'http.user_agent.downstream_rq_total', [['envoy.http_user_agent', 'ios'], ['envoy.http_conn_manager_prefix', 'ingress']]],
    ['listener.0.0.0.0_443.ssl.ciphers.ECDHE-RSA-AES128-GCM-SHA256', 'listener.ssl.ciphers', [['envoy.ssl_cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], ['envoy.listener_address', '0.0.0.0_443']]],
    ['cluster.c1.ssl.versions.TLSv1.3', 'cluster.ssl.versions', [['envoy.ssl_version', 'TLSv1.3'], ['envoy.cluster_name', 'c1']]],
    ['mongo.mp.cmd.find.total', 'mongo.cmd.total', [['envoy.mongo_cmd', 'find'], ['envoy.mongo_prefix', 'mp']]],
    ['rl.http_local_rate_limit.rate_limited', 'http_local_rate_limit.rate_limited', [['envoy.local_http_ratelimit_prefix', 'rl']]],
    ['server.live', 'server.live', []],
    ['cluster_manager.cds.update_success', 'cluster_manager.cds.update_success', []],
  ];
  for (const [name, ten, tags] of cases) {
    it(name, () => {
      const r = p.produce(name);
      assert.equal(r.tagExtractedName, ten);
      assert.deepEqual(tagsOf(r), tags);
    });
  }

  it('returns the very same string when nothing is extracted', () => {
    const n = 'server.live';
    assert.equal(p.produce(n).tagExtractedName, n);
  });
});

describe('custom stats_tags', () => {
  it('fixed_value adds a tag to every stat without renaming', () => {
    const p = producer({ use_all_default_tags: false, stats_tags: [{ tag_name: 'mesh', fixed_value: 'm1' }] });
    const r = p.produce('cluster.a.upstream_rq_total');
    assert.equal(r.tagExtractedName, 'cluster.a.upstream_rq_total');
    assert.deepEqual(tagsOf(r), [['mesh', 'm1']]);
  });

  it('one capture group: the group is both removed and the value (std::regex rules)', () => {
    const p = producer({ use_all_default_tags: false, stats_tags: [{ tag_name: 'code', regex: '_(\\d{3})$' }] });
    const r = p.produce('x.rq_404');
    assert.equal(r.tagExtractedName, 'x.rq_');
    assert.deepEqual(tagsOf(r), [['code', '404']]);
  });

  it('an empty regex selects the default extractors of that name', () => {
    const p = producer({ use_all_default_tags: false, stats_tags: [{ tag_name: 'envoy.cluster_name' }] });
    const r = p.produce('cluster.backend.upstream_rq_200');
    assert.equal(r.tagExtractedName, 'cluster.upstream_rq_200');
    assert.deepEqual(tagsOf(r), [['envoy.cluster_name', 'backend']]);
  });

  it('rejects unknown default names, empty tag names and bad regexes with field paths', () => {
    const r = compileTagProducer({ stats_tags: [{ tag_name: 'nope' }, { regex: 'x' }, { tag_name: 't', regex: '(' }] });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.match(r.errors[0], /^stats_tags\[0\]: No regex specified for tag specifier and no default regex for name: 'nope'$/);
    assert.match(r.errors[1], /^stats_tags\[1\]\.tag_name: tag_name cannot be empty$/);
    assert.match(r.errors[2], /^stats_tags\[2\]\.regex: Invalid regex/);
  });

  it('the first extractor of a repeated tag name that matches wins', () => {
    const p = producer({
      use_all_default_tags: false,
      stats_tags: [
        { tag_name: 'pfx', regex: '^a\\.((\\w+)\\.)' },
        { tag_name: 'pfx', regex: '^a\\.\\w+\\.((\\w+)\\.)' },
      ],
    });
    const r = p.produce('a.one.two.three');
    assert.equal(r.tagExtractedName, 'a.two.three');
    assert.deepEqual(tagsOf(r), [['pfx', 'one']]);
  });

  it('custom extractors run after the defaults they share a first token with', () => {
    const p = producer({ stats_tags: [{ tag_name: 'shard', regex: '^cluster\\.\\w+\\.(shard_(\\d+)\\.)' }] });
    const r = p.produce('cluster.backend.shard_7.upstream_rq_total');
    assert.equal(r.tagExtractedName, 'cluster.upstream_rq_total');
    assert.deepEqual(tagsOf(r), [['envoy.cluster_name', 'backend'], ['shard', '7']]);
  });
});

describe('regexPrefixToken (first-token index)', () => {
  it('follows Envoy extractRegexPrefix', () => {
    assert.equal(regexPrefixToken('^cluster\\.((.*?)\\.)'), 'cluster');
    assert.equal(regexPrefixToken('^listener(?=\\.).*?\\.http\\.'), 'listener');
    assert.equal(regexPrefixToken('^cluster(\\.(.+);)'), '');
    assert.equal(regexPrefixToken('_rq(_(\\d{3}))$'), '');
    assert.equal(regexPrefixToken('^foo$'), 'foo');
    assert.equal(regexPrefixToken('^(?:a|b)\\.'), '');
  });
});
