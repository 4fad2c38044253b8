/** Controller: captures folded into samplers' plugin lists; failover under health churn. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Lease } from '../coord/index.js';
import { captureId, holdCaptures, planCaptures, releaseCaptures } from './captures.js';
import {
  CLUSTER,
  keys,
  spec,
  AGGS,
  sleep,
  waitFor,
  openStore,
  join,
  putMember,
  startController,
  loads,
  desired,
  cleanupAll,
  cleanups,
} from './controller-test-support.js';

afterEach(cleanupAll);

void describe('Controller', () => {
  void it('folds a held capture into the sampler’s plugin list and reverts when the holder goes', async () => {
    const store = await openStore();
    for (const a of AGGS) await join(store, a);
    startController(store, 'ctl-a');
    await waitFor(
      'desired lists written',
      async () => (await desired(store, 'sampler-1')) !== undefined,
    );
    const plain = await store.get(keys.sampler('sampler-2'));
    assert.deepEqual(
      (await desired(store, 'sampler-1'))!.plugins.map((p) => [p.name, p.intervalMs]),
      [['loadavg', 1000]],
    );

    const plan = planCaptures(
      spec,
      { selector: 'Lab::node-1:loadavg:*', intervalMs: 200, forMs: 60_000 },
      Date.now(),
    );
    const id = captureId('sampler-1', 'loadavg', 200);
    await holdCaptures(store, CLUSTER, plan, { id: 'client-1', lease: undefined });
    await waitFor('capture folded in', async () => {
      const d = await desired(store, 'sampler-1');
      return d?.plugins[0]?.intervalMs === 200 && d.captures.includes(id);
    });
    assert.equal(
      (await store.get(keys.sampler('sampler-2')))?.modRevision,
      plain?.modRevision,
      'other samplers untouched',
    );

    await releaseCaptures(store, CLUSTER, [id], 'client-1');
    await waitFor('reverted and the capture removed', async () => {
      const d = await desired(store, 'sampler-1');
      return (
        d?.plugins[0]?.intervalMs === 1000 &&
        d.captures.length === 0 &&
        (await store.get(keys.capture(id))) === undefined
      );
    });
  });

  void it('loads a plugin for a capture and unloads it when the capture ends', async () => {
    const store = await openStore();
    for (const a of AGGS) await join(store, a);
    startController(store, 'ctl-a');
    await waitFor(
      'desired lists written',
      async () => (await desired(store, 'sampler-3')) !== undefined,
    );
    const lease = await store.grantLease(5000);
    cleanups.push(() => lease.revoke());
    const plan = planCaptures(
      spec,
      { selector: 'Lab::node-3:vmstat:*', intervalMs: 500, forMs: 800 },
      Date.now(),
    );
    const id = captureId('sampler-3', 'vmstat', 500);
    await holdCaptures(store, CLUSTER, plan, { id: 'client-1', lease });
    await waitFor('vmstat loaded', async () =>
      ((await desired(store, 'sampler-3'))?.plugins ?? []).some((p) => p.name === 'vmstat'),
    );
    // The holder stays: the capture ends at its time, and the controller notices by itself.
    await waitFor('vmstat unloaded at the end', async () => {
      const d = await desired(store, 'sampler-3');
      return (
        d !== undefined &&
        d.plugins.every((p) => p.name !== 'vmstat') &&
        (await store.list(keys.capture(id))).length === 0
      );
    });
  });

  void it('reassigns promptly while members keep refreshing their health', async () => {
    const store = await openStore();
    const leases = new Map<string, Lease>();
    for (const a of AGGS) leases.set(a, await join(store, a));
    startController(store, 'ctl-a');
    await waitFor('4/4/4 assigned', async () => (await loads(store)) === '4/4/4');
    // A large cluster's members refresh health all the time: a steady stream
    // of member puts, each closer to the last than the controller's coalescing delay.
    let stop = false;
    let n = 0;
    const storm = (async () => {
      while (!stop) {
        await putMember(store, 'agg-1', leases.get('agg-1')!, ++n);
        await sleep(5);
      }
    })();
    cleanups.push(async () => {
      stop = true;
      await storm;
    });
    await leases.get('agg-2')!.revoke();
    await waitFor(
      'agg-2 emptied during the storm',
      async () => (await loads(store)) === '6/0/6',
      3000,
    );
    assert.equal(stop, false, 'the storm was still running');
  });
});
