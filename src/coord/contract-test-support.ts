/**
 * The CoordStore contract, run against every implementation (embedded in
 * memory, embedded on disk, real etcd) so they cannot drift apart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../common/index.js';
import { Election } from './election.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import type { CoordStore, Lease, WatchEvent } from './types.js';

/** How the contract drives one implementation. */
export interface ContractHarness {
  readonly name: string;
  open(): Promise<CoordStore>;
  /** Let lease time pass: advance a ManualClock, or nothing for real time (tests then wait for the outcome). */
  advance(ms: number): Promise<void>;
  /** Stop a lease's keep-alive without revoking it, as a crashed holder would. */
  release(lease: Lease): void;
  /** Revoke a lease by id on the store side, as an operator would. */
  revokeById(store: CoordStore, id: string): Promise<boolean>;
  /** Lease TTL the tests use. */
  readonly ttlMs: number;
  /** Longest a real-time outcome may take (lease expiry on etcd needs seconds). */
  readonly waitMs: number;
  cleanup(): Promise<void>;
}

let seq = 0;
/** A fresh key prefix per test, so tests sharing one etcd never see each other's keys. */
function ns(): string {
  return `/contract/${process.pid}-${++seq}/`;
}

/** Poll until `check` returns true; fails with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  return assert.rejects(p, (err: unknown) => err instanceof CoordError && err.code === code);
}

/** One contract test, run against an open store. */
type ContractCase = (h: ContractHarness, store: CoordStore) => Promise<void>;

async function crud(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  const r1 = await store.put(`${p}b`, 'one');
  assert.equal(await store.revision(), r1);
  const r2 = await store.put(`${p}b`, 'two');
  assert.equal(r2, r1 + 1);
  const kv = await store.get(`${p}b`);
  assert.deepEqual(kv, {
    key: `${p}b`,
    value: 'two',
    modRevision: r2,
    createRevision: r1,
    lease: undefined,
  });
  await store.put(`${p}a`, '1');
  await store.put(`${p}c/d`, '2');
  await store.put(`${p.slice(0, -1)}x`, 'outside');
  assert.deepEqual(
    (await store.list(p)).map((k) => k.key),
    [`${p}a`, `${p}b`, `${p}c/d`],
  );
  assert.equal(await store.get(`${p}zz`), undefined);
  const before = await store.revision();
  assert.equal(await store.delete(`${p}zz`), false);
  assert.equal(await store.revision(), before, 'deleting a missing key does not bump the revision');
  assert.equal(await store.delete(`${p}a`), true);
  assert.equal(await store.deletePrefix(p), 2);
  assert.deepEqual(await store.list(p), []);
  assert.equal(await store.get(`${p.slice(0, -1)}x`).then((k) => k?.value), 'outside');
  await rejectsWith(store.put('', 'x'), COORD_ERROR_CODES.invalidArgument);
}

async function txnAtomic(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  assert.equal(
    await store.txn([{ key: `${p}k`, modRevision: 0 }], [{ op: 'put', key: `${p}k`, value: 'v1' }]),
    true,
  );
  const k = (await store.get(`${p}k`))!;
  assert.equal(
    await store.txn([{ key: `${p}k`, modRevision: 0 }], [{ op: 'put', key: `${p}k`, value: 'v2' }]),
    false,
  );
  const failed = await store.txn(
    [{ key: `${p}k`, modRevision: k.modRevision + 7 }],
    [{ op: 'put', key: `${p}other`, value: 'x' }],
  );
  assert.equal(failed, false);
  assert.equal(await store.get(`${p}other`), undefined, 'a failed txn applies nothing');
  const ok = await store.txn(
    [
      { key: `${p}k`, modRevision: k.modRevision },
      { key: `${p}absent`, modRevision: 0 },
    ],
    [
      { op: 'put', key: `${p}n1`, value: 'a' },
      { op: 'put', key: `${p}n2`, value: 'b' },
      { op: 'delete', key: `${p}k` },
    ],
  );
  assert.equal(ok, true);
  const [n1, n2] = [await store.get(`${p}n1`), await store.get(`${p}n2`)];
  assert.equal(n1!.modRevision, n2!.modRevision, 'one revision for the whole txn');
  assert.equal(await store.revision(), n1!.modRevision);
  assert.equal(await store.get(`${p}k`), undefined);
  await rejectsWith(
    store.txn(
      [],
      [
        { op: 'put', key: `${p}d`, value: '1' },
        { op: 'delete', key: `${p}d` },
      ],
    ),
    COORD_ERROR_CODES.invalidArgument,
  );
}

async function watchOrder(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  const live: WatchEvent[] = [];
  const errors: Error[] = [];
  const w1 = await store.watch(
    p,
    (e) => {
      live.push(e);
      if (e.type === 'put' && e.value === 'boom') throw new Error('listener bug');
    },
    { onError: (err) => errors.push(err) },
  );
  await store.put(`${p}a`, '1');
  await store.put(`${p}b`, 'boom');
  await store.put(`${p.slice(0, -1)}-not-under`, 'x');
  await store.txn(
    [],
    [
      { op: 'put', key: `${p}c`, value: '3' },
      { op: 'delete', key: `${p}a` },
    ],
  );
  await store.deletePrefix(p);
  const expected = [
    ['put', `${p}a`],
    ['put', `${p}b`],
    ['put', `${p}c`],
    ['delete', `${p}a`],
    ['delete', `${p}b`],
    ['delete', `${p}c`],
  ];
  await eventually(() => live.length >= expected.length, h.waitMs, 'live events');
  assert.deepEqual(
    live.map((e) => [e.type, e.key]),
    expected,
  );
  const revs = live.map((e) => e.modRevision);
  assert.deepEqual(
    revs,
    [...revs].sort((a, b) => a - b),
  );
  assert.equal(revs[2], revs[3], 'txn events share a revision');
  assert.equal(errors.length, 1);
  await w1.close();
}

async function watchReplay(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  const start = await store.revision();
  await store.put(`${p}a`, '1');
  await store.txn(
    [],
    [
      { op: 'put', key: `${p}b`, value: '2' },
      { op: 'delete', key: `${p}a` },
    ],
  );
  await store.put(`${p.slice(0, -1)}-not-under`, 'x');
  const replay: WatchEvent[] = [];
  const w = await store.watch(p, (e) => replay.push(e), { afterRevision: start });
  const live = await store.put(`${p}c`, 'live');
  await eventually(() => replay.length >= 4, h.waitMs, 'replayed and live events');
  assert.deepEqual(
    replay.map((e) => [e.type, e.key, e.modRevision - start]),
    [
      ['put', `${p}a`, 1],
      ['put', `${p}b`, 2],
      ['delete', `${p}a`, 2],
      ['put', `${p}c`, live - start],
    ],
  );
  await w.close();
  // A second watch proves the store delivered the next event; the closed one must not have.
  const sentinel: WatchEvent[] = [];
  const w2 = await store.watch(p, (e) => sentinel.push(e));
  await store.put(`${p}after-close`, 'x');
  await eventually(() => sentinel.length === 1, h.waitMs, 'sentinel event');
  assert.equal(replay.length, 4, 'a closed watch delivers nothing');
  await w2.close();
}

async function leaseRevoke(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  const lease = await store.grantLease(h.ttlMs);
  let lost = 0;
  lease.onLost(() => lost++);
  await store.put(`${p}member`, 'up', { lease });
  assert.equal((await store.get(`${p}member`))!.lease, lease.id);
  await h.advance(h.ttlMs * 5);
  assert.equal((await store.get(`${p}member`))?.value, 'up', 'kept alive past several TTLs');
  await lease.revoke();
  await lease.revoke();
  assert.equal(await store.get(`${p}member`), undefined);
  await rejectsWith(store.put(`${p}member`, 'again', { lease }), COORD_ERROR_CODES.leaseLost);
  assert.equal(lost, 0, 'revoke is not a loss');
}

async function leaseExpiry(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  const lease = await store.grantLease(h.ttlMs);
  await store.put(`${p}m1`, 'a', { lease });
  await store.put(`${p}m2`, 'b', { lease });
  await store.put(`${p}keep`, 'c');
  const events: WatchEvent[] = [];
  const w = await store.watch(p, (e) => events.push(e));
  h.release(lease);
  await h.advance(h.ttlMs * 3);
  await eventually(() => events.length >= 2, h.waitMs, 'lease expiry deletes');
  assert.deepEqual(events.map((e) => [e.type, e.key]).sort(), [
    ['delete', `${p}m1`],
    ['delete', `${p}m2`],
  ]);
  assert.deepEqual(
    (await store.list(p)).map((k) => k.key),
    [`${p}keep`],
  );
  await w.close();
}

async function leaseLostByStore(h: ContractHarness, store: CoordStore): Promise<void> {
  const p = ns();
  const lease = await store.grantLease(h.ttlMs);
  let lost = 0;
  lease.onLost(() => lost++);
  await store.put(`${p}k`, 'v', { lease });
  assert.equal(await h.revokeById(store, lease.id), true);
  await h.advance(h.ttlMs);
  await eventually(() => lost === 1, h.waitMs, "'lost'");
  assert.equal(await store.get(`${p}k`), undefined);
  let late = 0;
  lease.onLost(() => late++);
  await eventually(() => late === 1, h.waitMs, 'late listener');
  assert.equal(lost, 1);
}

async function electionHandover(h: ContractHarness, store: CoordStore): Promise<void> {
  const name = `${ns()}leader`;
  const [a, b, c] = candidates(h, store, name) as [Election, Election, Election];
  await a.campaign();
  // One at a time, so B queues before C whatever order etcd grants leases in.
  const waiting = [b.campaign()];
  await eventually(
    async () => (await store.list(`${name}/`)).length === 2,
    h.waitMs,
    'two candidate keys',
  );
  waiting.push(c.campaign());
  await eventually(
    async () => (await store.list(`${name}/`)).length === 3,
    h.waitMs,
    'three candidate keys',
  );
  assert.deepEqual([a.isLeader, b.isLeader, c.isLeader], [true, false, false]);
  assert.equal(await a.leader(), 'A');
  const guard = a.guard();
  let aLost = 0;
  a.onLost(() => aLost++);
  await a.resign();
  await waiting[0];
  assert.deepEqual([a.isLeader, b.isLeader, c.isLeader], [false, true, false]);
  assert.equal(await c.leader(), 'B');
  await eventually(() => aLost === 1, h.waitMs, "A's 'lost'");
  assert.equal(
    await store.txn([guard], [{ op: 'put', key: `${name}-data`, value: 'stale' }]),
    false,
  );
  assert.equal(
    await store.txn([a.guard()], [{ op: 'put', key: `${name}-data`, value: 'stale' }]),
    false,
  );
  assert.equal(
    await store.txn([b.guard()], [{ op: 'put', key: `${name}-data`, value: 'fresh' }]),
    true,
  );
  await b.resign();
  await waiting[1];
  assert.equal(c.isLeader, true);
  await c.resign();
  assert.equal(await a.leader(), undefined);
}

async function electionLeaseLost(h: ContractHarness, store: CoordStore): Promise<void> {
  const name = `${ns()}leader`;
  const [a, b] = candidates(h, store, name) as [Election, Election, Election];
  await a.campaign();
  const bLeads = b.campaign();
  await eventually(
    async () => (await store.list(`${name}/`)).length === 2,
    h.waitMs,
    'two candidate keys',
  );
  const guard = a.guard();
  let lost = 0;
  a.onLost(() => lost++);
  const leaderKey = (await store.list(`${name}/`)).find((kv) => kv.value === 'A')!;
  assert.equal(await h.revokeById(store, leaderKey.lease!), true);
  await h.advance(h.ttlMs);
  await bLeads;
  await eventually(() => lost === 1 && !a.isLeader, h.waitMs, "A's 'lost'");
  assert.equal(b.isLeader, true);
  assert.equal(await store.txn([guard], [{ op: 'put', key: `${name}-data`, value: 'x' }]), false);
  assert.equal(
    await store.txn([b.guard()], [{ op: 'put', key: `${name}-data`, value: 'x' }]),
    true,
  );
  await b.resign();
  await assert.rejects(
    (async () => {
      const r = a.campaign();
      await a.resign();
      await r;
    })(),
    (err: unknown) => err instanceof CoordError && err.code === COORD_ERROR_CODES.cancelled,
  );
}

async function electionKeyDeleted(h: ContractHarness, store: CoordStore): Promise<void> {
  const name = `${ns()}leader`;
  const [a, b] = candidates(h, store, name) as [Election, Election, Election];
  await a.campaign();
  let lost = 0;
  a.onLost(() => lost++);
  const bLeads = b.campaign();
  await eventually(
    async () => (await store.list(`${name}/`)).length === 2,
    h.waitMs,
    'two candidate keys',
  );
  const leaderKey = (await store.list(`${name}/`)).find((kv) => kv.value === 'A')!;
  await store.delete(leaderKey.key);
  await bLeads;
  await eventually(() => lost === 1 && !a.isLeader, h.waitMs, "A's 'lost'");
  await b.resign();
}

function candidates(h: ContractHarness, store: CoordStore, name: string): Election[] {
  return ['A', 'B', 'C'].map(
    (id) => new Election({ store, name, id, ttlMs: h.ttlMs, logger: silentLogger }),
  );
}

const CASES: readonly [string, ContractCase][] = [
  ['put, get, list, delete, deletePrefix follow revisions', crud],
  ['txn applies everything in one revision or nothing', txnAtomic],
  ['watch delivers events in revision order and survives a throwing listener', watchOrder],
  ['watch replays after a revision, then goes on live; a closed watch is silent', watchReplay],
  ['a lease keeps its keys while alive; revoke deletes them and is idempotent', leaseRevoke],
  ['an expired lease deletes its keys and watches see the deletes', leaseExpiry],
  ["a lease revoked by the store fires 'lost' once", leaseLostByStore],
  ['election: three candidates, one leader; resign hands over', electionHandover],
  ['election: a lost lease loses leadership and the next candidate takes over', electionLeaseLost],
  ['election: deleting the leader key by hand deposes the leader', electionKeyDeleted],
];

/** Register the contract tests for one implementation. */
export function runContract(h: ContractHarness): void {
  describe(`CoordStore contract: ${h.name}`, () => {
    let store: CoordStore;
    before(async () => {
      store = await h.open();
    });
    after(async () => {
      await store.close();
      await h.cleanup();
    });
    for (const [title, run] of CASES) test(title, () => run(h, store));
  });
}
