/**
 * Archive figures: bytes on disk per stored value (synthetic mix and this
 * machine's /proc sets), append throughput with durability (every append
 * awaited until its WAL sync; baseline: the same values written as raw
 * float64 without any sync), and a range read of one series over 24 h of
 * 1 s points from a fresh reader; a range query of 1,000 series from the
 * minute tier.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveReader, ArchiveWriter, pickTier } from '../src/archive/index.js';
import type { AppendItem, ArchiveWriterOptions } from '../src/archive/index.js';
import { systemClock } from '../src/common/index.js';
import { SyntheticPlugin, createPlugin, syntheticConfig } from '../src/sampler/index.js';
import type { PluginContext, SamplerPlugin } from '../src/sampler/index.js';
import type { BenchResult } from './bench-result.js';
import { median } from './stats.js';

const START_MS = 1_700_000_000_000;
const STEP_MS = 1000;
const CTX: PluginContext = { host: 'h', ous: ['A'], procRoot: '/proc', clock: systemClock };
const PROC_PLUGINS = ['cpu', 'meminfo', 'vmstat', 'loadavg', 'netdev', 'diskstats'] as const;
/** Ticks generated ahead and appended as one timed window. */
const WINDOW_TICKS = 60;

function synthetic(hosts: number): SyntheticPlugin {
  return new SyntheticPlugin(
    syntheticConfig(CTX, { hosts, metrics: 100, seed: 1, intervalMs: STEP_MS }),
  );
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'canopy-archive-bench-'));
}

interface WriteFigures {
  readonly values: number;
  /** Seconds spent appending, each append awaited until durable, sealing included. */
  readonly appendS: number;
  readonly flushS: number;
  readonly bytesPerValue: number;
  readonly walBytesPerValue: number;
  readonly fsyncs: number;
  /** The same values as raw float64, written without sync: values/s. */
  readonly rawRate: number;
}

/**
 * Sample `ticks` ticks from `plugins` (1 s apart), append each tick as one
 * batch, awaiting it. Sampling is not timed: rows are made a window ahead.
 */
async function writeArchive(
  plugins: SamplerPlugin[],
  ticks: number,
  options: ArchiveWriterOptions,
): Promise<WriteFigures> {
  const dir = tempDir();
  const rawPath = join(dir, 'raw.f64');
  const rawFd = openSync(rawPath, 'w');
  try {
    const w = await ArchiveWriter.open(join(dir, 'archive'), options);
    let appendS = 0;
    let rawS = 0;
    for (let k0 = 0; k0 < ticks; k0 += WINDOW_TICKS) {
      const rows: AppendItem[][] = [];
      for (let k = k0; k < Math.min(ticks, k0 + WINDOW_TICKS); k++) {
        const batch: AppendItem[] = [];
        for (const p of plugins) batch.push(...(await p.sample(START_MS + k * STEP_MS)));
        rows.push(batch);
      }
      const t0 = performance.now();
      for (const batch of rows) await w.append(batch);
      const t1 = performance.now();
      for (const batch of rows) for (const it of batch) writeSync(rawFd, it.sample.values);
      rawS += (performance.now() - t1) / 1000;
      appendS += (t1 - t0) / 1000;
    }
    const t2 = performance.now();
    await w.close();
    const flushS = (performance.now() - t2) / 1000;
    const s = w.stats();
    return {
      values: s.values,
      appendS,
      flushS,
      bytesPerValue: (s.bytes.segments + s.bytes.indexes) / s.values,
      walBytesPerValue: s.walBytesWritten / s.values,
      fsyncs: s.fsyncs,
      rawRate: s.values / rawS,
    };
  } finally {
    closeSync(rawFd);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sizeFigures(): Promise<BenchResult[]> {
  const syn = await writeArchive([synthetic(1000)], 600, {});
  const syn120 = await writeArchive([synthetic(100)], 600, { chunkSamples: 120 });
  const procs = PROC_PLUGINS.map((name) => createPlugin(name, CTX, {}));
  const proc = await writeArchive(procs, 600, {});
  for (const p of procs) await p.close?.();
  const raw = { name: 'raw float64', value: 8 };
  return [
    {
      name: `synthetic 1000 sets × 100 metrics × 600 s: segment + index bytes per value (${syn.values} values)`,
      value: syn.bytesPerValue,
      unit: 'B',
      target: '≤ 1.0 B',
      baseline: raw,
      ratio: syn.bytesPerValue / 8,
    },
    {
      name: 'same mix, 100 sets, with 120-sample chunks instead of 300',
      value: syn120.bytesPerValue,
      unit: 'B',
    },
    {
      name: `/proc sets of this machine, 600 reads back to back stamped 1 s apart (${proc.values} values)`,
      value: proc.bytesPerValue,
      unit: 'B',
      target: '≤ 1.0 B',
      baseline: raw,
      ratio: proc.bytesPerValue / 8,
    },
    {
      name: 'synthetic: WAL bytes written per value (deleted once sealed)',
      value: syn.walBytesPerValue,
      unit: 'B',
    },
    ...speedFigures(syn),
  ];
}

function speedFigures(syn: WriteFigures): BenchResult[] {
  const rate = syn.values / syn.appendS;
  return [
    {
      name: 'append with durability, synthetic, 1 tick (1000 sets) per append, each awaited',
      value: rate,
      unit: 'values/s',
      target: '≥ 2 M values/s',
      baseline: { name: 'raw float64 writeSync, no fsync', value: syn.rawRate },
      ratio: rate / syn.rawRate,
    },
    {
      name: 'syncs (WAL + segments + indexes) for those 600 appends',
      value: syn.fsyncs,
      unit: 'syncs',
    },
    {
      name: 'close (seal every open chunk) after the last append',
      value: syn.flushS * 1000,
      unit: 'ms',
    },
  ];
}

/** 24 h of 1 s samples of one 100-metric set, then range reads of one metric by a fresh reader. */
async function rangeFigures(): Promise<BenchResult[]> {
  const dir = tempDir();
  try {
    const plugin = synthetic(1);
    const w = await ArchiveWriter.open(dir);
    const ticks = 86_400;
    for (let k0 = 0; k0 < ticks; k0 += 600) {
      const batch: AppendItem[] = [];
      for (let k = k0; k < k0 + 600; k++)
        batch.push(...(await plugin.sample(START_MS + k * STEP_MS)));
      await w.append(batch);
    }
    await w.close();
    // Warm the code paths on one reader, then time a fresh one: its first
    // read also verifies every chunk's checksum.
    const warm = await ArchiveReader.open(dir);
    const key = warm.sets()[0]!.key;
    for (let i = 0; i < 10; i++) warm.range(key, 5, START_MS, START_MS + ticks * STEP_MS);
    await warm.close();
    const r = await ArchiveReader.open(dir);
    const times: number[] = [];
    let points = 0;
    for (let run = 0; run < 7; run++) {
      const t0 = performance.now();
      points = r.range(key, 5, START_MS, START_MS + ticks * STEP_MS).length;
      times.push(performance.now() - t0);
    }
    await r.close();
    if (points !== ticks) throw new Error(`range returned ${points} points, want ${ticks}`);
    return [
      {
        name: `range read, 1 series × 24 h at 1 s (${points} points), fresh reader, first read (checksums)`,
        value: times[0]!,
        unit: 'ms',
        target: '≤ 20 ms',
      },
      {
        name: 'same read, median of the next 6',
        value: median(times.slice(1)),
        unit: 'ms',
        target: '≤ 20 ms',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A 4-metric set per host, for the tier figure. */
function tierSet(host: number): AppendItem['set'] {
  const m = (name: string, semantics: 'instant' | 'counter') =>
    ({ name, type: 'f64', unit: 'u', semantics, description: name }) as const;
  return {
    ous: ['A'],
    host: `h${host}`,
    groups: ['t'],
    schema: {
      name: 't',
      metrics: [
        m('cpu', 'instant'),
        m('bytes', 'counter'),
        m('mem', 'instant'),
        m('load', 'instant'),
      ],
    },
  };
}

/**
 * 1,000 sets × 4 metrics every 10 s for 3 h, then a range query of one
 * metric of every set (1,000 series) over 1 h at a 60 s step, from the tier
 * pickTier chooses (the minute tier), by a fresh reader.
 */
async function tierFigures(): Promise<BenchResult[]> {
  const dir = tempDir();
  try {
    const sets = Array.from({ length: 1000 }, (_, h) => tierSet(h));
    const w = await ArchiveWriter.open(dir);
    const step = 10_000;
    const ticks = (3 * 3_600_000) / step;
    for (let k = 0; k < ticks; k++) {
      const t = START_MS + k * step;
      await w.append(
        sets.map((set, h) => ({
          set,
          sample: {
            timestampMs: t,
            values: Float64Array.of(
              ((h * 7 + k * 13) % 1000) / 10,
              k * 4096 + h,
              1e9 + ((h * k) % 5000),
              (k % 17) / 4,
            ),
            strings: null,
          },
        })),
      );
    }
    await w.close();
    const from = START_MS + 3_600_000;
    const to = from + 3_600_000 - 1;
    const tier = pickTier(60_000, from, START_MS + ticks * step);
    const query = async (): Promise<{ ms: number[]; points: number }> => {
      const r = await ArchiveReader.open(dir);
      const keys = r.sets().map((s) => s.key);
      const ms: number[] = [];
      let points = 0;
      for (let run = 0; run < 7; run++) {
        const t0 = performance.now();
        points = 0;
        for (const key of keys) points += r.rangeTier(key, 0, from, to, tier).length;
        ms.push(performance.now() - t0);
      }
      await r.close();
      return { ms, points };
    };
    await query(); // warm the code paths
    const { ms, points } = await query();
    if (tier !== '1m' || points !== 60_000)
      throw new Error(`tier ${tier}: ${points} points, want 60000 from 1m`);
    return [
      {
        name: `range query, 1,000 series × 1 h at 60 s step from the minute tier (${points} buckets), fresh reader, first read`,
        value: ms[0]!,
        unit: 'ms',
        target: '≤ 50 ms',
      },
      {
        name: 'same query, median of the next 6',
        value: median(ms.slice(1)),
        unit: 'ms',
        target: '≤ 50 ms',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await sizeFigures()), ...(await rangeFigures()), ...(await tierFigures())];
}
