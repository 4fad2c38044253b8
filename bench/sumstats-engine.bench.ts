import { silentLogger, systemClock } from '../src/common/index.js';
import { SumStatsEngine, createReducer } from '../src/sumstats/index.js';
import type { ObservationEvent, ReducerSpec } from '../src/sumstats/index.js';
import type { BenchResult } from './bench-result.js';

const N = 2_000_000;
const SPECS: ReducerSpec[] = [{ kind: 'sum' }, { kind: 'quantile' }, { kind: 'hll_unique' }];
const EVS: ObservationEvent[] = Array.from({ length: 65_536 }, (_, i) => {
  const k = (i * 7919) % 1000;
  return {
    stream: 'rtt',
    key: `10.0.${k >> 8}.${k & 255}`,
    num: (i * 37) % 1000,
    str: `d${i % 5000}`,
    timeMs: 0,
  };
});

function rate(fn: (ev: ObservationEvent) => void, after: () => void = () => undefined): number {
  for (let i = 0; i < 200_000; i++) fn(EVS[i & 65_535]!);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn(EVS[i & 65_535]!);
  after();
  return N / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** SumStatsEngine.observe throughput: 3 reducers, 1000 keys, a threshold. Baseline: the same reducers' add() on one key. */
export async function run(): Promise<BenchResult[]> {
  const reducers = SPECS.map((spec) => createReducer(spec));
  const base = rate((ev) => reducers.forEach((r) => r.add(ev)));
  const engine = new SumStatsEngine({ clock: systemClock, logger: silentLogger });
  const defs = SPECS.map((spec, i) => ({ name: `r${i}`, stream: 'rtt', spec }));
  engine.define({
    name: 'b',
    epochMs: null,
    reducers: defs,
    threshold: { value: 'r0', threshold: 1e15 },
  });
  const value = rate(
    (ev) => engine.observe(ev),
    () => engine.flush(),
  );
  engine.close();
  return [
    {
      name: 'sumstats observe: sum+quantile+hll_unique, 1000 keys, threshold',
      value: Math.round(value),
      unit: 'obs/s',
      target: '≥ 1 M/s on one core',
      baseline: { name: 'the 3 reducers add() on one key', value: Math.round(base) },
      ratio: value / base,
    },
  ];
}
