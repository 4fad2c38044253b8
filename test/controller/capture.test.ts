/**
 * On-demand capture end to end (real etcd, controller and aggregator
 * processes, in-process samplers): two concurrent `canopy capture` clients
 * share one capture that raises one sampler's loadavg to 200 ms and nothing
 * else; it reverts and its keys go when both let go, and the fast points are
 * in the aggregator. A detached capture of a plugin the sampler does not run
 * loads it for the time asked, then unloads it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterStatus, parseRecord } from '../../src/controller/index.js';
import type { CaptureRecord } from '../../src/controller/index.js';
import { openCoord } from '../../src/coord/index.js';
import type { CoordStore } from '../../src/coord/index.js';
import type { Sampler } from '../../src/sampler/index.js';
import { eventually, getJson, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';
import { startEtcd } from '../support/etcd.js';
import type { EtcdServer } from '../support/etcd.js';
import type { SamplerFarm } from '../support/sampler-farm.js';
import { runCli } from './cluster-support.js';
import {
  LOADAVG_1S,
  figure,
  newestByHost,
  prepareCluster,
  startAggregatorCli,
  startFarmFor,
} from './more-support.js';
import type { PreparedCluster } from './more-support.js';

const CLUSTER = 'cap';
const CAPTURES = `/canopy/${CLUSTER}/captures/`;

let etcd: EtcdServer;
let store: CoordStore;
let cluster: PreparedCluster;
let farm: SamplerFarm | undefined;
const daemons: Daemon[] = [];

interface Range {
  series: { name: string; points: [number, number][] }[];
}

const sampler = (name: string): Sampler => farm!.samplers.get(name)!;
const intervalOf = (name: string, plugin: string): number | undefined =>
  sampler(name)
    .stats()
    .plugins.find((p) => p.name === plugin)?.intervalMs;
const pluginsOf = (name: string): string[] =>
  sampler(name)
    .stats()
    .plugins.map((p) => p.name)
    .sort();
const captureKeys = async (): Promise<string[]> =>
  (await store.list(CAPTURES)).map((kv) => kv.key.slice(CAPTURES.length));

function run(args: string[]): Daemon {
  const d = startCli(args);
  daemons.push(d);
  return d;
}

function exitCode(d: Daemon): Promise<number> {
  if (d.child.exitCode !== null) return Promise.resolve(d.child.exitCode);
  return new Promise((resolve) => d.child.once('exit', (code) => resolve(code ?? -1)));
}

before(async () => {
  etcd = await startEtcd();
  store = await openCoord(etcd.url);
  cluster = await prepareCluster({
    name: CLUSTER,
    samplers: 2,
    aggregators: 1,
    intervalMs: 1000,
    coordUrl: etcd.url,
  });
  run(['controller', '--coord', etcd.url, '--cluster', CLUSTER, '--settle', '0s']);
  const agg = startAggregatorCli(cluster, 1);
  daemons.push(agg);
  await agg.waitFor(/aggregator l1-1/);
  farm = await startFarmFor(cluster.layout, [LOADAVG_1S]);
  await eventually(
    async () => {
      const st = await clusterStatus(store, CLUSTER);
      return st.unassigned.length === 0 && st.aggregators[0]?.producers.length === 2
        ? true
        : undefined;
    },
    20_000,
    'both samplers assigned',
  );
  await eventually(
    async () => ((await newestByHost(cluster.layout.aggApiPorts)).size === 2 ? true : undefined),
    20_000,
    'data from both hosts',
  );
});

after(async () => {
  await farm?.stop();
  await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
  await store?.close();
  await etcd?.stop();
});

test('two concurrent clients share one capture: 200 ms on sampler-1 only, reverted after', async () => {
  const args = [
    'capture',
    'Lab::node-1:loadavg:*',
    '--interval',
    '200ms',
    '--for',
    '4s',
    '--coord',
    etcd.url,
    '--cluster',
    CLUSTER,
  ];
  const startedAt = Date.now();
  const clients = [run(args), run(args)];
  for (const c of clients) await c.waitFor(/capturing sampler-1 loadavg every 200 ms/);
  // Both hold it now, and it lasts 4 s: look at the keys first.
  const keys = await captureKeys();
  const id = 'sampler-1.loadavg.200ms';
  assert.deepEqual(
    keys.filter((k) => !k.includes('/')),
    [id],
    'one shared capture record',
  );
  const holders = keys.filter((k) => k.startsWith(`${id}/holders/`));
  assert.equal(holders.length, 2, `one holder per client: ${keys.join(', ')}`);
  const record = parseRecord<CaptureRecord>((await store.get(`${CAPTURES}${id}`))?.value)!;
  assert.equal(record.intervalMs, 200);
  await eventually(
    async () => (intervalOf('sampler-1', 'loadavg') === 200 ? true : undefined),
    10_000,
    'sampler-1 loadavg at 200 ms',
  );
  const fastFrom = Date.now();
  figure('capture command start → sampler-1 at 200 ms', fastFrom - startedAt);
  assert.equal(intervalOf('sampler-2', 'loadavg'), 1000);
  assert.deepEqual(pluginsOf('sampler-2'), ['loadavg']);
  assert.deepEqual(await Promise.all(clients.map(exitCode)), [0, 0]);
  for (const c of clients) assert.match(c.stdout(), /capture released/);
  await eventually(
    async () => (intervalOf('sampler-1', 'loadavg') === 1000 ? true : undefined),
    10_000,
    'sampler-1 back at 1000 ms',
  );
  figure('capture end (untilMs) → sampler-1 back at 1000 ms', Date.now() - record.untilMs);
  await eventually(
    async () => ((await captureKeys()).length === 0 ? true : undefined),
    10_000,
    'capture keys removed',
  );
  assert.equal(intervalOf('sampler-2', 'loadavg'), 1000);
  await checkCapturedPoints(startedAt, Date.now());
});

/** The 200 ms points node-1 produced are at the aggregator; node-2 has none. */
async function checkCapturedPoints(from: number, to: number): Promise<void> {
  const produced = farm!.produced.get('node-1')!.filter((t) => t >= from && t <= to);
  const fast = produced.filter((t, i) => i > 0 && t - produced[i - 1]! === 200);
  assert.ok(fast.length >= 10, `node-1 produced ${fast.length} points 200 ms apart`);
  const api = `http://127.0.0.1:${cluster.layout.aggApiPorts[0]}`;
  const select = encodeURIComponent('Lab::*:loadavg:load1');
  const r = await eventually(
    async () => {
      const { body } = await getJson<Range>(
        `${api}/api/range?select=${select}&from=${from}&to=${to}`,
      );
      const ts = new Set(
        body.series.find((s) => s.name.includes('::node-1:'))?.points.map((p) => p[0]),
      );
      return fast.every((t) => ts.has(t)) ? body : undefined;
    },
    10_000,
    'the 200 ms points at the aggregator',
  );
  const node2 = r.series.find((s) => s.name.includes('::node-2:'))!.points.map((p) => p[0]);
  assert.ok(
    node2.every((t, i) => i === 0 || t - node2[i - 1]! >= 1000),
    'node-2 stayed at 1 s',
  );
  console.log(`captured: ${fast.length} points 200 ms apart from node-1, all queryable at l1-1`);
}

test('a detached capture of a plugin sampler-2 does not run loads it for 3 s, then unloads it', async () => {
  const startedAt = Date.now();
  const r = await runCli([
    'capture',
    'Lab::node-2:vmstat:*',
    '--interval',
    '500ms',
    '--for',
    '3s',
    '--detach',
    '--coord',
    etcd.url,
    '--cluster',
    CLUSTER,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const until = Date.parse(
    /capturing sampler-2 vmstat every 500 ms until (\S+)/.exec(r.stdout)![1]!,
  );
  await eventually(
    async () => (pluginsOf('sampler-2').includes('vmstat') ? true : undefined),
    10_000,
    'vmstat loaded on sampler-2',
  );
  figure('detached capture start → vmstat running on sampler-2', Date.now() - startedAt);
  assert.deepEqual(pluginsOf('sampler-1'), ['loadavg']);
  assert.equal(intervalOf('sampler-2', 'vmstat'), 500);
  const api = `http://127.0.0.1:${cluster.layout.aggApiPorts[0]}`;
  await eventually(
    async () => {
      const { body } = await getJson<{ points: unknown[] }>(
        `${api}/api/latest?select=${encodeURIComponent('Lab::node-2:vmstat:*')}`,
      );
      return body.points.length > 0 ? true : undefined;
    },
    10_000,
    'vmstat data at the aggregator',
  );
  await eventually(
    async () => (pluginsOf('sampler-2').includes('vmstat') ? undefined : true),
    15_000,
    'vmstat unloaded from sampler-2',
  );
  figure('capture end (untilMs) → vmstat unloaded from sampler-2', Date.now() - until);
  assert.ok(Date.now() >= until, 'unloaded no earlier than the capture end');
  assert.deepEqual(pluginsOf('sampler-2'), ['loadavg']);
  assert.equal(intervalOf('sampler-2', 'loadavg'), 1000);
  await eventually(
    async () => ((await captureKeys()).length === 0 ? true : undefined),
    10_000,
    'capture keys removed',
  );
});
