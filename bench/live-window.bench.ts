/**
 * Live window figures: memory per series of SetWindow (its own `bytes()`
 * estimate and the real heap delta) for the synthetic mix and a /proc mix,
 * append throughput, and the range read of one series over the window. The
 * baselines, measured in the same run, are the uncompressed ring LiveSet
 * keeps today: 8 B per value plus 8 B per timestamp per set.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SetWindow } from '../src/aggregator/set-window.js';
import { systemClock } from '../src/common/index.js';
import { setInstanceKey } from '../src/model/index.js';
import { SyntheticPlugin, createPlugin, syntheticConfig } from '../src/sampler/index.js';
import type { PluginContext, SamplerPlugin } from '../src/sampler/index.js';
import type { BenchResult } from './bench-result.js';
import { median } from './stats.js';

const START_MS = 1_700_000_000_000;
const INTERVAL_MS = 1000;
/** The window of the target: 10 minutes at 1 s. */
const WINDOW_SAMPLES = 600;
const METRICS = 100;
const PROC_PLUGINS = ['cpu', 'meminfo', 'vmstat', 'loadavg', 'netdev', 'diskstats'] as const;
const CTX: PluginContext = { host: 'h', ous: ['A'], procRoot: '/proc', clock: systemClock };
/** Samples per block of the default SetWindow. */
const BLOCK = new SetWindow({ metrics: 1, maxSamples: WINDOW_SAMPLES }).blockSamples;
/**
 * Memory is measured with the window at its fullest: 600 samples sealed plus
 * a nearly full open block (600 + B − 1), the conservative point of its cycle.
 */
const FULL_TICKS = WINDOW_SAMPLES + BLOCK - 1;

/** The uncompressed layout per series: 8 B per value, plus the set's 8 B timestamps shared by n metrics. */
function uncompressedPerSeries(metrics: number): number {
  return WINDOW_SAMPLES * 8 + (WINDOW_SAMPLES * 8) / metrics;
}

/** A full GC, through --expose-gc when given, else by enabling it at run time. */
function gcFunction(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function heapBytes(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function synthetic(hosts: number): SyntheticPlugin {
  return new SyntheticPlugin(
    syntheticConfig(CTX, { hosts, metrics: METRICS, seed: 1, intervalMs: INTERVAL_MS }),
  );
}

/** Windows per set key, created on first sight; a set whose layout changed restarts. */
class WindowMap {
  readonly windows = new Map<string, SetWindow>();
  #sets = 0;

  append(key: string, t: number, values: Float64Array): void {
    let w = this.windows.get(key);
    if (!w || w.metrics !== values.length) {
      w = new SetWindow({ metrics: values.length, maxSamples: WINDOW_SAMPLES });
      this.windows.set(key, w);
    }
    w.append(t, values);
  }

  get sets(): number {
    return this.#sets;
  }

  perSeries(): { bytes: number; series: number } {
    this.#sets = this.windows.size;
    let bytes = 0;
    let series = 0;
    for (const w of this.windows.values()) {
      bytes += w.bytes();
      series += w.metrics;
    }
    return { bytes: bytes / series, series };
  }
}

async function fill(plugins: SamplerPlugin[], ticks: number): Promise<WindowMap> {
  const map = new WindowMap();
  const keys = new WeakMap<object, string>();
  for (let k = 0; k < ticks; k++) {
    const t = START_MS + k * INTERVAL_MS;
    for (const plugin of plugins) {
      for (const { set, sample } of await plugin.sample(t)) {
        let key = keys.get(set);
        if (key === undefined) keys.set(set, (key = setInstanceKey(set)));
        map.append(key, t, sample.values);
      }
    }
  }
  return map;
}

async function memoryFigures(
  label: string,
  plugins: SamplerPlugin[],
  gc: (() => void) | undefined,
): Promise<BenchResult[]> {
  const map = await fill(plugins, FULL_TICKS);
  const { bytes, series } = map.perSeries();
  // The heap the windows hold: measured by dropping them, so whatever the
  // plugins allocated meanwhile (caches, buffers) is not counted.
  const withWindows = gc ? heapBytes(gc) : 0;
  map.windows.clear();
  const without = gc ? heapBytes(gc) : 0;
  const avgMetrics = series / map.sets;
  const baseline = {
    name: 'uncompressed ring (8 B/value + 8 B/timestamp/set)',
    value: uncompressedPerSeries(avgMetrics),
  };
  const out: BenchResult[] = [
    {
      name: `${label}: bytes/series by bytes() (${series} series, ${FULL_TICKS} samples held)`,
      value: bytes,
      unit: 'B',
      target: '≤ 1024 B',
      baseline,
      ratio: bytes / baseline.value,
    },
  ];
  if (gc) {
    const heap = (withWindows - without) / series;
    out.push({
      name: `${label}: bytes/series by heap delta`,
      value: heap,
      unit: 'B',
      target: '≤ 1024 B',
      baseline,
      ratio: heap / baseline.value,
    });
  }
  return out;
}

/** Rows of the synthetic mix, produced before timing: rows[k][h]. */
async function syntheticRows(hosts: number, ticks: number): Promise<Float64Array[][]> {
  const plugin = synthetic(hosts);
  const rows: Float64Array[][] = [];
  for (let k = 0; k < ticks; k++) {
    rows.push((await plugin.sample(START_MS + k * INTERVAL_MS)).map((p) => p.sample.values));
  }
  return rows;
}

/** What LiveSet does today: one Float64Array ring of timestamps and one of rows. */
class UncompressedRing {
  readonly #n: number;
  readonly #ts = new Float64Array(WINDOW_SAMPLES);
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  constructor(n: number) {
    this.#n = n;
    this.#values = new Float64Array(WINDOW_SAMPLES * n);
  }

  append(t: number, row: Float64Array): void {
    this.#ts[this.#next] = t;
    this.#values.set(row, this.#next * this.#n);
    this.#next = (this.#next + 1) % WINDOW_SAMPLES;
    if (this.#count < WINDOW_SAMPLES) this.#count++;
  }

  range(i: number, fromMs: number, toMs: number): [number, number][] {
    const out: [number, number][] = [];
    const start = (this.#next - this.#count + WINDOW_SAMPLES) % WINDOW_SAMPLES;
    for (let k = 0; k < this.#count; k++) {
      const slot = (start + k) % WINDOW_SAMPLES;
      const t = this.#ts[slot]!;
      if (t < fromMs) continue;
      if (t > toMs) break;
      out.push([t, this.#values[slot * this.#n + i]!]);
    }
    return out;
  }
}

interface Store {
  append(t: number, row: Float64Array): void;
  range(i: number, fromMs: number, toMs: number): [number, number][];
}

/** Values/s appending every row into fresh stores, median of `runs`; returns the last stores too. */
function appendRate(
  rows: Float64Array[][],
  make: () => Store,
  runs: number,
): { rate: number; stores: Store[] } {
  const hosts = rows[0]!.length;
  const rates: number[] = [];
  let stores: Store[] = [];
  for (let r = 0; r < runs; r++) {
    stores = Array.from({ length: hosts }, make);
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]!;
      const t = START_MS + k * INTERVAL_MS;
      for (let h = 0; h < hosts; h++) stores[h]!.append(t, row[h]!);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push((rows.length * hosts * METRICS) / s);
  }
  return { rate: median(rates), stores };
}

/** µs per range read of one whole series (fresh result array each), median of `runs`; and points per read. */
function rangeMicros(stores: Store[], runs: number): { micros: number; points: number } {
  const reads = 2000;
  const times: number[] = [];
  let sink = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < reads; j++) {
      sink += stores[j % stores.length]!.range(j % METRICS, -Infinity, Infinity).length;
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e3 / reads);
  }
  if (sink === 0) throw new Error('range reads returned nothing');
  return { micros: median(times), points: sink / (runs * reads) };
}

async function speedFigures(): Promise<BenchResult[]> {
  // 600 + one block: the windows have dropped a block and end holding 600 samples.
  const rows = await syntheticRows(100, WINDOW_SAMPLES + BLOCK);
  const window = appendRate(
    rows,
    () => new SetWindow({ metrics: METRICS, maxSamples: WINDOW_SAMPLES }),
    5,
  );
  const ring = appendRate(rows, () => new UncompressedRing(METRICS), 5);
  const windowRange = rangeMicros(window.stores, 5);
  const ringRange = rangeMicros(ring.stores, 5);
  return [
    {
      name: 'append, synthetic mix (100 sets × 100 metrics)',
      value: window.rate,
      unit: 'values/s',
      target: '≥ 10 M values/s',
      baseline: { name: 'Float64Array ring copy', value: ring.rate },
      ratio: window.rate / ring.rate,
    },
    {
      name: `range read of one series, whole window (${Math.round(windowRange.points)} points)`,
      value: windowRange.micros,
      unit: 'µs',
      target: '≤ 100 µs',
      baseline: { name: `uncompressed ring (${ringRange.points} points)`, value: ringRange.micros },
      ratio: windowRange.micros / ringRange.micros,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const gc = gcFunction();
  const results: BenchResult[] = [];
  results.push(...(await memoryFigures('synthetic 1000 sets × 100', [synthetic(1000)], gc)));
  const procPlugins = PROC_PLUGINS.map((name) => createPlugin(name, CTX, {}));
  results.push(
    ...(await memoryFigures(
      `/proc mix, ${FULL_TICKS} reads back to back (values change less than at 1 s)`,
      procPlugins,
      gc,
    )),
  );
  for (const p of procPlugins) await p.close?.();
  results.push(...(await speedFigures()));
  return results;
}
