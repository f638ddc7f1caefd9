import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { formatG, formatShortest } from '../../../proxy/stats/number-format';
import { compileRegex, translateRegex } from '../../../proxy/stats/regex-dialects';
import { compareTokenwise } from '../../../proxy/stats/stat-order';
import { compileStatsMatcher } from '../../../proxy/stats/stats-matcher';
import { parseStatsParams } from '../../../proxy/stats/stats-params';

describe('number formatting', () => {
  it('formatG matches printf %g and %.32g', () => {
    assert.equal(formatG(0), '0');
    assert.equal(formatG(99.5), '99.5');
    assert.equal(formatG(100 * 0.999), '99.9');
    assert.equal(formatG(3600000), '3.6e+06');
    assert.equal(formatG(0.0001), '0.0001');
    assert.equal(formatG(0.00001), '1e-05');
    assert.equal(formatG(NaN), 'nan');
    assert.equal(formatG(0.5, 32), '0.5');
    assert.equal(formatG(3600000, 32), '3600000');
    assert.equal(formatG(0.1, 32), '0.10000000000000000555111512312578');
    assert.equal(formatG(1e22, 32), '10000000000000000000000');
    assert.equal(formatG(1e40, 32), '1.0000000000000000303786028427004e+40');
  });

  it('formatShortest matches fmt "{}" for doubles', () => {
    assert.equal(formatShortest(1), '1');
    assert.equal(formatShortest(1.025), '1.025');
    assert.equal(formatShortest(0.1 + 0.2), '0.30000000000000004');
    assert.equal(formatShortest(1e15), '1000000000000000');
    assert.equal(formatShortest(1e16), '1e+16');
    assert.equal(formatShortest(0.0001), '0.0001');
    assert.equal(formatShortest(0.00001), '1e-05');
    assert.equal(formatShortest(1.5e-7), '1.5e-07');
    assert.equal(formatShortest(NaN), 'nan');
    assert.equal(formatShortest(-2.5), '-2.5');
  });
});

describe('regex dialects', () => {
  it('translates POSIX classes, (?P<name>), \\A \\z and leading flags', () => {
    const t = translateRegex('(?i)\\A(?P<n>[_.[:digit:]\\w]+)[[:alpha:]]\\z', 're2');
    assert.deepEqual(t, { ok: true, source: '^(?<n>[_.0-9\\w]+)[a-zA-Z]$', flags: 'i' });
  });

  it('rejects what RE2 cannot do, accepts std::regex lookahead', () => {
    assert.equal(compileRegex('a(?=b)', 're2').ok, false);
    assert.equal(compileRegex('(a)\\1', 're2').ok, false);
    assert.equal(compileRegex('^listener(?=\\.).*?\\.http\\.', 'ecmascript').ok, true);
    assert.equal(compileRegex('[', 're2').ok, false);
  });

  it('keeps a leading ] inside a class literal', () => {
    const r = compileRegex('[]a]+', 're2');
    assert.ok(r.ok && r.regex.test(']a'));
  });
});

describe('stats_matcher', () => {
  const m = (cfg: Parameters<typeof compileStatsMatcher>[0]) => {
    const r = compileStatsMatcher(cfg);
    if (!r.ok) throw new Error(r.errors.join());
    return r.value;
  };
  it('inclusion_list keeps only matching names', () => {
    const inc = m({ inclusion_list: { patterns: [{ prefix: 'server' }, { suffix: 'rbac.allowed' }, { safe_regex: { regex: 'vhost\\..*\\.route\\..*' } }] } });
    assert.equal(inc.rejects('server.live'), false);
    assert.equal(inc.rejects('http.x.rbac.allowed'), false);
    assert.equal(inc.rejects('vhost.a.route.b.x'), false);
    assert.equal(inc.rejects('xvhost.a.route.b'), true, 'safe_regex must match the whole name');
    assert.equal(inc.rejects('cluster.a.x'), true);
  });
  it('exclusion_list drops matching names; ignore_case and contains/exact', () => {
    const exc = m({ exclusion_list: { patterns: [{ contains: 'UPSTREAM', ignore_case: true }, { exact: 'a' }] } });
    assert.equal(exc.rejects('cluster.x.upstream_rq_total'), true);
    assert.equal(exc.rejects('a'), true);
    assert.equal(exc.rejects('ab'), false);
  });
  it('reject_all', () => {
    assert.equal(m({ reject_all: true }).rejects('x'), true);
    assert.equal(m({ reject_all: false }).rejects('x'), false);
    assert.equal(m(undefined).acceptsAll, true);
  });
});

describe('admin query params', () => {
  it('parses flags, keeps + in filters, reports Envoy errors', () => {
    const r = parseStatsParams('?usedonly&filter=rq_\\d+&type=Counters&format=json&histogram_buckets=disjoint&text_readouts');
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.value.usedOnly, true);
    assert.equal(r.value.filter!.source, 'rq_\\d+');
    assert.equal(r.value.type, 'Counters');
    assert.equal(r.value.format, 'json');
    assert.equal(r.value.histogramBuckets, 'disjoint');
    assert.equal(r.value.prometheusTextReadouts, true);
    assert.deepEqual(parseStatsParams('/stats?usedonly&filter=(?=x)'), { ok: false, error: 'Invalid re2 regex' });
    assert.deepEqual(parseStatsParams('type=counters'), { ok: false, error: 'invalid &type= param' });
    assert.equal(parseStatsParams('format=xml').ok, false);
  });
});

describe('stat ordering', () => {
  it('compares token by token', () => {
    const names = ['a.b.c', 'a-b', 'a.b', 'a', 'ab.c', 'a.bb'];
    assert.deepEqual(names.sort(compareTokenwise), ['a', 'a.b', 'a.b.c', 'a.bb', 'a-b', 'ab.c']);
  });

  it('agrees with splitting on dots and comparing the token lists', () => {
    const reference = (a: string, b: string): number => {
      const ta = a.split('.');
      const tb = b.split('.');
      for (let i = 0; i < Math.min(ta.length, tb.length); i++) if (ta[i] !== tb[i]) return ta[i] < tb[i] ? -1 : 1;
      return Math.sign(ta.length - tb.length);
    };
    const edge = ['', '.', '..', 'a', 'a.', '.a', 'a..b', 'a.b', 'a-', 'a.-', 'a!', 'a.!', 'a\u00e9', 'a./'];
    const alphabet = ['.', '-', '!', 'a', 'b', '_', '.', '|', '\u00e9'];
    let x = 7;
    const rnd = (m: number): number => (x = (x * 1103515245 + 12345) % 2147483648) % m;
    const word = (): string => Array.from({ length: rnd(6) }, () => alphabet[rnd(alphabet.length)]).join('');
    const pairs: Array<[string, string]> = [];
    for (const a of edge) for (const b of edge) pairs.push([a, b]);
    for (let i = 0; i < 20000; i++) {
      const a = word();
      pairs.push([a, rnd(3) === 0 ? a.slice(0, rnd(a.length + 1)) + word() : word()]);
    }
    for (const [a, b] of pairs) assert.equal(compareTokenwise(a, b), reference(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  });
});
