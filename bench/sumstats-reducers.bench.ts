/**
 * SumStats reducer figures:
 * - throughput on one core of sum + quantile + hll_unique fed the same
 *   {num, str} stream (baseline in the same run: a plain loop summing the
 *   numbers), and of each of the three alone;
 * - HyperLogLog relative standard error over many trials at 10^5 distinct,
 *   and bytes per sketch (baseline: Zeek's 64 KiB per key);
 * - DDSketch worst relative error over quantiles of a heavy-tailed stream
 *   reduced in 8 partitions merged through their binary form;
 * - Space-Saving worst count error on a Zipf stream merged from 8
 *   partitions, against its bound N/k.
 * Every input comes from a seeded PRNG, so runs measure the same data.
 */
import { createReducer, decodeReducer } from '../src/sumstats/reducers/index.js';
import type { Observation, Reducer, ReducerSpec } from '../src/sumstats/reducers/index.js';
import type { BenchResult } from './bench-result.js';
import { median } from './stats.js';

const RUNS = 5;
const STREAM = 1_000_000;
const ZEEK_HLL_BYTES = 64 * 1024;

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal latencies (median ~20 ms) with a Pareto tail in 2 % of them. */
function heavyTailed(rnd: () => number): number {
  const u = Math.max(rnd(), 1e-12);
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  const x = 0.02 * Math.exp(0.8 * normal);
  return rnd() < 0.02 ? x * Math.pow(Math.max(rnd(), 1e-9), -1 / 1.5) : x;
}

/** A stream of {num, str}: latencies and client addresses out of a pool of 100,000. */
function observations(n: number): Observation[] {
  const rnd = prng(11);
  const pool = Array.from(
    { length: 100_000 },
    (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  );
  return Array.from({ length: n }, () => ({
    num: heavyTailed(rnd),
    str: pool[Math.floor(rnd() * pool.length)]!,
  }));
}

/** Median observations/s of `feed` over the stream. */
function rate(stream: readonly Observation[], feed: (o: Observation) => void): number {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (const o of stream) feed(o);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return stream.length / median(times);
}

function throughput(): BenchResult[] {
  const stream = observations(STREAM);
  let total = 0;
  const baseline = rate(stream, (o) => {
    total += o.num!;
  });
  if (!Number.isFinite(total)) throw new Error('unreachable: keeps the loop alive');
  const reducers = (specs: ReducerSpec[]): Reducer[] => specs.map((s) => createReducer(s));
  const three = reducers([{ kind: 'sum' }, { kind: 'quantile' }, { kind: 'hll_unique' }]);
  const [s, q, h] = three as [Reducer, Reducer, Reducer];
  const all = rate(stream, (o) => {
    s.add(o);
    q.add(o);
    h.add(o);
  });
  const out: BenchResult[] = [
    {
      name: 'observations/s, sum + quantile + hll_unique, one core',
      value: Math.round(all),
      unit: 'obs/s',
      target: '≥ 1,000,000',
      baseline: { name: 'plain loop summing the numbers', value: Math.round(baseline) },
      ratio: all / baseline,
    },
  ];
  for (const kind of ['sum', 'quantile', 'hll_unique'] as const) {
    const r = createReducer({ kind });
    out.push({
      name: `observations/s, ${kind} alone`,
      value: Math.round(rate(stream, (o) => r.add(o))),
      unit: 'obs/s',
    });
  }
  return out;
}

function hllFigures(): BenchResult[] {
  const trials = 100;
  const distinct = 100_000;
  let sq = 0;
  let last: Reducer | undefined;
  for (let t = 0; t < trials; t++) {
    const r = createReducer({ kind: 'hll_unique' });
    for (let i = 0; i < distinct; i++) r.add({ str: `t${t}:${i}` });
    const { estimate } = r.result() as { estimate: number };
    sq += ((estimate - distinct) / distinct) ** 2;
    last = r;
  }
  const rms = Math.sqrt(sq / trials);
  const small = createReducer({ kind: 'hll_unique' });
  for (let i = 0; i < 100; i++) small.add({ str: `s${i}` });
  return [
    {
      name: `hll_unique relative std error, ${trials} trials at 1e5 distinct (p=14)`,
      value: rms * 100,
      unit: '%',
      target: '≤ 1 % (theory 1.04/√16384 = 0.81 %)',
    },
    {
      name: 'hll_unique bytes held per sketch, dense (1e5 distinct)',
      value: last!.bytes(),
      unit: 'B',
      target: '≤ 16 KiB',
      baseline: { name: 'Zeek HLL per key at 1 %', value: ZEEK_HLL_BYTES },
      ratio: last!.bytes() / ZEEK_HLL_BYTES,
    },
    { name: 'hll_unique encoded bytes, dense', value: last!.encode().length, unit: 'B' },
    { name: 'hll_unique bytes held, sparse (100 distinct)', value: small.bytes(), unit: 'B' },
  ];
}

/** Reduce `stream` in `parts` round-robin partitions, each through encode/decode, merged in order. */
function mergedOverParts(
  spec: ReducerSpec,
  stream: readonly Observation[],
  parts: number,
): Reducer {
  const rs = Array.from({ length: parts }, () => createReducer(spec));
  stream.forEach((o, i) => rs[i % parts]!.add(o));
  const [first, ...rest] = rs.map((r) => decodeReducer(r.encode()));
  for (const r of rest) first!.merge(r);
  return first!;
}

function quantileFigures(): BenchResult[] {
  const stream = observations(STREAM);
  const qs = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];
  const merged = mergedOverParts({ kind: 'quantile', quantiles: qs }, stream, 8);
  const sorted = stream.map((o) => o.num!).sort((a, b) => a - b);
  const res = merged.result() as Record<string, number>;
  let worst = 0;
  for (const q of qs) {
    const x = sorted[Math.floor(q * (sorted.length - 1))]!;
    worst = Math.max(worst, Math.abs(res[String(q)]! - x) / Math.abs(x));
  }
  return [
    {
      name: 'quantile worst relative error, 10 quantiles, 1e6 values, 8 merged',
      value: worst * 100,
      unit: '%',
      target: '≤ 1 % (alpha)',
    },
    { name: 'quantile bytes held (1e6 heavy-tailed values)', value: merged.bytes(), unit: 'B' },
    { name: 'quantile encoded bytes', value: merged.encode().length, unit: 'B' },
  ];
}

/** Zipf(s) ranks over `keys` keys by inverse CDF. */
function zipf(keys: number, s: number, rnd: () => number): () => number {
  const cdf = new Float64Array(keys);
  let acc = 0;
  for (let i = 0; i < keys; i++) cdf[i] = acc += 1 / Math.pow(i + 1, s);
  return () => {
    const u = rnd() * acc;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function topkFigures(): BenchResult[] {
  const k = 100;
  const draw = zipf(100_000, 1.1, prng(5));
  const stream: Observation[] = Array.from({ length: STREAM }, () => ({ str: `key${draw()}` }));
  const truth = new Map<string, number>();
  for (const o of stream) truth.set(o.str!, (truth.get(o.str!) ?? 0) + 1);
  const merged = mergedOverParts({ kind: 'topk', n: k }, stream, 8);
  let worst = 0;
  for (const e of merged.result() as { key: string; count: number }[]) {
    worst = Math.max(worst, Math.abs(e.count - (truth.get(e.key) ?? 0)));
  }
  const bound = STREAM / k;
  return [
    {
      name: `topk max count error, k=${k}, 200 counters, Zipf 1.1, 8 merged`,
      value: worst,
      unit: 'obs',
      target: `≤ N/k = ${bound}`,
      baseline: { name: 'N/k', value: bound },
      ratio: worst / bound,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...throughput(), ...hllFigures(), ...quantileFigures(), ...topkFigures()];
}
