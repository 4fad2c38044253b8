import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../common/index.js';
import { startEtcd } from '../../test/support/etcd.js';
import type { EtcdServer } from '../../test/support/etcd.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { eventually, runContract } from './contract-test-support.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { EtcdCoord } from './etcd-coord.js';
import type { EtcdLease } from './etcd-lease.js';
import { isRetryableError } from '../common/index.js';
import type { CoordStore, Lease, WatchEvent } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let contractEtcd: EtcdServer | undefined;
runContract({
  name: 'etcd',
  open: async () => {
    contractEtcd = await startEtcd();
    return EtcdCoord.connect({ endpoints: [contractEtcd.endpoint], logger: silentLogger });
  },
  // Real time: let some of it pass (enough to outlive a 1 s TTL), then the
  // tests wait for the outcome itself.
  advance: (ms) => sleep(Math.min(ms, 2500)),
  release: (lease: Lease) => (lease as EtcdLease).release(),
  revokeById: (store: CoordStore, id: string) => (store as EtcdCoord).revokeLease(id),
  ttlMs: 1000,
  // etcd raises a 1 s TTL to its 2 s minimum and checks expiry every 500 ms.
  waitMs: 10_000,
  cleanup: async () => contractEtcd?.stop(),
});

function unavailable(endpoint: string): (err: unknown) => boolean {
  return (err: unknown) =>
    err instanceof CoordError &&
    err.code === COORD_ERROR_CODES.unavailable &&
    isRetryableError(err) &&
    err.message.includes(endpoint);
}

/** Retry a call until etcd answers again (the client's circuit breaker stays open for 5 s after failures). */
async function whenBack<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!isRetryableError(err) || Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

describe('EtcdCoord when etcd fails', () => {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd.stop();
  });

  test('nothing listening: connect rejects with a retryable CoordError naming the endpoint', async () => {
    const dead = `127.0.0.1:${Number(etcd.endpoint.split(':')[1]) === 1 ? 2 : 1}`;
    await assert.rejects(
      EtcdCoord.connect({ endpoints: [dead], dialTimeoutMs: 1000, logger: silentLogger }),
      unavailable(dead),
    );
  });

  test('a frozen etcd: calls reject, the lease is lost, nothing crashes; thawed, the watch goes on', async (t) => {
    const store = await EtcdCoord.connect({
      endpoints: [etcd.endpoint],
      callTimeoutMs: 1000,
      logger: silentLogger,
    });
    // Close the client whatever happens: its keep-alives would hold the file open.
    t.after(() => store.close());
    const events: WatchEvent[] = [];
    const errors: Error[] = [];
    const w = await store.watch('/frozen/', (e) => events.push(e), {
      onError: (err) => errors.push(err),
    });
    const lease = await store.grantLease(1000);
    let lost = 0;
    lease.onLost(() => lost++);
    await store.put('/frozen/member', 'up', { lease });
    await etcd.kill('SIGSTOP');
    try {
      await assert.rejects(store.put('/frozen/a', '1'), unavailable(etcd.endpoint));
      await assert.rejects(store.get('/frozen/a'), unavailable(etcd.endpoint));
      await assert.rejects(store.grantLease(1000), unavailable(etcd.endpoint));
      await eventually(() => lost === 1, 5000, "the lease's 'lost'");
    } finally {
      await etcd.kill('SIGCONT');
    }
    const rev = await whenBack(() => store.put('/frozen/b', 'thawed'));
    await eventually(
      () => events.some((e) => e.type === 'put' && e.key === '/frozen/b'),
      10_000,
      'the event after the thaw',
    );
    assert.equal(events.find((e) => e.key === '/frozen/b')?.modRevision, rev);
    assert.equal(lost, 1);
    await w.close();
    await store.close();
  });

  test('etcd killed and restarted: calls reject meanwhile, the watch resumes without loss or repeats', async () => {
    const store = await EtcdCoord.connect({
      endpoints: [etcd.endpoint],
      callTimeoutMs: 1000,
      logger: silentLogger,
    });
    const events: WatchEvent[] = [];
    const errors: Error[] = [];
    const w = await store.watch('/restart/', (e) => events.push(e), {
      onError: (err) => errors.push(err),
    });
    await store.put('/restart/a', '1');
    await eventually(() => events.length === 1, 5000, 'first event');
    await etcd.kill('SIGKILL');
    await assert.rejects(store.put('/restart/x', 'no'), unavailable(etcd.endpoint));
    await etcd.restart();
    await whenBack(() => store.put('/restart/b', '2'));
    await store.put('/restart/c', '3');
    await eventually(
      () => events.some((e) => e.key === '/restart/c'),
      10_000,
      'events after the restart',
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.key]),
      [
        ['put', '/restart/a'],
        ['put', '/restart/b'],
        ['put', '/restart/c'],
      ],
    );
    assert.ok(
      errors.some((e) => e instanceof CoordError && e.code === COORD_ERROR_CODES.unavailable),
      'disconnect reported',
    );
    await w.close();
    await store.close();
  });

  test('a cut connection: the watch replays what happened while it was away, exactly once', async () => {
    const [host, port] = etcd.endpoint.split(':') as [string, string];
    const proxy = new TcpProxy({ host, port: Number(port) });
    const viaProxy = `127.0.0.1:${await proxy.listen()}`;
    const watcher = await EtcdCoord.connect({
      endpoints: [viaProxy],
      callTimeoutMs: 1000,
      logger: silentLogger,
    });
    const writer = await EtcdCoord.connect({ endpoints: [etcd.endpoint], logger: silentLogger });
    const events: WatchEvent[] = [];
    const w = await watcher.watch('/cut/', (e) => events.push(e), { onError: () => undefined });
    await writer.put('/cut/1', 'a');
    await eventually(() => events.length === 1, 5000, 'first event');
    proxy.pause();
    await writer.put('/cut/2', 'b');
    await writer.txn(
      [],
      [
        { op: 'put', key: '/cut/3', value: 'c' },
        { op: 'delete', key: '/cut/1' },
      ],
    );
    await writer.put('/cut/2', 'b2');
    await sleep(300);
    proxy.resume();
    const last = await writer.put('/cut/4', 'd');
    await eventually(
      () => events.some((e) => e.modRevision === last),
      15_000,
      'events after the cut',
    );
    await writer.put('/cut/5', 'sync');
    await eventually(() => events.some((e) => e.key === '/cut/5'), 5000, 'sync event');
    assert.deepEqual(
      events.map((e) => [e.type, e.key]),
      [
        ['put', '/cut/1'],
        ['put', '/cut/2'],
        ['put', '/cut/3'],
        ['delete', '/cut/1'],
        ['put', '/cut/2'],
        ['put', '/cut/4'],
        ['put', '/cut/5'],
      ],
    );
    assert.ok(proxy.connections >= 2, 'the watcher reconnected through the proxy');
    await w.close();
    await watcher.close();
    await writer.close();
    await proxy.close();
  });
});
