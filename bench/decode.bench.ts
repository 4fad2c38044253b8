/**
 * Wire protocol figures: decode throughput of data frames (values/s, with
 * JSON.parse of the same data as a baseline measured in the same run) and
 * steady-state bytes per value for a synthetic mix and a /proc-like mix
 * (baseline: Prometheus text exposition of the same samples).
 */
import { FrameDecoder, FrameEncoder } from '../src/protocol/index.js';
import type { DataEntry } from '../src/protocol/index.js';
import type { MetricDef, SetInstance } from '../src/model/index.js';
import type { BenchResult } from './bench-result.js';

/** A workload: sets and a way to produce the next sample of each. */
interface Workload {
  readonly sets: readonly SetInstance[];
  /** Advance every set by one tick and return the values (strings unused). */
  next(tick: number): Float64Array[];
}

const START_MS = 1_700_000_000_000;
const INTERVAL_MS = 1000;

/** Deterministic PRNG (mulberry32) so every run measures the same bytes. */
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

function def(
  name: string,
  type: MetricDef['type'],
  semantics: MetricDef['semantics'],
  unit = '',
): MetricDef {
  return { name, type, unit, semantics, description: '' };
}

function instance(host: string, group: string, metrics: MetricDef[]): SetInstance {
  return { ous: ['Bench'], host, groups: [group], schema: { name: group, metrics } };
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * The synthetic plugin mix: per set 40 counters growing by 0..100 per tick,
 * 40 random-walk gauges with 2 decimals (steps within ±1.00), 20 constants.
 */
function syntheticWorkload(setCount: number): Workload {
  const metrics: MetricDef[] = [];
  for (let i = 0; i < 40; i++) metrics.push(def(`counter${i}`, 'u64', 'counter'));
  for (let i = 0; i < 40; i++) metrics.push(def(`gauge${i}`, 'f64', 'instant'));
  for (let i = 0; i < 20; i++) metrics.push(def(`const${i}`, 'i64', 'discrete'));
  const sets = Array.from({ length: setCount }, (_, s) =>
    instance(`node-${s}`, 'synthetic', metrics),
  );
  const rnd = prng(42);
  const state = sets.map(() => {
    const v = new Float64Array(100);
    for (let i = 0; i < 40; i++) v[i] = Math.floor(rnd() * 1e9);
    for (let i = 40; i < 80; i++) v[i] = round2(rnd() * 100);
    for (let i = 80; i < 100; i++) v[i] = Math.floor(rnd() * 1e6);
    return v;
  });
  return {
    sets,
    next() {
      return state.map((v) => {
        for (let i = 0; i < 40; i++) v[i]! += Math.floor(rnd() * 101);
        for (let i = 40; i < 80; i++) v[i] = round2(v[i]! + (rnd() * 2 - 1));
        return v.slice();
      });
    },
  };
}

const CPU_FIELDS = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
  'guest',
  'guest_nice',
];

/** Per host: cpu (10 jiffy counters × 3 cpus), meminfo (50 gauges in kB), loadavg (3 + 2 counts). */
function procWorkload(hostCount: number): Workload {
  const cpu = CPU_FIELDS.flatMap((f) =>
    [0, 1, 2].map((c) => def(`cpu${c}:${f}`, 'u64', 'counter', 'jiffies')),
  );
  const mem = Array.from({ length: 50 }, (_, i) => def(`mem${i}`, 'u64', 'instant', 'kB'));
  const load = [
    def('load1', 'f64', 'instant'),
    def('load5', 'f64', 'instant'),
    def('load15', 'f64', 'instant'),
    def('running', 'u64', 'instant'),
    def('total', 'u64', 'instant'),
  ];
  const sets: SetInstance[] = [];
  for (let h = 0; h < hostCount; h++) {
    sets.push(
      instance(`node-${h}`, 'cpu', cpu),
      instance(`node-${h}`, 'meminfo', mem),
      instance(`node-${h}`, 'loadavg', load),
    );
  }
  const rnd = prng(7);
  const state = sets.map((s) => {
    const v = new Float64Array(s.schema.metrics.length);
    for (let i = 0; i < v.length; i++) v[i] = Math.floor(rnd() * 1e8);
    if (s.schema.name === 'loadavg') v.set([0.52, 0.61, 0.7, 1, 400]);
    return v;
  });
  const steps: Record<string, (v: Float64Array) => void> = {
    cpu: (v) => {
      for (let c = 0; c < 3; c++) {
        const user = Math.floor(rnd() * 40);
        const system = Math.floor(rnd() * 10);
        const iowait = rnd() < 0.2 ? Math.floor(rnd() * 3) : 0;
        const softirq = rnd() < 0.3 ? 1 : 0;
        const add = [
          user,
          0,
          system,
          100 - user - system - iowait - softirq,
          iowait,
          0,
          softirq,
          0,
          0,
          0,
        ];
        add.forEach((d, f) => (v[f * 3 + c]! += d));
      }
    },
    meminfo: (v) => {
      // A third of meminfo moves every second (free, cached, active…); the rest is static.
      for (let i = 0; i < 16; i++) v[i] = Math.max(0, v[i]! + Math.floor((rnd() - 0.5) * 2048) * 4);
    },
    loadavg: (v) => {
      for (let i = 0; i < 3; i++) v[i] = Math.max(0, round2(v[i]! + (rnd() - 0.5) * 0.1 * (3 - i)));
      v[3] = 1 + Math.floor(rnd() * 4);
      v[4] = v[4]! + (rnd() < 0.3 ? Math.floor(rnd() * 5) - 2 : 0);
    },
  };
  return { sets, next: () => state.map((v, s) => (steps[sets[s]!.schema.name]!(v), v.slice())) };
}

/** Encoded stream: schema frames, then one data frame per tick. */
interface EncodedStream {
  readonly schemaFrames: Uint8Array[];
  readonly dataFrames: Uint8Array[];
  readonly ticks: Float64Array[][];
}

function encodeWorkload(w: Workload, tickCount: number): EncodedStream {
  const enc = new FrameEncoder();
  const schemaFrames = w.sets.map((set, id) => enc.schema(id, set));
  const dataFrames: Uint8Array[] = [];
  const ticks: Float64Array[][] = [];
  for (let t = 0; t < tickCount; t++) {
    const values = w.next(t);
    const timestampMs = START_MS + t * INTERVAL_MS;
    const entries: DataEntry[] = values.map((v, setId) => ({
      setId,
      sample: { timestampMs, values: v, strings: null },
    }));
    dataFrames.push(enc.data(t, entries));
    ticks.push(values);
  }
  return { schemaFrames, dataFrames, ticks };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Values per second decoding the whole stream with a fresh decoder, median of `runs`. */
function measureDecode(stream: EncodedStream, valueCount: number, runs: number): number {
  const rates: number[] = [];
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    const dec = new FrameDecoder();
    for (const f of stream.schemaFrames) dec.push(f);
    const t0 = process.hrtime.bigint();
    for (const f of stream.dataFrames) {
      for (const m of dec.push(f)) if (m.type === 'data') sink += m.entries.length;
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(valueCount / s);
  }
  if (sink < 0) throw new Error('unreachable');
  return median(rates);
}

/** The baseline: the same samples as one JSON array per tick ([[ts, v…], …]), through JSON.parse. */
function measureJson(stream: EncodedStream, valueCount: number, runs: number): number {
  const texts = stream.ticks.map((sets, t) =>
    JSON.stringify(sets.map((v) => [START_MS + t * INTERVAL_MS, ...v])),
  );
  const rates: number[] = [];
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (const text of texts) sink += (JSON.parse(text) as unknown[]).length;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(valueCount / s);
  }
  if (sink < 0) throw new Error('unreachable');
  return median(rates);
}

/** Bytes per value on the wire after the first (keyframe) tick. */
function steadyBytesPerValue(stream: EncodedStream, valuesPerTick: number): number {
  const steady = stream.dataFrames.slice(1);
  const bytes = steady.reduce((sum, f) => sum + f.length, 0);
  return bytes / (valuesPerTick * steady.length);
}

/** Prometheus text exposition of the same samples: `name{host="…"} value timestamp\n` per sample. */
function prometheusBytesPerValue(w: Workload, stream: EncodedStream): number {
  let bytes = 0;
  let samples = 0;
  stream.ticks.slice(1).forEach((sets, t) => {
    const ts = START_MS + (t + 1) * INTERVAL_MS;
    sets.forEach((v, s) => {
      const set = w.sets[s]!;
      set.schema.metrics.forEach((m, i) => {
        const name = `canopy_${set.schema.name}_${m.name.replace(/:/g, '_')}`;
        bytes += Buffer.byteLength(`${name}{host="${set.host}"} ${String(v[i])} ${ts}\n`);
        samples++;
      });
    });
  });
  return bytes / samples;
}

function sizeResults(label: string, w: Workload, stream: EncodedStream): BenchResult {
  const perTick = w.sets.reduce((n, s) => n + s.schema.metrics.length, 0);
  const ours = steadyBytesPerValue(stream, perTick);
  const prom = prometheusBytesPerValue(w, stream);
  return {
    name: `wire bytes/value, steady state, ${label}`,
    value: ours,
    unit: 'B/value',
    target: '<= 2',
    baseline: { name: 'Prometheus text exposition', value: prom },
    ratio: ours / prom,
  };
}

/** Run the protocol benchmarks; prints nothing. */
export async function run(): Promise<BenchResult[]> {
  const setCount = 1000;
  const tickCount = 60;
  const synthetic = syntheticWorkload(setCount);
  const synStream = encodeWorkload(synthetic, tickCount);
  const valueCount = setCount * 100 * tickCount;
  const ours = measureDecode(synStream, valueCount, 5);
  const json = measureJson(synStream, valueCount, 5);
  const proc = procWorkload(300);
  const procStream = encodeWorkload(proc, tickCount);
  await Promise.resolve();
  return [
    {
      name: 'data frame decode, synthetic mix (1000 sets x 100 metrics x 60 ticks)',
      value: ours,
      unit: 'values/s',
      target: '>= 5e6',
      baseline: { name: 'JSON.parse of the same samples', value: json },
      ratio: ours / json,
    },
    sizeResults(
      'synthetic mix (counters, 2-decimal random walks, constants)',
      synthetic,
      synStream,
    ),
    sizeResults('/proc-like mix (cpu x3, meminfo, loadavg)', proc, procStream),
  ];
}
