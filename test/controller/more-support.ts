/**
 * More helpers for controller integration tests (election, quorum loss,
 * capture): a generated + loaded cluster, aggregator processes from the
 * generated files, a sampler farm on the layout's ports, per-host freshness
 * from the aggregators' APIs, and member-local (serializable) etcd reads that
 * still answer while the cluster has no quorum.
 */
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { ClusterStatus } from '../../src/controller/index.js';
import type { PluginSpec } from '../../src/sampler/index.js';
import { eventually, getJson, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';
import { startSamplerFarm } from '../support/sampler-farm.js';
import type { SamplerFarm } from '../support/sampler-farm.js';
import { freePorts, runCli, writeCluster } from './cluster-support.js';
import type { ClusterLayout } from './cluster-support.js';

/** A cluster YAML written, generated into `gen/` and loaded into the store. */
export interface PreparedCluster {
  layout: ClusterLayout;
  /** Directory of the generated per-daemon configs. */
  gen: string;
}

/** writeCluster + `ctl generate --coord` + `ctl load --coord`; throws with the CLI's stderr on failure. */
export async function prepareCluster(o: {
  name: string;
  samplers: number;
  aggregators: number;
  intervalMs: number;
  coordUrl: string;
}): Promise<PreparedCluster> {
  // One draw for every port: separate draws can hand out the same port twice.
  const ports = await freePorts(o.samplers + 2 * o.aggregators);
  const layout = await writeCluster({
    ...o,
    ports: {
      samplerPorts: ports.slice(0, o.samplers),
      aggWirePorts: ports.slice(o.samplers, o.samplers + o.aggregators),
      aggApiPorts: ports.slice(o.samplers + o.aggregators),
    },
  });
  const gen = join(layout.dir, 'gen');
  for (const args of [
    ['ctl', 'generate', layout.file, '--out', gen, '--coord', o.coordUrl],
    ['ctl', 'load', layout.file, '--coord', o.coordUrl],
  ]) {
    const r = await runCli(args);
    if (r.code !== 0) throw new Error(`canopy ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  }
  return { layout, gen };
}

/** `canopy aggregator` for the generated `l1-<i>` config, archiving under the cluster dir. */
export function startAggregatorCli(c: PreparedCluster, i: number): Daemon {
  const name = `l1-${i}`;
  return startCli([
    'aggregator',
    '--config',
    join(c.gen, `${name}.yaml`),
    '--archive',
    join(c.layout.dir, `archive-${name}`),
  ]);
}

/** One in-process sampler per `sampler-<n>` of the layout (host `node-<n>`, OU Lab). */
export function startFarmFor(
  layout: ClusterLayout,
  plugins: readonly PluginSpec[],
): Promise<SamplerFarm> {
  return startSamplerFarm({
    members: layout.samplerPorts.map((port, i) => ({
      name: `sampler-${i + 1}`,
      host: `node-${i + 1}`,
      port,
    })),
    ous: ['Lab'],
    plugins,
  });
}

export const LOADAVG_1S: PluginSpec = {
  name: 'loadavg',
  intervalMs: 1000,
  offsetMs: 0,
  config: {},
};

interface Latest {
  points: { name: string; timestampMs: number }[];
}

/** Newest loadavg timestamp per host across the aggregators on these API ports (down ones count as empty). */
export async function newestByHost(apiPorts: readonly number[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const select = encodeURIComponent('Lab::*:loadavg:load1');
  for (const port of apiPorts) {
    const { body } = await getJson<Latest>(
      `http://127.0.0.1:${port}/api/latest?select=${select}`,
    ).catch(() => ({ body: { points: [] } as Latest }));
    for (const p of body.points) {
      const host = p.name.split('::')[1]!.split(':')[0]!;
      out.set(host, Math.max(out.get(host) ?? 0, p.timestampMs));
    }
  }
  return out;
}

/** Producers per aggregator, as `ctl status` shows them. */
export function assignmentsOf(s: ClusterStatus): Record<string, string[]> {
  return Object.fromEntries(s.aggregators.map((a) => [a.name, [...a.producers].sort()]));
}

/**
 * Which of several daemons first prints a line matching `re` (polls their
 * stdout). Rejects after `timeoutMs`, or when all of them have exited.
 */
export async function firstToPrint(
  daemons: ReadonlyMap<string, Daemon>,
  re: RegExp,
  timeoutMs = 20_000,
): Promise<{ name: string; match: RegExpExecArray }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const [name, d] of daemons) {
      const match = re.exec(d.stdout());
      if (match) return { name, match };
    }
    const alive = [...daemons.values()].some(
      (d) => d.child.exitCode === null && d.child.signalCode === null,
    );
    if (!alive || Date.now() > deadline)
      throw new Error(`no daemon printed ${re} (${alive ? 'timed out' : 'all exited'})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True while the process runs (neither exited nor killed). */
export function running(d: Daemon): boolean {
  return d.child.exitCode === null && d.child.signalCode === null;
}

/** Keys under `prefix` as one member has them, without consensus, with that member's revision. */
export interface LocalRead {
  revision: number;
  kvs: Map<string, { value: string; modRevision: number }>;
}

/**
 * A serializable (member-local) read of a prefix from one etcd member. It
 * answers while the cluster has lost quorum, which is what lets a test see
 * that nothing was written during the outage rather than infer it afterwards.
 */
export async function localRead(endpoint: string, prefix: string): Promise<LocalRead> {
  const client = new Etcd3({
    hosts: [endpoint],
    defaultCallOptions: () => ({ deadline: Date.now() + 3000 }),
  });
  try {
    const end = Buffer.from(prefix);
    end[end.length - 1]! += 1;
    const res = await client.kv.range({
      key: Buffer.from(prefix),
      range_end: end,
      serializable: true,
    });
    return {
      revision: Number(res.header.revision),
      kvs: new Map(
        res.kvs.map((kv) => [
          kv.key.toString(),
          { value: kv.value.toString(), modRevision: Number(kv.mod_revision) },
        ]),
      ),
    };
  } finally {
    client.close();
  }
}

/** etcd's own `/health` on one member: false when it has no leader (quorum lost). */
export async function memberHealthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${endpoint}/health`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { health?: string };
    return res.status === 200 && body.health === 'true';
  } catch {
    return false;
  }
}

/** Log a measured figure so it shows in the test output. */
export function figure(what: string, ms: number): void {
  console.log(`${what}: ${ms} ms`);
}

/**
 * Start aggregators l1-1…l1-N from the generated configs (recorded in `aggs`)
 * and the in-process samplers, and wait until every producer is assigned and
 * each aggregator holds `each` of them.
 */
export async function startBalanced(
  c: PreparedCluster,
  o: {
    aggregators: number;
    each: number;
    aggs: Map<string, Daemon>;
    status: () => Promise<ClusterStatus>;
  },
): Promise<{ farm: SamplerFarm; status: ClusterStatus }> {
  for (let i = 1; i <= o.aggregators; i++) {
    const d = startAggregatorCli(c, i);
    o.aggs.set(`l1-${i}`, d);
    await d.waitFor(/aggregator l1-/);
  }
  const farm = await startFarmFor(c.layout, [LOADAVG_1S]);
  const status = await eventually(
    async () => {
      const st = await o.status();
      const counts = st.aggregators.map((a) => a.producers.length);
      return st.unassigned.length === 0 && counts.every((n) => n === o.each) ? st : undefined;
    },
    20_000,
    `${o.each} producers per aggregator`,
  );
  return { farm, status };
}
