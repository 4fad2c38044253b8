/**
 * Controller figures: time from `kill -9` of an aggregator to its producers
 * being reassigned and their data flowing through the survivors (target ≤ 5 s),
 * leader takeover among 3 controllers, and the balancing algorithm's cost.
 * Real etcd, real CLI daemons on loopback, 30 in-process samplers.
 */
import { join } from 'node:path';
import { balance } from '../src/controller/index.js';
import { clusterStatus } from '../src/controller/index.js';
import { openCoord } from '../src/coord/index.js';
import { runCli, writeCluster } from '../test/controller/cluster-support.js';
import { eventually, getJson, startCli } from '../test/integration/helpers.js';
import type { Daemon } from '../test/integration/helpers.js';
import { startEtcd } from '../test/support/etcd.js';
import { startSamplerFarm } from '../test/support/sampler-farm.js';
import type { BenchResult } from './bench-result.js';
import { median } from './stats.js';

const RUNS = 3;

interface FailoverRun {
  reassignMs: number;
  flowMs: number;
  takeoverMs: number;
}

async function newest(apiPort: number): Promise<Map<string, number>> {
  const url = `http://127.0.0.1:${apiPort}/api/latest?select=${encodeURIComponent('Lab::*:loadavg:load1')}`;
  const { body } = await getJson<{ points: { name: string; timestampMs: number }[] }>(url);
  return new Map(body.points.map((p) => [p.name.split('::')[1]!.split(':')[0]!, p.timestampMs]));
}

async function oneRun(): Promise<FailoverRun> {
  const etcd = await startEtcd();
  const store = await openCoord(etcd.url);
  const layout = await writeCluster({ name: 'fb', samplers: 30, aggregators: 3, intervalMs: 1000 });
  const daemons: Daemon[] = [];
  const farm = await startSamplerFarm({
    members: layout.samplerPorts.map((port, i) => ({
      name: `sampler-${i + 1}`,
      host: `node-${i + 1}`,
      port,
    })),
    ous: ['Lab'],
    plugins: [{ name: 'loadavg', intervalMs: 1000, offsetMs: 0, config: {} }],
  });
  try {
    await runCli([
      'ctl',
      'generate',
      layout.file,
      '--out',
      join(layout.dir, 'gen'),
      '--coord',
      etcd.url,
    ]);
    await runCli(['ctl', 'load', layout.file, '--coord', etcd.url]);
    const controllers = [1, 2, 3].map((i) =>
      startCli([
        'controller',
        '--coord',
        etcd.url,
        '--cluster',
        'fb',
        '--id',
        `c${i}`,
        '--settle',
        '1s',
      ]),
    );
    daemons.push(...controllers);
    const aggs = [1, 2, 3].map((i) =>
      startCli(['aggregator', '--config', join(layout.dir, 'gen', `l1-${i}.yaml`)]),
    );
    daemons.push(...aggs);
    await eventually(async () => {
      const st = await clusterStatus(store, 'fb');
      return st.aggregators.every((a) => a.producers.length === 10) ? true : undefined;
    }, 30_000);
    await eventually(
      async () => ((await newest(layout.aggApiPorts[1]!)).size === 10 ? true : undefined),
      30_000,
    );
    const victim = (await clusterStatus(store, 'fb')).aggregators.find((a) => a.name === 'l1-2')!;
    const hosts = victim.producers.map((p) => p.replace('sampler-', 'node-'));
    const killedAt = Date.now();
    await aggs[1]!.kill('SIGKILL');
    const reassignedAt = await eventually(async () => {
      const st = await clusterStatus(store, 'fb');
      const held = st.aggregators.filter((a) => a.name !== 'l1-2').flatMap((a) => a.producers);
      return victim.producers.every((p) => held.includes(p)) ? Date.now() : undefined;
    }, 30_000);
    const flowingAt = await eventually(async () => {
      const [a, b] = [await newest(layout.aggApiPorts[0]!), await newest(layout.aggApiPorts[2]!)];
      return hosts.every((h) => Math.max(a.get(h) ?? 0, b.get(h) ?? 0) > killedAt)
        ? Date.now()
        : undefined;
    }, 30_000);
    const leader = (await clusterStatus(store, 'fb')).controllers.find((c) => c.leader)!.id;
    const li = Number(leader.slice(1)) - 1;
    const leaderKilledAt = Date.now();
    await controllers[li]!.kill('SIGKILL');
    const takeoverAt = await eventually(async () => {
      const st = await clusterStatus(store, 'fb');
      const now = st.controllers.find((c) => c.leader);
      return now && now.id !== leader ? Date.now() : undefined;
    }, 30_000);
    return {
      reassignMs: reassignedAt - killedAt,
      flowMs: flowingAt - killedAt,
      takeoverMs: takeoverAt - leaderKilledAt,
    };
  } finally {
    await farm.stop();
    await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
    await store.close();
    await etcd.stop();
  }
}

function balanceCost(): number {
  const producers = Array.from({ length: 100_000 }, (_, i) => ({ name: `p${i}`, weight: 1 }));
  const aggregators = Array.from({ length: 100 }, (_, i) => `a${i}`);
  const first = balance({ producers, aggregators, previous: new Map(), by: 'count' });
  const t0 = performance.now();
  balance({
    producers,
    aggregators: aggregators.slice(1),
    previous: first.assignment,
    by: 'count',
  });
  return performance.now() - t0;
}

export async function run(): Promise<BenchResult[]> {
  const runs: FailoverRun[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await oneRun());
  const ttl = 2000;
  const flow = median(runs.map((r) => r.flowMs));
  return [
    {
      name: 'aggregator kill -9 → producers reassigned (median of 3)',
      value: median(runs.map((r) => r.reassignMs)),
      unit: 'ms',
      target: '≤ 5000 ms',
    },
    {
      name: 'aggregator kill -9 → data flowing via survivors',
      value: flow,
      unit: 'ms',
      target: '≤ 5000 ms',
      baseline: { name: 'member lease TTL', value: ttl },
      ratio: flow / ttl,
    },
    {
      name: 'leader controller kill -9 → standby leads',
      value: median(runs.map((r) => r.takeoverMs)),
      unit: 'ms',
      target: 'a few seconds',
    },
    {
      name: 'rebalance 100,000 producers after 1 of 100 aggregators dies',
      value: balanceCost(),
      unit: 'ms',
      target: '< 1000 ms',
    },
  ];
}
