/**
 * Archive bytes per value on this machine's real kernel metrics, recorded in
 * real time: the in-process stack (default /proc plugins at 1 s → aggregator
 * → archive) runs for CANOPY_BENCH_RECORD_MS (default 10 minutes, as the
 * issue asks), then the archive is closed and its segment + index bytes are
 * divided by the values stored. Baseline: raw float64 (8 B per value).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from './bench-result.js';
import { benchStack } from './bench-stack.js';

function bytesUnder(dir: string, skip: (name: string) => boolean): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) total += skip(name) ? 0 : bytesUnder(path, skip);
    else total += st.size;
  }
  return total;
}

export async function run(): Promise<BenchResult[]> {
  const spanMs = Number(process.env.CANOPY_BENCH_RECORD_MS ?? 600_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'canopy-archive-real-'));
  const stack = await benchStack(dataDir);
  try {
    await new Promise((r) => setTimeout(r, spanMs));
  } finally {
    await stack.shutdown();
  }
  const values = stack.aggregator.store.stats().values;
  // Raw history only: segments and indexes (the WAL is deleted once sealed; tiers are extra).
  const archive = join(dataDir, 'archive');
  const bytes = bytesUnder(join(archive, 'raw'), () => false);
  const tiers = ['m1', 'h1'].reduce((sum, t) => sum + bytesUnder(join(archive, t), () => false), 0);
  rmSync(dataDir, { recursive: true, force: true });
  const minutes = (spanMs / 60_000).toFixed(1);
  return [
    {
      name: `archive bytes/value, this machine's /proc sets recorded ${minutes} min at 1 s (${values} values)`,
      value: bytes / values,
      unit: 'B/value',
      target: '≤ 1.0',
      baseline: { name: 'raw float64', value: 8 },
      ratio: bytes / values / 8,
    },
    {
      name: '  per-minute and per-hour tiers of the same data',
      value: tiers / values,
      unit: 'B/value',
    },
  ];
}
