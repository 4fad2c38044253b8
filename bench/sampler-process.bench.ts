/**
 * Sampler daemon cost as an operator sees it: a real `canopy sampler` process
 * with the default /proc plugins at 1 s, pushing to a real aggregator process
 * on loopback. CPU and RSS are read from /proc/<pid> after a warm-up; the
 * baseline is an idle Node.js process measured the same way in the same run.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './bench-result.js';

const CLI = fileURLToPath(new URL('../src/bin/canopy.js', import.meta.url));
const TICKS_PER_SEC = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(
  child: ChildProcess,
  warmupMs: number,
  spanMs: number,
): Promise<{ cpuPct: number; rss: number }> {
  await sleep(warmupMs);
  const pid = child.pid!;
  const t0 = cpuTicks(pid);
  await sleep(spanMs);
  const t1 = cpuTicks(pid);
  return { cpuPct: ((t1 - t0) / TICKS_PER_SEC / (spanMs / 1000)) * 100, rss: rssBytes(pid) };
}

function waitLine(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) resolve(m[0]);
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${re}`)));
  });
}

export async function run(): Promise<BenchResult[]> {
  const spanMs = Number(process.env.CANOPY_BENCH_SPAN_MS ?? 20_000);
  const env = { ...process.env, CANOPY_LOG_LEVEL: 'warn' };
  const agg = spawn(
    process.execPath,
    [CLI, 'aggregator', '--name', 'bench-agg', '--listen', '127.0.0.1:0', '--api', 'off'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const children: ChildProcess[] = [agg];
  try {
    const line = await waitLine(agg, /wire [^\s]+:(\d+)/);
    const port = /:(\d+)$/.exec(line)![1]!;
    const sampler = spawn(
      process.execPath,
      [
        CLI,
        'sampler',
        '--aggregator',
        `127.0.0.1:${port}`,
        '--put-listen',
        'off',
        '--interval',
        '1s',
      ],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(sampler);
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    children.push(idle);
    const [s, i] = await Promise.all([measure(sampler, 3000, spanMs), measure(idle, 3000, spanMs)]);
    return [
      {
        name: 'sampler CPU, default /proc plugins at 1 s (process)',
        value: s.cpuPct,
        unit: '% of one core',
        target: '≤ 1%',
        baseline: { name: 'idle node process', value: i.cpuPct },
      },
      {
        name: 'sampler RSS, default /proc plugins at 1 s (process)',
        value: s.rss / 2 ** 20,
        unit: 'MiB',
        target: '≤ 80 MB',
        baseline: { name: 'idle node process', value: i.rss / 2 ** 20 },
        ratio: s.rss / i.rss,
      },
    ];
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}
