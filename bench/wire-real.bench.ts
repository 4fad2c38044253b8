/**
 * Bytes on the wire per value for this machine's real /proc sets: the
 * in-process stack (sampler → aggregator over the real protocol on loopback)
 * runs for a while, and the sampler's link counters are read at two moments
 * after warm-up so first-sample keyframes and schemas are excluded. The
 * baseline is the Prometheus text exposition of the same latest values.
 */
import { parseSelector } from '../src/model/index.js';
import type { BenchResult } from './bench-result.js';
import { benchStack } from './bench-stack.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function promTextBytesPerSample(
  points: { name: string; value: number | string; timestampMs: number }[],
): number {
  let bytes = 0;
  let n = 0;
  for (const p of points) {
    if (typeof p.value !== 'number') continue;
    const [ou, rest] = p.name.split('::') as [string, string];
    const parts = rest.split(':');
    const host = parts.shift()!;
    const metric = parts.join('_').replace(/[^a-zA-Z0-9_]/g, '_');
    bytes += Buffer.byteLength(
      `${metric}{ou="${ou}",host="${host}"} ${p.value} ${p.timestampMs}\n`,
    );
    n++;
  }
  return bytes / n;
}

export async function run(): Promise<BenchResult[]> {
  const spanMs = Number(process.env.CANOPY_BENCH_SPAN_MS ?? 10_000);
  const stack = await benchStack();
  try {
    await sleep(2500);
    const a = stack.sampler.stats();
    await sleep(spanMs);
    const b = stack.sampler.stats();
    const sent = (st: typeof a): number =>
      st.uplinks.reduce((sum, u) => sum + (u.link?.bytesSent ?? 0), 0);
    const bytes = sent(b) - sent(a);
    const values = b.valuesProduced - a.valuesProduced;
    const perValue = bytes / values;
    const prom = promTextBytesPerSample(
      stack.aggregator.latestLocal(parseSelector('Bench::*:**:*')),
    );
    return [
      {
        name: `wire bytes/value, steady state, this machine's default /proc sets (${Math.round(values / (spanMs / 1000))} values/s)`,
        value: perValue,
        unit: 'B/value',
        target: '≤ 2',
        baseline: { name: 'Prometheus text exposition of the same values', value: prom },
        ratio: perValue / prom,
      },
    ];
  } finally {
    await stack.shutdown();
  }
}
