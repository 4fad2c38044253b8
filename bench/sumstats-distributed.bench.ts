import { silentLogger, systemClock } from '../src/common/index.js';
import { SumStatsEngine } from '../src/sumstats/index.js';
import type { SumStatDef, ThresholdCrossing } from '../src/sumstats/index.js';
import {
  KeyMerger,
  SumStatsManager,
  SumStatsWorker,
  dialSumStatsManager,
  listenSumStatsManager,
} from '../src/sumstats/distributed/index.js';
import type { BenchResult } from './bench-result.js';
import { median } from './stats.js';
import type { Dialer } from '../src/link/index.js';

const AUTH = { mode: 'secret', secret: 'bench' } as const;
const KEYS = 100_000;

function scan(epochMs: number | null): SumStatDef {
  return {
    name: 'scan',
    epochMs,
    reducers: [{ name: 'ports', stream: 'conn.attempt', spec: { kind: 'unique', n: 10_000 } }],
    threshold: { value: 'ports.count', threshold: 100 },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A manager and 4 workers in this process, over real loopback wire connections. */
async function stack(epochMs: number | null, onCrossing: (c: ThresholdCrossing) => void) {
  const manager = new SumStatsManager({
    name: 'mgr',
    clock: systemClock,
    logger: silentLogger,
    defs: [scan(epochMs)],
    onCrossing,
    drainTimeoutMs: 60_000,
  });
  const listener = await listenSumStatsManager(manager, {
    host: '127.0.0.1',
    port: 0,
    auth: AUTH,
    logger: silentLogger,
  });
  const engines: SumStatsEngine[] = [];
  const dialers: Dialer[] = [];
  for (let i = 0; i < 4; i++) {
    let worker: SumStatsWorker | undefined = undefined;
    const engine = new SumStatsEngine({
      clock: systemClock,
      logger: silentLogger,
      onNearThreshold: (s, k, v) => worker?.near(s, k, v),
    });
    worker = new SumStatsWorker({
      name: `w${i}`,
      engine,
      managers: ['mgr'],
      clock: systemClock,
      logger: silentLogger,
    });
    engines.push(engine);
    dialers.push(
      dialSumStatsManager(worker, {
        host: '127.0.0.1',
        port: listener.port,
        auth: AUTH,
        clock: systemClock,
        logger: silentLogger,
      }),
    );
  }
  while (engines.some((e) => e.list().length === 0)) await sleep(5);
  const close = async (): Promise<void> => {
    for (const d of dialers) d.close();
    manager.close();
    await listener.close();
  };
  return { manager, engines, close };
}

/** Observation of the 100th distinct port (spread round-robin over 4 workers) → global crossing event. */
async function crossingLatency(): Promise<number[]> {
  const seen = new Map<string, number>();
  const s = await stack(60_000, (c) => seen.set(c.key, performance.now()));
  const out: number[] = [];
  for (let rep = 0; rep < 20; rep++) {
    const key = `scanner${rep}`;
    for (let p = 0; p < 99; p++)
      s.engines[p % 4]!.observe({ stream: 'conn.attempt', key, str: String(p), timeMs: 0 });
    await sleep(150);
    const t0 = performance.now();
    s.engines[3]!.observe({ stream: 'conn.attempt', key, str: '99', timeMs: 0 });
    while (!seen.has(key) && performance.now() - t0 < 5000) await sleep(1);
    out.push((seen.get(key) ?? NaN) - t0);
  }
  await s.close();
  return out;
}

function fill(engines: SumStatsEngine[]): void {
  for (let k = 0; k < KEYS; k++) {
    const key = `10.${k >> 16}.${(k >> 8) & 255}.${k & 255}`;
    for (let w = 0; w < engines.length; w++)
      engines[w]!.observe({ stream: 'conn.attempt', key, str: String((k + w) % 1024), timeMs: 0 });
  }
  for (const e of engines) e.flush();
}

/** Drain + transfer + merge of an epoch of 100 000 keys held by 4 workers, over loopback. */
async function epochMerge(): Promise<{ wireMs: number; localMs: number }> {
  const s = await stack(null, () => undefined);
  fill(s.engines);
  let t0 = performance.now();
  const r = await s.manager.endEpoch('scan');
  const wireMs = performance.now() - t0;
  if (r.keys.size !== KEYS || !r.complete) throw new Error(`bad epoch: ${r.keys.size} keys`);
  await s.close();
  // Baseline: the same drain and merge in one process, no transport.
  const engines = Array.from({ length: 4 }, () => {
    const e = new SumStatsEngine({ clock: systemClock, logger: silentLogger });
    e.define(scan(null));
    return e;
  });
  fill(engines);
  t0 = performance.now();
  const merger = new KeyMerger(scan(null));
  for (const e of engines) for (const [key, part] of e.drain('scan').keys) merger.add(key, part);
  const keys = merger.all();
  const localMs = performance.now() - t0;
  if (keys.size !== KEYS) throw new Error('bad baseline');
  return { wireMs, localMs };
}

/** Distributed sumstats: early-detection latency and epoch collection cost. */
export async function run(): Promise<BenchResult[]> {
  const lat = crossingLatency();
  const latencies = await lat;
  const { wireMs, localMs } = await epochMerge();
  return [
    {
      name: 'sumstats global crossing latency (4 workers, loopback, 60 s epoch), median',
      value: Math.round(median(latencies) * 10) / 10,
      unit: 'ms',
      target: '≤ 1000 ms',
    },
    {
      name: 'sumstats global crossing latency, max of 20',
      value: Math.round(Math.max(...latencies) * 10) / 10,
      unit: 'ms',
      target: '≤ 1000 ms',
    },
    {
      name: 'sumstats epoch collect: 100k keys × 4 workers over loopback',
      value: Math.round(wireMs),
      unit: 'ms',
      baseline: { name: 'same drain + merge in one process', value: Math.round(localMs) },
      ratio: wireMs / localMs,
    },
  ];
}
