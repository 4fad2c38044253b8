/**
 * Three `canopy controller` processes on one real etcd: exactly one leads,
 * the store lists all three candidates in election order; kill -9 the leader
 * and the next candidate takes over within a lease TTL or so, without moving a
 * single producer while both aggregators live; a leader that takes over while
 * a live aggregator is unregistered waits for it instead of handing its
 * producers away; the new leader then acts on the next failure.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterStatus } from '../../src/controller/index.js';
import type { ClusterStatus } from '../../src/controller/index.js';
import { openCoord } from '../../src/coord/index.js';
import type { CoordStore } from '../../src/coord/index.js';
import { eventually, sleep, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';
import { startEtcd } from '../support/etcd.js';
import type { EtcdServer } from '../support/etcd.js';
import type { SamplerFarm } from '../support/sampler-farm.js';
import {
  assignmentsOf,
  figure,
  firstToPrint,
  newestByHost,
  prepareCluster,
  running,
  startBalanced,
} from './more-support.js';
import type { PreparedCluster } from './more-support.js';

const CLUSTER = 'el';
const SAMPLERS = 4;
const IDS = ['ctl-a', 'ctl-b', 'ctl-c'] as const;
const LEADS = /controller (\S+) leads \(([^)]+)\)/;

let etcd: EtcdServer;
let store: CoordStore;
let cluster: PreparedCluster;
let farm: SamplerFarm | undefined;
const controllers = new Map<string, Daemon>();
const aggs = new Map<string, Daemon>();
let leader = '';

const status = (): Promise<ClusterStatus> => clusterStatus(store, CLUSTER);

/** Assignment keys with their mod revisions: a rewrite, even to the same producers, shows. */
async function assignKeys(): Promise<Record<string, number>> {
  const kvs = await store.list(`/canopy/${CLUSTER}/assign/`);
  return Object.fromEntries(kvs.map((kv) => [kv.key, kv.modRevision]));
}

/** Each host's catalog record: who held it when. */
async function catalog(): Promise<Record<string, string>> {
  const kvs = await store.list(`/canopy/${CLUSTER}/catalog/`);
  return Object.fromEntries(kvs.map((kv) => [kv.key, kv.value]));
}

before(async () => {
  etcd = await startEtcd();
  store = await openCoord(etcd.url);
  cluster = await prepareCluster({
    name: CLUSTER,
    samplers: SAMPLERS,
    aggregators: 2,
    intervalMs: 1000,
    coordUrl: etcd.url,
  });
});

after(async () => {
  await farm?.stop();
  await Promise.all([...controllers.values(), ...aggs.values()].map((d) => d.kill('SIGKILL')));
  await store?.close();
  await etcd?.stop();
});

test('three controllers campaign; exactly one leads and the store lists all three', async () => {
  for (const id of IDS)
    controllers.set(
      id,
      startCli([
        'controller',
        '--coord',
        etcd.url,
        '--cluster',
        CLUSTER,
        '--id',
        id,
        '--settle',
        '1s',
      ]),
    );
  const first = await firstToPrint(controllers, LEADS);
  leader = first.name;
  assert.equal(first.match[1], leader);
  // Well past a lease TTL: a second leader would have printed by now.
  await sleep(2500);
  const leading = [...controllers].filter(([, d]) => LEADS.test(d.stdout())).map(([id]) => id);
  assert.deepEqual(leading, [leader]);
  for (const [id, d] of controllers)
    assert.match(d.stdout(), new RegExp(`controller ${id} campaigning`));
  const s = await status();
  assert.deepEqual([...s.controllers.map((c) => c.id)].sort(), [...IDS]);
  assert.deepEqual(
    s.controllers.filter((c) => c.leader).map((c) => c.id),
    [leader],
  );
  console.log(`election order: ${s.controllers.map((c) => c.id).join(', ')}; leader ${leader}`);
});

test('two aggregators share the four producers and every host flows', async () => {
  const started = await startBalanced(cluster, { aggregators: 2, each: 2, aggs, status });
  farm = started.farm;
  const s = started.status;

  assert.deepEqual(
    s.aggregators.map((a) => [a.name, a.live]),
    [
      ['l1-1', true],
      ['l1-2', true],
    ],
  );
  await eventually(
    async () =>
      (await newestByHost(cluster.layout.aggApiPorts)).size === SAMPLERS ? true : undefined,
    20_000,
    'data from all 4 hosts',
  );
});

test('kill -9 the leader: the next candidate leads, and no producer moves', async () => {
  const before = await status();
  const order = before.controllers.map((c) => c.id);
  assert.equal(order[0], leader);
  const assignedBefore = assignmentsOf(before);
  const keysBefore = await assignKeys();
  const killedAt = Date.now();
  await controllers.get(leader)!.kill('SIGKILL');
  const rest = new Map([...controllers].filter(([id]) => id !== leader));
  const next = await firstToPrint(rest, LEADS, 20_000);
  const takeoverMs = Date.parse(next.match[2]!) - killedAt;
  figure('leader takeover (kill -9 → "leads" line)', takeoverMs);
  // Lowest create revision leads: the candidate right behind the dead one.
  assert.equal(next.name, order[1]);
  leader = next.name;
  // The new leader loads the state and reconciles; give it well past --settle.
  await eventually(
    async () =>
      (await status()).events.some((e) => e.kind === 'leader' && e.subject === leader)
        ? true
        : undefined,
    10_000,
    'the new leader recorded its leadership',
  );
  await sleep(3000);
  const afterTakeover = await status();
  assert.deepEqual(assignmentsOf(afterTakeover), assignedBefore);
  assert.deepEqual(await assignKeys(), keysBefore, 'assignment keys not even rewritten');
  assert.deepEqual(afterTakeover.unassigned, []);
  assert.deepEqual(
    afterTakeover.controllers.map((c) => [c.id, c.leader]),
    order.slice(1).map((id, i) => [id, i === 0]),
  );
  assert.equal(
    afterTakeover.events.filter((e) => e.kind === 'reassign' && e.atMs > killedAt).length,
    0,
  );
  for (const [id, d] of rest) assert.ok(running(d), `${id} still running`);
  const newest = await newestByHost(cluster.layout.aggApiPorts);
  for (let n = 1; n <= SAMPLERS; n++)
    assert.ok((newest.get(`node-${n}`) ?? 0) > killedAt, `node-${n} flowing across the takeover`);
});

test('a leader taking over while a live aggregator is unregistered waits for it; nothing moves', async () => {
  const before = await status();
  const order = before.controllers.map((c) => c.id);
  assert.equal(order[0], leader);
  const standby = order[1]!;
  const assigned = assignmentsOf(before);
  const catalogBefore = await catalog();
  const oldLeader = controllers.get(leader)!;
  const l11 = aggs.get('l1-1')!;
  const frozenAt = Date.now();
  // Freeze the leader (its lease lapses, so the standby takes over) and l1-1,
  // and drop l1-1's registration as the revoke of a lease lost in a store
  // outage does: alive, holding producers, but not registered at the takeover.
  oldLeader.child.kill('SIGSTOP');
  l11.child.kill('SIGSTOP');
  await store.delete(`/canopy/${CLUSTER}/members/l1-1`);
  const next = await firstToPrint(new Map([[standby, controllers.get(standby)!]]), LEADS, 20_000);
  const ledAt = Date.parse(next.match[2]!);
  leader = standby;
  l11.child.kill('SIGCONT');
  await eventually(
    async () =>
      (await status()).aggregators.find((a) => a.name === 'l1-1')?.live === true ? true : undefined,
    10_000,
    'l1-1 registered again',
  );
  figure('l1-1 registered again after the takeover', Date.now() - ledAt);
  // Past the grace (2 lease TTLs from the takeover) and --settle.
  await sleep(5000);
  const after = await status();
  assert.deepEqual(assignmentsOf(after), assigned);
  assert.deepEqual(await catalog(), catalogBefore, 'no host changed holder, not even briefly');
  assert.deepEqual(
    after.events.filter((e) => e.kind === 'reassign' && e.atMs > frozenAt),
    [],
  );
  // The old leader, thawed, finds its lease gone and stands by.
  oldLeader.child.kill('SIGCONT');
  await oldLeader.waitFor(/stands by/, 15_000);
});

test('the new leader acts: a killed aggregator’s producers move to the survivor', async () => {
  const before = assignmentsOf(await status());
  const killedAt = Date.now();
  await aggs.get('l1-2')!.kill('SIGKILL');
  const movedAt = await eventually(
    async () => {
      const st = await status();
      const a = assignmentsOf(st);
      return a['l1-1']?.length === SAMPLERS && st.unassigned.length === 0 ? Date.now() : undefined;
    },
    20_000,
    'l1-2 producers on l1-1',
  );
  figure('reassignment by the new leader after kill -9 of l1-2', movedAt - killedAt);
  const st = await status();
  assert.deepEqual(assignmentsOf(st)['l1-1'], [...before['l1-1']!, ...before['l1-2']!].sort());
  assert.ok(
    st.events.some((e) => e.kind === 'reassign' && e.subject === 'l1-1' && e.atMs > killedAt),
  );
});
