// The store's index of eager stat name heads: a probe for stats under a prefix may skip the full
// names only when no eager stat shares the prefix's head, and the index follows stats as they are
// created and released, so a block or a deferred group is never used over an eager stat.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { EagerHeads } from '../../../proxy/stats/eager-heads';
import { StatBlockLayout } from '../../../proxy/stats/stat-block-layout';
import { createStatsStore, deferStats, openStatBlock } from '../../../proxy/stats/stats-store';

const P = 'cluster.outbound|80||reviews.ns.svc.cluster.local';
const L = new StatBlockLayout(['attempt'], ['healthy']);

describe('EagerHeads', () => {
  it('counts names by their first two segments and forgets a head with its last name', () => {
    const h = new EagerHeads();
    assert.equal(h.mayHaveUnder(P), false);
    h.added(`${P}.upstream_rq_total`);
    h.added('cluster.outbound|80||reviews.other.svc.cluster.local.upstream_rq_total');
    assert.equal(h.mayHaveUnder(P), true);
    assert.equal(h.mayHaveUnder('cluster.outbound|80||ratings.ns.svc.cluster.local'), false);
    h.removed(`${P}.upstream_rq_total`);
    assert.equal(h.mayHaveUnder(P), true, 'another name with the same head is still there');
    h.removed('cluster.outbound|80||reviews.other.svc.cluster.local.upstream_rq_total');
    assert.equal(h.mayHaveUnder(P), false);
    h.removed('cluster.never.added');
    assert.equal(h.mayHaveUnder('cluster.never'), false);
  });

  it('cannot rule anything out under a prefix without a dot', () => {
    const h = new EagerHeads();
    assert.equal(h.mayHaveUnder('server'), true);
    h.added('server.live');
    assert.equal(h.mayHaveUnder('server'), true);
  });
});

describe('stats store probes through the heads', () => {
  it('a block is refused while an eager stat of its names lives, and used once it is released', () => {
    const store = createStatsStore();
    const holder = store.scope(`${P}.`);
    holder.counter('attempt').inc();
    assert.equal(openStatBlock(store.scope(`${P}.`), L), undefined, 'the eager stat keeps the caller eager');
    holder.release();
    assert.notEqual(openStatBlock(store.scope(`${P}.`), L), undefined, 'no eager stat left: the block is used');
  });

  it('an eager stat made on the root by full name is seen under the prefix', () => {
    const store = createStatsStore();
    store.gauge(`${P}.healthy`);
    assert.equal(openStatBlock(store.scope(`${P}.`), L), undefined);
  });

  it('a deferred group is refused while its stats exist eagerly, and deferred once they are gone', () => {
    const store = createStatsStore();
    const names = { counters: ['upstream_rq_total'], gauges: [], histograms: [] };
    const holder = store.scope(`${P}.`);
    holder.counter('upstream_rq_total').add(2);
    assert.equal(deferStats(store.scope(`${P}.`), names), false, 'existing stats are taken, not deferred');
    holder.release();
    const fresh = store.scope(`${P}.`);
    assert.equal(deferStats(fresh, names), true);
    fresh.release();
  });
});
