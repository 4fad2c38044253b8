/**
 * Aggregator figures:
 * - ingest: wire decode + live-store update of a synthetic stream on one core
 *   (baseline in the same run: decode alone);
 * - memory per live series after a full 10-minute window at 1 s;
 * - latest-value query over 10,000 hosts × 1 metric, asked directly and
 *   through an upper aggregator that forwards it one level down (in-process
 *   daemons, real HTTP on loopback).
 */
import { Aggregator } from '../src/aggregator/index.js';
import { ApiServer } from '../src/api/index.js';
import { aggregatorSource } from '../src/cli/aggregator-source.js';
import { silentLogger, systemClock } from '../src/common/index.js';
import { LiveStore } from '../src/aggregator/index.js';
import { parseSelector } from '../src/model/index.js';
import type { SetInstance } from '../src/model/index.js';
import { FrameDecoder, FrameEncoder } from '../src/protocol/index.js';
import { createPlugin } from '../src/sampler/index.js';
import type { BenchResult } from './bench-result.js';
import { median } from './stats.js';

const T0 = 1_700_000_000_000;
const ctx = { host: 'bench', ous: ['Bench'], procRoot: '/proc', clock: systemClock };

async function syntheticFrames(
  hosts: number,
  metrics: number,
  ticks: number,
): Promise<{ frames: Uint8Array[]; values: number }> {
  const plugin = createPlugin('synthetic', ctx, { hosts, metrics, seed: 3, intervalMs: 1000 });
  const enc = new FrameEncoder();
  const ids = new Map<SetInstance, number>();
  const frames: Uint8Array[] = [];
  let values = 0;
  for (let k = 0; k < ticks; k++) {
    const samples = await plugin.sample(T0 + k * 1000);
    const entries = samples.map((s) => {
      let id = ids.get(s.set);
      if (id === undefined) {
        id = ids.size + 1;
        ids.set(s.set, id);
        frames.push(enc.schema(id, s.set));
      }
      values += s.sample.values.length;
      return { setId: id, sample: s.sample };
    });
    for (let i = 0; i < entries.length; i += 500)
      frames.push(enc.data(k * 100 + i + 1, entries.slice(i, i + 500)));
  }
  return { frames, values };
}

function ingestRun(frames: Uint8Array[], store: LiveStore | undefined): number {
  const dec = new FrameDecoder();
  const sets = new Map<number, SetInstance>();
  const start = process.hrtime.bigint();
  for (const f of frames) {
    for (const m of dec.push(f)) {
      if (m.type === 'schema') sets.set(m.setId, m.set);
      else if (m.type === 'data' && store)
        for (const e of m.entries) store.ingest(sets.get(e.setId)!, e.sample, 0, 'bench');
    }
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function ingest(): Promise<BenchResult[]> {
  const { frames, values } = await syntheticFrames(1000, 100, 60);
  const full: number[] = [];
  const decodeOnly: number[] = [];
  for (let run = 0; run < 5; run++) {
    decodeOnly.push(values / ingestRun(frames, undefined));
    full.push(values / ingestRun(frames, new LiveStore({ windowSamples: 600 })));
  }
  const v = median(full);
  const b = median(decodeOnly);
  return [
    {
      name: 'aggregator ingest, decode + live tree update (1000 hosts x 100 metrics x 60 s)',
      value: v,
      unit: 'values/s',
      target: '≥ 2e6 on one core',
      baseline: { name: 'decode alone', value: b },
      ratio: v / b,
    },
  ];
}

async function memory(): Promise<BenchResult[]> {
  const hosts = 200;
  const plugin = createPlugin('synthetic', ctx, { hosts, metrics: 100, seed: 5, intervalMs: 1000 });
  const store = new LiveStore({ windowSamples: 600 });
  const gc = (globalThis as { gc?: () => void }).gc;
  // Collect a few times with pauses: array buffers are released after their
  // objects, in a later phase.
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await plugin.sample(T0 - 1000);
  await settle();
  const before = process.memoryUsage();
  for (let k = 0; k < 660; k++)
    for (const s of await plugin.sample(T0 + k * 1000)) store.ingest(s.set, s.sample, 0, 'bench');
  await settle();
  const after = process.memoryUsage();
  const series = store.stats().series;
  const heapPerSeries =
    (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / series;
  const own = store.stats().bytes / series;
  return [
    {
      name: `memory per live series, 10-min window at 1 s (synthetic, ${series} series, store accounting)`,
      value: own,
      unit: 'B/series',
      target: '≤ 1024',
      baseline: { name: 'raw float64 per point (600 × 8 B)', value: 4800 },
      ratio: own / 4800,
    },
    {
      name: `  same, measured heap + array buffers${gc ? ' after gc' : ' (no --expose-gc: includes garbage)'}`,
      value: heapPerSeries,
      unit: 'B/series',
    },
  ];
}

async function timeQuery(url: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(url);
    const body = (await res.json()) as { points: unknown[] };
    times.push(performance.now() - t);
    if (body.points.length !== 10_000)
      throw new Error(`expected 10000 points, got ${body.points.length}`);
  }
  return median(times);
}

async function query(): Promise<BenchResult[]> {
  const l1 = new Aggregator({
    name: 'b-l1',
    level: 1,
    ous: ['Bench'],
    listen: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    clock: systemClock,
    logger: silentLogger,
    windowSamples: 60,
  });
  const l2 = new Aggregator({
    name: 'b-l2',
    level: 2,
    ous: ['Bench'],
    listen: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    clock: systemClock,
    logger: silentLogger,
  });
  const api1 = new ApiServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    source: aggregatorSource(l1),
  });
  const api2 = new ApiServer({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    source: aggregatorSource(l2),
  });
  const a1 = await api1.listen();
  const a2 = await api2.listen();
  try {
    const plugin = createPlugin(
      'synthetic',
      { ...ctx, ous: ['Bench', 'Rack'] },
      { hosts: 10_000, metrics: 10, seed: 9, intervalMs: 1000 },
    );
    for (let k = 0; k < 3; k++)
      for (const s of await plugin.sample(T0 + k * 1000))
        l1.store.ingest(s.set, s.sample, Date.now(), 'bench');
    l2.delegates.announce(
      {
        name: 'b-l1',
        mode: 'summary',
        level: 1,
        api: `http://127.0.0.1:${a1.port}`,
        ous: ['Bench:Rack'],
      },
      Date.now(),
    );
    const sel = parseSelector('Bench::*:synth:gauge_0');
    const inProc: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      if (l1.latestLocal(sel).length !== 10_000) throw new Error('expected 10000 points');
      inProc.push(performance.now() - t);
    }
    const path = `/api/latest?select=${encodeURIComponent('Bench::*:synth:gauge_0')}`;
    const direct = await timeQuery(`http://127.0.0.1:${a1.port}${path}`, 20);
    const forwarded = await timeQuery(`http://127.0.0.1:${a2.port}${path}`, 20);
    return [
      {
        name: 'latest-value query, 10,000 hosts × 1 metric, in process',
        value: median(inProc),
        unit: 'ms',
        target: '≤ 50',
      },
      {
        name: 'latest-value query, 10,000 hosts × 1 metric, over HTTP',
        value: direct,
        unit: 'ms',
        target: '≤ 50',
      },
      {
        name: 'same query forwarded one level down (extra over direct)',
        value: forwarded - direct,
        unit: 'ms',
        target: '≤ 5',
        baseline: { name: 'direct over HTTP', value: direct },
      },
    ];
  } finally {
    await api1.close();
    await api2.close();
    await l1.shutdown();
    await l2.shutdown();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await memory()), ...(await ingest()), ...(await query())];
}
