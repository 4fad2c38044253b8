import { ManualClock, silentLogger } from '../../common/index.js';
import type { SumStatDef } from '../definition.js';
import { SumStatsEngine } from '../engine.js';
import type { EpochResult, ThresholdCrossing } from '../events.js';
import { SumStatsManager } from './manager.js';
import type { SumStatsManagerOptions } from './manager.js';
import { memoryLinkPair } from './transport.js';
import { SumStatsWorker } from './worker.js';
import type { SumStatsWorkerOptions } from './worker.js';

/** Let queued microtasks and immediates run (in-memory links deliver on microtasks). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A worker with its own engine, and the crossings its engine saw locally. */
export interface TestWorker {
  worker: SumStatsWorker;
  engine: SumStatsEngine;
  local: ThresholdCrossing[];
}

/** A manager and what it reported. */
export interface TestManager {
  manager: SumStatsManager;
  crossings: ThresholdCrossing[];
  epochs: EpochResult[];
}

/** Start of every test clock: a round minute, so epoch boundaries are easy to reason about. */
export const T0 = 1_700_000_040_000;

export function makeManager(
  name: string,
  clock: ManualClock,
  defs: SumStatDef[],
  extra: Partial<SumStatsManagerOptions> = {},
): TestManager {
  const crossings: ThresholdCrossing[] = [];
  const epochs: EpochResult[] = [];
  const manager = new SumStatsManager({
    name,
    clock,
    logger: silentLogger,
    defs,
    onCrossing: (c) => crossings.push(c),
    onEpoch: (r) => epochs.push(r),
    ...extra,
  });
  return { manager, crossings, epochs };
}

export function makeWorker(
  name: string,
  clock: ManualClock,
  managers: readonly string[],
  extra: Partial<SumStatsWorkerOptions> = {},
): TestWorker {
  const local: ThresholdCrossing[] = [];
  // Late binding: the engine needs the worker's `near` and the worker needs the engine.
  let worker: SumStatsWorker | undefined = undefined;
  const engine = new SumStatsEngine({
    clock,
    logger: silentLogger,
    onCrossing: (c) => local.push(c),
    onNearThreshold: (s, k, v) => worker?.near(s, k, v),
  });
  worker = new SumStatsWorker({ name, engine, managers, clock, logger: silentLogger, ...extra });
  return { worker, engine, local };
}

/** Connect a worker to a manager over an in-memory link; returns a function that cuts it. */
export function connect(w: TestWorker, m: TestManager): () => void {
  const [wl, ml] = memoryLinkPair(w.worker.name, m.manager.name);
  w.worker.attach(wl);
  m.manager.attach(ml);
  return () => wl.close();
}

/** One manager and `n` workers `w0…`, connected and with definitions delivered. */
export async function cluster(
  defs: SumStatDef[],
  n: number,
  opts: {
    managers?: string[];
    manager?: Partial<SumStatsManagerOptions>;
    worker?: Partial<SumStatsWorkerOptions>;
  } = {},
): Promise<{ clock: ManualClock; managers: TestManager[]; workers: TestWorker[] }> {
  const clock = new ManualClock(T0);
  const names = opts.managers ?? ['m0'];
  const managers = names.map((name) => makeManager(name, clock, defs, opts.manager));
  const workers = Array.from({ length: n }, (_, i) =>
    makeWorker(`w${i}`, clock, names, opts.worker),
  );
  for (const w of workers) for (const m of managers) connect(w, m);
  await settle();
  return { clock, managers, workers };
}

/** The scan sumstat of the docs: unique destination ports per source, threshold 100. */
export function scanDef(
  epochMs: number | null = null,
  extra: Partial<SumStatDef> = {},
): SumStatDef {
  return {
    name: 'scan',
    epochMs,
    reducers: [{ name: 'ports', stream: 'conn.attempt', spec: { kind: 'unique', n: 10_000 } }],
    threshold: { value: 'ports.count', threshold: 100 },
    ...extra,
  };
}

/** Observe ports [from, to) of one source key round-robin over the workers (none sees them all). */
export function spread(
  workers: readonly TestWorker[],
  key: string,
  from: number,
  to: number,
): void {
  for (let p = from; p < to; p++)
    workers[p % workers.length]!.engine.observe({
      stream: 'conn.attempt',
      key,
      str: String(p),
      timeMs: T0,
    });
}
