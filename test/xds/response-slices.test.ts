// A big response is handled in slices from its arrival to its ACK, not only while its resources
// are decoded: the envelope read, the bookkeeping before the watcher (timers, the changed list)
// and after it (the accepted cache) let the event loop turn too. With sliceMs 0 every unit of work is a slice, so
// the loop turns counted around the watcher tell, without timing anything, whether each stretch
// yields once per resource or runs through in one go.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ControlPlane } from './control-plane';
import { edsCluster, newClient, RecordingWatcher, T } from './harness';
import type { ResourceUpdate, UpdateOutcome } from '../../xds-client';

const N = 300;

/** Counts event-loop turns (one setImmediate each) while running. */
class TurnCounter {
  turns = 0;
  private on = true;
  constructor() {
    const tick = (): void => {
      this.turns++;
      if (this.on) setImmediate(tick);
    };
    setImmediate(tick);
  }
  stop(): void {
    this.on = false;
  }
}

class TurnRecordingWatcher extends RecordingWatcher {
  entered = -1;
  left = -1;
  constructor(private readonly counter: TurnCounter) {
    super();
  }
  override onUpdate(u: ResourceUpdate): UpdateOutcome {
    this.entered = this.counter.turns;
    const out = super.onUpdate(u);
    this.left = this.counter.turns;
    return out;
  }
}

test(`xDS client: a ${N}-resource response yields to the event loop per resource before and after its watcher`, async () => {
  const cp = await ControlPlane.start();
  const { client } = newClient(cp, { extra: { sliceMs: 0 } });
  const counter = new TurnCounter();
  try {
    const cds = new TurnRecordingWatcher(counter);
    client.setWatcher(T.CLUSTER, cds);
    const clusters: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < N; i++) clusters[`c${i}`] = edsCluster(`c${i}`);
    cp.setResources(T.CLUSTER, clusters, false);
    // Turns are counted only while the client handles the response ('busy'): it waits for no I/O
    // then, so each turn is one of its yields (an idle loop would spin the counter freely).
    let busyAt = -1;
    let idleAt = -1;
    client.on('busy', (busy: boolean) => {
      if (busy) busyAt = counter.turns;
      else idleAt = counter.turns;
    });
    client.watch(T.CLUSTER, '*');
    client.start();
    const ack = await cp.waitForRequest((r) => r.type_url === T.CLUSTER && !!r.response_nonce && !r.error_detail, 10_000);
    await cds.until(() => idleAt >= 0, 5000, 'the client to be idle again');
    assert.equal(cds.updates.length, 1);
    assert.equal(cds.updates[0].updated.length, N);
    assert.ok(ack.version_info);
    // Before the watcher: the envelope read, the decoding and the bookkeeping, a turn per resource each.
    assert.ok(cds.entered - busyAt >= 3 * N, `turns before the watcher: ${cds.entered - busyAt}, want >= ${3 * N}`);
    // After it: the accepted cache is updated a resource per turn before the ACK goes out.
    assert.ok(idleAt - cds.left >= N, `turns between the watcher and the ACK: ${idleAt - cds.left}, want >= ${N}`);
  } finally {
    counter.stop();
    client.close();
    cp.stop();
  }
});
