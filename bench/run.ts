/**
 * `npm run bench [-- NAME…]`: runs the benchmark modules, prints each figure
 * with its target and, where a baseline was measured in the same run, the
 * ratio; writes bench/results.json. Figures are reported, never asserted.
 */
import { writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './bench-result.js';

interface BenchModule {
  run(): Promise<BenchResult[]>;
}

const SUITES: Record<string, () => Promise<BenchModule>> = {
  decode: () => import('./decode.bench.js'),
  sampler: () => import('./sampler.bench.js'),
  'sampler-process': () => import('./sampler-process.bench.js'),
  'wire-real': () => import('./wire-real.bench.js'),
  aggregator: () => import('./aggregator.bench.js'),
  'live-window': () => import('./live-window.bench.js'),
  archive: () => import('./archive.bench.js'),
  'archive-real': () => import('./archive-real.bench.js'),
  'pcp-compare': () => import('./pcp-compare.bench.js'),
  failover: () => import('./failover.bench.js'),
  'sumstats-reducers': () => import('./sumstats-reducers.bench.js'),
  'sumstats-engine': () => import('./sumstats-engine.bench.js'),
  'sumstats-distributed': () => import('./sumstats-distributed.bench.js'),
};

function format(r: BenchResult): string {
  const value = Number.isInteger(r.value) ? String(r.value) : r.value.toPrecision(4);
  const parts = [`${r.name.padEnd(58)} ${value.padStart(12)} ${r.unit}`];
  if (r.target) parts.push(`  target ${r.target}`);
  if (r.baseline) {
    const bv = Number.isInteger(r.baseline.value)
      ? r.baseline.value
      : r.baseline.value.toPrecision(4);
    parts.push(`  baseline ${r.baseline.name} = ${bv}`);
  }
  if (r.ratio !== undefined) parts.push(`  ratio ${r.ratio.toPrecision(3)}`);
  return parts.join('');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in SUITES));
  if (unknown.length > 0) {
    console.error(
      `unknown bench ${unknown.join(', ')}; available: ${Object.keys(SUITES).join(', ')}`,
    );
    process.exit(2);
  }
  const names = wanted.length > 0 ? wanted : Object.keys(SUITES);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'} (${arch()}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  console.log(`machine: ${machine}\n`);
  const results: Record<string, BenchResult[]> = {};
  for (const name of names) {
    console.log(`## ${name}`);
    const mod = await SUITES[name]!();
    const rs = await mod.run();
    results[name] = rs;
    for (const r of rs) console.log(format(r));
    console.log('');
  }
  const out = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
  writeFileSync(
    out,
    JSON.stringify({ machine, at: new Date().toISOString(), results }, null, 2) + '\n',
  );
  console.log(`wrote ${out}`);
}

await main();
