/**
 * Sampler plugin cost, in-process: CPU time (process.cpuUsage, which includes
 * the libuv threads doing the reads) per tick of the default /proc plugins,
 * against a naive readFile + split + regex reader of the same files measured
 * in the same run; and the synthetic plugin at 10,000 hosts × 100 metrics.
 */
import { readFile } from 'node:fs/promises';
import { systemClock } from '../src/common/index.js';
import { DEFAULT_PLUGINS, createPlugin } from '../src/sampler/index.js';
import type { PluginContext } from '../src/sampler/index.js';
import type { BenchResult } from './bench-result.js';

const CTX: PluginContext = { host: 'bench', ous: ['Bench'], procRoot: '/proc', clock: systemClock };
const PROC_FILES = ['stat', 'meminfo', 'vmstat', 'loadavg', 'net/dev', 'diskstats'];
const WARMUP_TICKS = 100;
const TICKS = 500;
const SYNTH_HOSTS = 10_000;
const SYNTH_METRICS = 100;
const SYNTH_TICKS = 20;

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function perTickMs(ticks: number, tick: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP_TICKS; i++) await tick();
  const start = process.cpuUsage();
  for (let i = 0; i < ticks; i++) await tick();
  return cpuMs(start) / ticks;
}

/** What a first implementation would do: readFile each file, split lines and columns with regexes. */
async function naiveTick(): Promise<number> {
  let n = 0;
  await Promise.all(
    PROC_FILES.map(async (f) => {
      const text = await readFile(`/proc/${f}`, 'utf8');
      for (const line of text.split('\n')) {
        for (const field of line.trim().split(/[\s:]+/u))
          if (/^\d+$/u.test(field)) n += Number(field);
      }
    }),
  );
  return n;
}

async function procPlugins(): Promise<BenchResult[]> {
  const plugins = DEFAULT_PLUGINS.map((name) => createPlugin(name, CTX, {}));
  try {
    const ms = await perTickMs(TICKS, () => Promise.all(plugins.map((p) => p.sample(Date.now()))));
    const naiveMs = await perTickMs(TICKS, naiveTick);
    // CPU ms per 1000 ms tick, as a percentage of one core.
    const pct = (ms / 1000) * 100;
    const naivePct = (naiveMs / 1000) * 100;
    return [
      {
        name: 'sampler CPU % of one core at 1 s interval (cpu, meminfo, vmstat, loadavg, netdev, diskstats)',
        value: pct,
        unit: '% of one core',
        target: '≤ 1%',
        baseline: { name: 'naive readFile + split/regex of the same files', value: naivePct },
        ratio: pct / naivePct,
      },
      { name: 'default /proc plugins CPU per tick', value: ms, unit: 'ms' },
    ];
  } finally {
    await Promise.all(plugins.map((p) => p.close?.()));
  }
}

async function synthetic(): Promise<BenchResult[]> {
  const plugin = createPlugin('synthetic', CTX, {
    hosts: SYNTH_HOSTS,
    metrics: SYNTH_METRICS,
    seed: 1,
  });
  const values = SYNTH_HOSTS * SYNTH_METRICS;
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  let start = process.cpuUsage();
  await plugin.sample(t0); // cold: every window built from scratch
  const coldMs = cpuMs(start);
  start = process.cpuUsage();
  for (let k = 1; k <= SYNTH_TICKS; k++) await plugin.sample(t0 + k * 1000);
  const tickMs = cpuMs(start) / SYNTH_TICKS;
  return [
    {
      name: `synthetic ${SYNTH_HOSTS}×${SYNTH_METRICS} CPU per value`,
      value: (tickMs * 1000) / values,
      unit: 'µs/value',
      target: `tick well under 1 s (${tickMs.toFixed(1)} ms/tick)`,
    },
    { name: `synthetic ${SYNTH_HOSTS}×${SYNTH_METRICS} CPU per tick`, value: tickMs, unit: 'ms' },
    {
      name: `synthetic ${SYNTH_HOSTS}×${SYNTH_METRICS} first (cold) tick`,
      value: coldMs,
      unit: 'ms',
    },
  ];
}

/** Entry point for bench/run.ts. */
export async function run(): Promise<BenchResult[]> {
  return [...(await procPlugins()), ...(await synthetic())];
}
