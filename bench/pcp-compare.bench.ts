/**
 * Canopy's archive beside PCP's pmlogger recording the same kernel metrics
 * for the same span (10 minutes by default, CANOPY_BENCH_RECORD_MS to change):
 * a private pmcd (Debian package `pcp`, linux + pmcd PMDAs only, on a free
 * loopback port) feeds pmlogger at 1 s while the in-process Canopy stack
 * samples /proc at 1 s into its archive. Reported: bytes per stored value for
 * each (PCP: .0 + .meta + .index over the values pmdumplog lists; Canopy:
 * raw segments + indexes over the values stored) and the ratio.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { BenchResult } from './bench-result.js';
import { benchStack } from './bench-stack.js';

const PMCD = '/usr/lib/pcp/bin/pmcd';
const PMDAS = '/var/lib/pcp/pmdas';

const PMCD_CONF = `pmcd\t2\tdso\tpmcd_init\t${PMDAS}/pmcd/pmda_pmcd.so
linux\t60\tdso\tlinux_init\t${PMDAS}/linux/pmda_linux.so
`;

/** The kernel metrics Canopy's default plugins read (cpu, meminfo, vmstat, loadavg, netdev, diskstats). */
const LOGGER_CONF = `log mandatory on 1 sec {
  kernel.all.cpu kernel.percpu.cpu kernel.all.load kernel.all.pswitch kernel.all.intr
  kernel.all.nprocs kernel.all.runnable kernel.all.blocked
  mem.util mem.vmstat network.interface.in network.interface.out disk.dev
}
`;

function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).reduce((sum, name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return sum + (st.isDirectory() ? dirBytes(p) : st.size);
  }, 0);
}

/** A loopback port nobody listens on now (pmcd binds it right after). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<BenchResult[]> {
  if (!existsSync(PMCD) || !existsSync('/var/lib/pcp/pmns/root')) {
    throw new Error(
      'PCP is not installed (apt-get install pcp; see docs/benchmarks.md for a container without systemd)',
    );
  }
  const spanMs = Number(process.env.CANOPY_BENCH_RECORD_MS ?? 600_000);
  const dir = mkdtempSync(join(tmpdir(), 'canopy-pcp-'));
  writeFileSync(join(dir, 'pmcd.conf'), PMCD_CONF);
  writeFileSync(join(dir, 'logger.conf'), LOGGER_CONF);
  const port = await freePort();
  const env = { ...process.env, PMCD_PORT: String(port) };
  const pmcd = spawn(
    PMCD,
    [
      '-f',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-c',
      join(dir, 'pmcd.conf'),
      '-l',
      join(dir, 'pmcd.log'),
      '-s',
      join(dir, 'pmcd.socket'),
    ],
    { env, stdio: 'ignore' },
  );
  try {
    await sleep(2000);
    const stack = await benchStack(join(dir, 'canopy'));
    const logger = spawn(
      'pmlogger',
      [
        '-h',
        '127.0.0.1',
        '-c',
        join(dir, 'logger.conf'),
        '-T',
        `${Math.round(spanMs / 1000)}sec`,
        '-l',
        join(dir, 'pmlogger.log'),
        join(dir, 'pcp'),
      ],
      { env, stdio: 'ignore' },
    );
    const loggerDone = new Promise<void>((resolve) => logger.once('exit', () => resolve()));
    await sleep(spanMs);
    await stack.shutdown();
    await Promise.race([loggerDone, sleep(10_000)]);
    logger.kill();
    const canopyValues = stack.aggregator.store.stats().values;
    const canopyBytes = dirBytes(join(dir, 'canopy', 'archive', 'raw'));
    const pcpBytes = ['pcp.0', 'pcp.meta', 'pcp.index'].reduce(
      (s, f) => s + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0),
      0,
    );
    const dump = execFileSync('pmdumplog', [join(dir, 'pcp')], { maxBuffer: 1 << 30 }).toString();
    const pcpValues = dump.split('\n').filter((l) => l.includes(' value ')).length;
    const ours = canopyBytes / canopyValues;
    const theirs = pcpBytes / pcpValues;
    const minutes = (spanMs / 60_000).toFixed(1);
    return [
      {
        name: `PCP pmlogger, same kernel metrics ${minutes} min at 1 s (${pcpValues} values)`,
        value: theirs,
        unit: 'B/value',
      },
      {
        name: `Canopy archive, this machine's /proc ${minutes} min at 1 s (${canopyValues} values)`,
        value: ours,
        unit: 'B/value',
        target: '≤ 1.0',
        baseline: { name: 'PCP pmlogger', value: theirs },
        ratio: ours / theirs,
      },
    ];
  } finally {
    pmcd.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
