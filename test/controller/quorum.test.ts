/**
 * A controller and two aggregators on a 3-member etcd cluster. Two members
 * frozen (SIGSTOP) = quorum lost: the data path keeps flowing, no daemon
 * exits, and an aggregator killed during the outage moves nothing, which the
 * surviving member's own (serializable) reads show directly: not one write
 * committed. Quorum back: the controller hands the dead aggregator's
 * producers to the survivor and their data flows again, outage included.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterStatus, parseRecord } from '../../src/controller/index.js';
import type { AssignmentRecord, ClusterStatus, HostHistory } from '../../src/controller/index.js';
import { openCoord } from '../../src/coord/index.js';
import type { CoordStore } from '../../src/coord/index.js';
import { eventually, getJson, sleep, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';
import { startEtcdCluster } from '../support/etcd.js';
import type { EtcdCluster, EtcdServer } from '../support/etcd.js';
import type { SamplerFarm } from '../support/sampler-farm.js';
import {
  assignmentsOf,
  figure,
  localRead,
  memberHealthy,
  newestByHost,
  prepareCluster,
  running,
  startBalanced,
} from './more-support.js';
import type { LocalRead, PreparedCluster } from './more-support.js';

const CLUSTER = 'qu';
const SAMPLERS = 6;
const PREFIX = `/canopy/${CLUSTER}/`;
const LEADS = /leads \(([^)]+)\)/g;

let etcd: EtcdCluster;
let store: CoordStore;
let cluster: PreparedCluster;
let farm: SamplerFarm | undefined;
let controller: Daemon | undefined;
const aggs = new Map<string, Daemon>();
/** Frozen during the outage; the survivor keeps answering member-local reads. */
let frozen: EtcdServer[] = [];
let survivor: EtcdServer;
let assignedBefore: Record<string, string[]> = {};
let lostAt = 0;
let killedAt = 0;
let restoredAt = 0;
let baseline: LocalRead;
let catalogBefore = new Map<string, HostHistory>();

const status = (): Promise<ClusterStatus> => clusterStatus(store, CLUSTER);

/** Producers per aggregator as the survivor's local copy of `assign/` has them. */
function assignedIn(r: LocalRead): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, kv] of r.kvs) {
    if (!key.startsWith(`${PREFIX}assign/`)) continue;
    const rec = parseRecord<AssignmentRecord>(kv.value);
    out[key.slice(`${PREFIX}assign/`.length)] = (rec?.producers ?? []).map((p) => p.name).sort();
  }
  return out;
}

before(async () => {
  etcd = await startEtcdCluster(3);
  survivor = etcd.members[0]!;
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
  for (const m of frozen) await m.kill('SIGCONT');
  await farm?.stop();
  await Promise.all([controller, ...aggs.values()].map((d) => d?.kill('SIGKILL')));
  await store?.close();
  await etcd?.stop();
});

test('a controller and two aggregators on the etcd cluster balance six producers', async () => {
  controller = startCli([
    'controller',
    '--coord',
    etcd.url,
    '--cluster',
    CLUSTER,
    '--settle',
    '1s',
  ]);
  await controller.waitFor(/leads/, 20_000);
  const started = await startBalanced(cluster, { aggregators: 2, each: 3, aggs, status });
  farm = started.farm;
  const s = started.status;

  assignedBefore = assignmentsOf(s);
  catalogBefore = await catalog();
  assert.equal(catalogBefore.size, SAMPLERS);
  await eventually(
    async () =>
      (await newestByHost(cluster.layout.aggApiPorts)).size === SAMPLERS ? true : undefined,
    20_000,
    'data from all 6 hosts',
  );
});

test('two of three members frozen: quorum lost, every host keeps flowing, no daemon exits', async () => {
  frozen = [etcd.members[1]!, etcd.members[2]!];
  lostAt = Date.now();
  for (const m of frozen) await m.kill('SIGSTOP');
  await eventually(
    async () => ((await memberHealthy(survivor.endpoint)) ? undefined : true),
    15_000,
    'the surviving member reports no leader',
  );
  figure('quorum loss seen by the survivor’s /health after SIGSTOP', Date.now() - lostAt);
  baseline = await localRead(survivor.endpoint, PREFIX);
  assert.deepEqual(
    assignedIn(baseline),
    assignedBefore,
    'survivor holds the pre-outage assignments',
  );
  // Three rounds 2 s apart (samples every 1 s): every host advances each round.
  let prev = await newestByHost(cluster.layout.aggApiPorts);
  const flowStart = Date.now();
  for (let round = 0; round < 3; round++) {
    await sleep(2000);
    const now = await newestByHost(cluster.layout.aggApiPorts);
    for (let n = 1; n <= SAMPLERS; n++) {
      const host = `node-${n}`;
      assert.ok((now.get(host) ?? 0) > (prev.get(host) ?? 0), `${host} advanced in round ${round}`);
    }
    prev = now;
  }
  console.log(`data path verified flowing for ${Date.now() - flowStart} ms without quorum`);
  assert.ok(running(controller!), 'controller still running');
  for (const [name, d] of aggs) assert.ok(running(d), `${name} still running`);
});

test('an aggregator killed while quorum is lost: assignments do not change', async () => {
  killedAt = Date.now();
  await aggs.get('l1-2')!.kill('SIGKILL');
  // Well past the member lease (2 s), --settle (1 s) and a reconcile.
  await sleep(6000);
  const r = await localRead(survivor.endpoint, PREFIX);
  assert.equal(r.revision, baseline.revision, 'not one write committed during the outage');
  assert.deepEqual(r.kvs, baseline.kvs);
  assert.deepEqual(assignedIn(r), assignedBefore);
  assert.ok(
    r.kvs.has(`${PREFIX}members/l1-2`),
    "l1-2's member key outlives it: no lease can expire",
  );
  assert.ok(running(controller!), 'controller still running');
  assert.ok(running(aggs.get('l1-1')!), 'l1-1 still running');
  const newest = await newestByHost(cluster.layout.aggApiPorts.slice(0, 1));
  for (const host of assignedBefore['l1-1']!.map((p) => p.replace('sampler-', 'node-')))
    assert.ok((newest.get(host) ?? 0) > killedAt + 2000, `${host} still flowing through l1-1`);
});

test('quorum back: the dead aggregator’s producers move to the survivor and flow, outage included', async () => {
  restoredAt = Date.now();
  for (const m of frozen) await m.kill('SIGCONT');
  frozen = [];
  await eventually(
    async () => ((await memberHealthy(survivor.endpoint)) ? true : undefined),
    20_000,
    'quorum back',
  );
  figure('quorum back (SIGCONT → /health true)', Date.now() - restoredAt);
  const reassignedAt = await eventually(
    async () => {
      const st = await status();
      const a = assignmentsOf(st);
      return a['l1-1']?.length === SAMPLERS && st.unassigned.length === 0 ? Date.now() : undefined;
    },
    30_000,
    'l1-2 producers on l1-1',
  );
  figure(
    'reassignment after quorum returned (SIGCONT → l1-1 holds all)',
    reassignedAt - restoredAt,
  );
  const st = await status();
  assert.equal(st.aggregators.find((a) => a.name === 'l1-2')!.live, false);
  const led = [...controller!.stdout().matchAll(LEADS)].map((m) => Date.parse(m[1]!));
  assert.ok(led.length >= 2 && /stands by/.test(controller!.stdout()), 'stood by, then led again');
  const moves = st.events.filter((e) => e.kind === 'reassign' && e.subject === 'l1-1');
  console.log(
    `after SIGCONT: controller leads again +${led[led.length - 1]! - restoredAt} ms, reassign recorded +${moves[moves.length - 1]!.atMs - restoredAt} ms`,
  );
  for (const e of st.events.filter((x) => x.atMs > lostAt))
    assert.ok(
      e.atMs >= restoredAt,
      `${e.kind} ${e.subject} recorded ${e.atMs - restoredAt} ms after SIGCONT`,
    );
  await checkCatalog();
  const moved = assignedBefore['l1-2']!.map((p) => p.replace('sampler-', 'node-'));
  const flowingAt = await eventually(
    async () => {
      const newest = await newestByHost(cluster.layout.aggApiPorts.slice(0, 1));
      return moved.every((h) => (newest.get(h) ?? 0) > reassignedAt) ? Date.now() : undefined;
    },
    20_000,
    'moved hosts flowing through l1-1',
  );
  figure('moved hosts flowing again after SIGCONT', flowingAt - restoredAt);
  await checkNothingLost(moved, killedAt + 1000, reassignedAt);
  assert.ok(running(controller!), 'controller still running');
  assert.ok(running(aggs.get('l1-1')!), 'l1-1 still running');
});

/** Each host's catalog record (who held it when). */
async function catalog(): Promise<Map<string, HostHistory>> {
  const out = new Map<string, HostHistory>();
  for (const kv of await store.list(`${PREFIX}catalog/`)) {
    const h = parseRecord<HostHistory>(kv.value);
    if (h) out.set(h.host, h);
  }
  return out;
}

/**
 * The recorded history of who held which host: l1-1's hosts have exactly the
 * record they had before the outage; l1-2's hosts have theirs with the open
 * span closed and one new span on l1-1, both after quorum came back.
 */
async function checkCatalog(): Promise<void> {
  const now = await catalog();
  for (const [agg, producers] of Object.entries(assignedBefore))
    for (const p of producers) {
      const host = p.replace('sampler-', 'node-');
      const was = catalogBefore.get(host)!.spans;
      const is = now.get(host)!.spans;
      if (agg === 'l1-1') {
        assert.deepEqual(is, was, `${host} never left l1-1`);
        continue;
      }
      assert.equal(is.length, was.length + 1, `${host}: ${JSON.stringify(is)}`);
      assert.deepEqual(is.slice(0, -2), was.slice(0, -1), `${host}: older spans untouched`);
      const [closed, opened] = is.slice(-2);
      assert.equal(closed!.aggregator, 'l1-2');
      assert.equal(closed!.fromMs, was[was.length - 1]!.fromMs);
      assert.ok(closed!.toMs! >= restoredAt, `${host} left l1-2 after quorum came back`);
      assert.equal(opened!.aggregator, 'l1-1');
      assert.equal(opened!.fromMs, closed!.toMs);
      assert.equal(opened!.toMs, undefined);
    }
}

/** Every sample the moved hosts produced in [from, to] is at l1-1 (handed over from the replay buffers). */
async function checkNothingLost(hosts: string[], from: number, to: number): Promise<void> {
  const port = cluster.layout.aggApiPorts[0]!;
  let checked = 0;
  for (const host of hosts) {
    const select = encodeURIComponent(`Lab::${host}:loadavg:load1`);
    const want = farm!.produced.get(host)!.filter((t) => t >= from && t <= to);
    const have = await eventually(
      async () => {
        const { body } = await getJson<{ series: { points: [number, number][] }[] }>(
          `http://127.0.0.1:${port}/api/range?select=${select}&from=${from}&to=${to}`,
        );
        const ts = new Set(body.series[0]?.points.map((p) => p[0]) ?? []);
        return want.every((t) => ts.has(t)) ? ts : undefined;
      },
      15_000,
      `${host}: outage samples at l1-1`,
    );
    assert.ok(have.size >= want.length);
    checked += want.length;
  }
  console.log(`samples produced by the moved hosts during the outage, all at l1-1: ${checked}`);
}
