// When subscription changes leave. As Envoy resumes EDS at the end of a CDS update, the EDS
// request a CDS push causes goes out as soon as the CDS watcher returns: before the CDS ACK and
// before any response queued behind the CDS one is handled (it used to wait for the whole queue,
// putting every queued LDS/RDS response on EDS's critical path). A type that has a response of
// its own queued waits for it, since a request carrying its older nonce would be ignored as stale.
// A response that arrives when nothing watches its type any more still gives the nonce the
// type's next request carries (Envoy's GrpcMuxImpl), or that request would be ignored as stale.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ControlPlane } from './control-plane';
import { cla, edsCluster, listener, newClient, RecordingWatcher, T } from './harness';
import type { ResourceUpdate, TypeWatcher, UpdateOutcome } from '../../xds-client';
import type { XdsClient } from '../../xds-client/xds-client';

/** A CDS watcher that watches each cluster's endpoints, then holds until `hold` resolves. */
class SlowCdsWatcher implements TypeWatcher {
  hold: (() => Promise<void>) | undefined;
  constructor(private readonly client: XdsClient) {}
  async onUpdate(u: ResourceUpdate): Promise<UpdateOutcome> {
    for (const r of u.updated) this.client.watch(T.ENDPOINT, r.name);
    const hold = this.hold;
    if (hold) await hold();
    return { accepted: true };
  }
  onResourceDoesNotExist(): void {}
}

/** Until the control plane has sent a response matching `pred`, then long enough for it to arrive. */
async function sent(cp: ControlPlane, pred: (r: ControlPlane['responses'][number]) => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cp.responses.some(pred)) {
    if (Date.now() > deadline) throw new Error('the control plane never sent the response this test waits for');
    await new Promise((r) => setTimeout(r, 10));
  }
  // Loopback delivers it well within this; the client is inside its watcher, so it can only queue it.
  await new Promise((r) => setTimeout(r, 400));
}

for (const delta of [false, true]) {
  const mode = delta ? 'delta' : 'sotw';

  test(`xDS client (${mode}): a CDS push's EDS request leaves when the CDS watcher returns, before the CDS ACK and a queued LDS response`, async () => {
    const cp = await ControlPlane.start();
    const { client } = newClient(cp, { delta });
    try {
      const cds = new SlowCdsWatcher(client);
      const eds = new RecordingWatcher();
      const lds = new RecordingWatcher();
      client.setWatcher(T.CLUSTER, cds);
      client.setWatcher(T.ENDPOINT, eds);
      client.setWatcher(T.LISTENER, lds);
      cp.setResources(T.CLUSTER, { c0: edsCluster('c0'), c1: edsCluster('c1') }, false);
      cp.setResources(T.ENDPOINT, { c0: cla('c0', [1001]), c1: cla('c1', [1002]) }, false);
      cp.setResources(T.LISTENER, { l0: listener('l0', 1003, 'r0') }, false);
      // The CDS update lasts until the LDS response has reached the client and queued.
      cds.hold = () => sent(cp, (r) => r.type_url === T.LISTENER);
      client.watch(T.CLUSTER, '*');
      client.watch(T.LISTENER, '*');
      client.start();
      await eds.until(() => eds.state.size === 2, 5000, 'both assignments');
      await lds.until(() => lds.state.size === 1, 5000, 'the listener');
      await cp.waitForRequest((r) => r.type_url === T.LISTENER && !!r.response_nonce);
      const at = (pred: (r: (typeof cp.requests)[number]) => boolean, what: string): number => {
        const i = cp.requests.findIndex(pred);
        assert.ok(i >= 0, `no ${what} among ${JSON.stringify(cp.requests.map((r) => [r.type_url, r.response_nonce]))}`);
        return i;
      };
      const edsRequest = at((r) => r.type_url === T.ENDPOINT, 'EDS request');
      const cdsAck = at((r) => r.type_url === T.CLUSTER && !!r.response_nonce, 'CDS ACK');
      const ldsAck = at((r) => r.type_url === T.LISTENER && !!r.response_nonce, 'LDS ACK');
      assert.ok(edsRequest < cdsAck, `EDS request #${edsRequest} must precede the CDS ACK #${cdsAck}`);
      assert.ok(edsRequest < ldsAck, `EDS request #${edsRequest} must precede the queued LDS response's ACK #${ldsAck}`);
      const names = delta ? cp.requests[edsRequest].resource_names_subscribe : cp.requests[edsRequest].resource_names;
      assert.deepEqual(names, ['c0', 'c1']);
    } finally {
      client.close();
      cp.stop();
    }
  });

  test(`xDS client (${mode}): a type with a response queued sends its changed subscription with that response's ACK, never with a stale nonce`, async () => {
    const cp = await ControlPlane.start();
    const { client } = newClient(cp, { delta });
    try {
      const cds = new SlowCdsWatcher(client);
      const eds = new RecordingWatcher();
      client.setWatcher(T.CLUSTER, cds);
      client.setWatcher(T.ENDPOINT, eds);
      cp.setResources(T.CLUSTER, { c0: edsCluster('c0') }, false);
      cp.setResources(T.ENDPOINT, { c0: cla('c0', [1001]), c1: cla('c1', [1002]) }, false);
      client.watch(T.CLUSTER, '*');
      client.start();
      await eds.until(() => eds.state.size === 1, 5000, 'the first assignment');
      await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && !!r.response_nonce);
      const from = cp.requests.length;
      const fromResponse = cp.responses.length;
      // A CDS push adding c1, then an EDS push for c0 queued behind it while the CDS update lasts.
      cds.hold = () => sent(cp, (r) => r.type_url === T.ENDPOINT && cp.responses.indexOf(r) >= fromResponse);
      cp.upsert(T.CLUSTER, 'c1', edsCluster('c1'));
      cp.upsert(T.ENDPOINT, 'c0', cla('c0', [1004]));
      await eds.until(() => eds.state.size === 2, 5000, 'the assignment of c1');
      const queued = cp.responses.slice(fromResponse).find((r) => r.type_url === T.ENDPOINT);
      assert.ok(queued, 'the EDS push was sent');
      const after = cp.requests.slice(from).filter((r) => r.type_url === T.ENDPOINT);
      assert.ok(after.length > 0, 'an EDS request followed the push');
      assert.equal(after[0].response_nonce, queued.nonce, `the first EDS request after the push must ACK the queued response, not carry a stale nonce: ${JSON.stringify(after)}`);
      const names = delta ? after[0].resource_names_subscribe : after[0].resource_names;
      assert.deepEqual(names, delta ? ['c1'] : ['c0', 'c1']);
    } finally {
      client.close();
      cp.stop();
    }
  });

  test(`xDS client (${mode}): the answer to unwatching a type's last name gives the nonce its next subscription carries, so it is answered`, async () => {
    const cp = await ControlPlane.start();
    const { client } = newClient(cp, { delta });
    try {
      const eds = new RecordingWatcher();
      client.setWatcher(T.ENDPOINT, eds);
      cp.setResources(T.ENDPOINT, { c0: cla('c0', [1001]) }, false);
      client.watch(T.ENDPOINT, 'c0');
      client.start();
      await eds.until(() => eds.state.size === 1, 5000, 'the first assignment');
      await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && !!r.response_nonce);
      // The last name goes: a SotW server answers the empty subscription with an empty response.
      const fromResponse = cp.responses.length;
      client.unwatch(T.ENDPOINT, 'c0');
      await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && (delta ? (r.resource_names_unsubscribe ?? []).includes('c0') : (r.resource_names ?? []).length === 0));
      if (!delta) await sent(cp, (r) => r.type_url === T.ENDPOINT && cp.responses.indexOf(r) >= fromResponse && r.names.length === 0);
      const from = cp.requests.length;
      const lastNonce = cp.responses.filter((r) => r.type_url === T.ENDPOINT).at(-1)!.nonce;
      cp.upsert(T.ENDPOINT, 'c0', cla('c0', [1002]), false);
      client.watch(T.ENDPOINT, 'c0');
      const again = await cp.waitForRequest((r) => r.type_url === T.ENDPOINT, 5000, from);
      assert.equal(again.response_nonce, lastNonce, `the subscription must carry the nonce of the last response, or the server drops it as stale: ${JSON.stringify(again)}`);
      await eds.until(() => JSON.stringify(eds.state.get('c0') ?? '').includes('1002'), 5000, 'the assignment after subscribing again');
    } finally {
      client.close();
      cp.stop();
    }
  });
}

test('xDS client (sotw): resources for a type nothing watches any more are refused by asking again with the old version and their nonce, as Envoy', async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp, { delta: false });
  try {
    const eds = new RecordingWatcher();
    client.setWatcher(T.ENDPOINT, eds);
    cp.setResources(T.ENDPOINT, { c0: cla('c0', [1001]) }, false);
    // Every response is held 1 s: the one carrying c0 arrives after c0 was unwatched.
    cp.responseDelayMs = 1000;
    client.watch(T.ENDPOINT, 'c0');
    client.start();
    await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && (r.resource_names ?? []).includes('c0'));
    await new Promise((r) => setTimeout(r, 50));
    client.unwatch(T.ENDPOINT, 'c0');
    await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && (r.resource_names ?? []).length === 0);
    const withC0 = cp.responses.find((r) => r.type_url === T.ENDPOINT && r.names.includes('c0'));
    assert.ok(withC0, 'the control plane answered the first subscription with c0');
    const refusal = await cp.waitForRequest((r) => r.type_url === T.ENDPOINT && r.response_nonce === withC0.nonce, 5000);
    assert.equal(refusal.version_info ?? '', '', 'the refusal keeps the old (empty) version');
    assert.equal(refusal.error_detail, undefined);
    assert.deepEqual(refusal.resource_names ?? [], []);
    assert.equal(eds.state.size, 0, 'the unwatched resources reach no watcher');
    // The empty answer to the unsubscription comes last; a new subscription carries its nonce and is answered.
    cp.responseDelayMs = 0;
    await new Promise((r) => setTimeout(r, 1100));
    const last = cp.responses.filter((r) => r.type_url === T.ENDPOINT).at(-1)!;
    const from = cp.requests.length;
    client.watch(T.ENDPOINT, 'c0');
    const again = await cp.waitForRequest((r) => r.type_url === T.ENDPOINT, 5000, from);
    assert.equal(again.response_nonce, last.nonce);
    await eds.until(() => eds.state.size === 1, 5000, 'c0 after subscribing again');
  } finally {
    client.close();
    cp.stop();
  }
});
