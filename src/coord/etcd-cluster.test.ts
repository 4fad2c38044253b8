import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isRetryableError, silentLogger } from '../common/index.js';
import { startEtcdCluster } from '../../test/support/etcd.js';
import type { EtcdCluster } from '../../test/support/etcd.js';
import { eventually } from './contract-test-support.js';
import { Election } from './election.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { EtcdCoord } from './etcd-coord.js';

async function whenBack<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isRetryableError(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('EtcdCoord on a 3-member cluster', () => {
  let cluster: EtcdCluster;
  before(async () => {
    cluster = await startEtcdCluster(3);
  });
  after(async () => {
    await cluster.stop();
  });

  test('one member down: calls fail over to the others', async () => {
    const store = await EtcdCoord.connect({
      endpoints: [...cluster.endpoints],
      callTimeoutMs: 2000,
      logger: silentLogger,
    });
    await store.put('/ha/a', '1');
    await cluster.members[0]!.kill('SIGKILL');
    await whenBack(() => store.put('/ha/b', '2'));
    assert.deepEqual(
      (await whenBack(() => store.list('/ha/'))).map((kv) => kv.value),
      ['1', '2'],
    );
    await cluster.members[0]!.restart();
    await store.close();
  });

  test('quorum lost: writes reject as unavailable and the leader steps down; quorum back: a leader again', async () => {
    const store = await EtcdCoord.connect({
      endpoints: [...cluster.endpoints],
      callTimeoutMs: 1000,
      logger: silentLogger,
    });
    const election = new Election({
      store,
      name: '/ha/leader',
      id: 'ctl-1',
      ttlMs: 1000,
      logger: silentLogger,
    });
    await whenBack(() => election.campaign());
    let lost = 0;
    election.onLost(() => lost++);
    const guard = election.guard();
    await cluster.members[1]!.kill('SIGKILL');
    await cluster.members[2]!.kill('SIGKILL');
    await assert.rejects(
      store.put('/ha/c', '3'),
      (err: unknown) => err instanceof CoordError && err.code === COORD_ERROR_CODES.unavailable,
    );
    await eventually(
      () => lost === 1 && !election.isLeader,
      5000,
      'leadership lost without quorum',
    );
    await Promise.all([cluster.members[1]!.restart(), cluster.members[2]!.restart()]);
    await whenBack(() => store.put('/ha/c', '3'));
    // The new etcd leader extended the old lease; campaigning again waits
    // until the lost lease's key is gone (revoked once etcd answers).
    await election.campaign();
    assert.equal(election.isLeader, true);
    assert.equal(
      await store.txn([guard], [{ op: 'put', key: '/ha/guarded', value: 'stale' }]),
      false,
    );
    assert.equal(
      await store.txn([election.guard()], [{ op: 'put', key: '/ha/guarded', value: 'fresh' }]),
      true,
    );
    await election.resign();
    await store.close();
  });
});
