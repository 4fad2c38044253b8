import { metric } from '../../model/index.js';
import type { MetricDef, SetInstance } from '../../model/index.js';
import type { PluginContext, PluginSample, SamplerPlugin } from '../plugin.js';
import { PluginOptions } from './plugin-options.js';
import { cmdlineText, listPids, mapLimit, parsePidStat, parsePidStatus } from './proc-pid.js';
import type { PidStat } from './proc-pid.js';
import { readProcText } from './proc-file.js';
import { buildSet, sanitizeToken } from './set-layout.js';

/** One schema shared by every process set. */
const PROCSTAT_METRICS: readonly MetricDef[] = [
  metric('utime', 'u64', 'counter', 'ticks', 'CPU time in user mode'),
  metric('stime', 'u64', 'counter', 'ticks', 'CPU time in kernel mode'),
  metric('rss_bytes', 'u64', 'instant', 'bytes', 'resident set size'),
  metric('vsize_bytes', 'u64', 'instant', 'bytes', 'virtual memory size'),
  metric('threads', 'i64', 'instant', 'threads', 'threads in the process'),
  metric(
    'state',
    'string',
    'discrete',
    '',
    'R running, S sleeping, D disk wait, Z zombie, T stopped',
  ),
  metric('voluntary_ctxt_switches', 'u64', 'counter', 'switches', 'voluntary context switches'),
  metric(
    'nonvoluntary_ctxt_switches',
    'u64',
    'counter',
    'switches',
    'involuntary context switches',
  ),
];
const STATE_INDEX = 5;
/** Reads in flight at once: keeps the libuv pool busy without queueing thousands of buffers. */
const READ_CONCURRENCY = 32;

/** Options the procstat plugin accepts. */
export const PROCSTAT_OPTIONS = ['match', 'cmdline', 'top', 'by', 'maxProcesses'] as const;

/** Resolved procstat options. */
export interface ProcstatConfig {
  /** Regex over the command name (and the command line when `cmdline`). */
  readonly match: RegExp | undefined;
  readonly cmdline: boolean;
  /** Keep only the N largest processes by `by` (after `match`, if any). */
  readonly top: number | undefined;
  readonly by: 'rss' | 'cpu';
  /** Hard cap on process sets per tick, whatever `match` selects. */
  readonly maxProcesses: number;
}

interface Tracked {
  readonly set: SetInstance;
  readonly comm: string;
  readonly startTime: number;
}

interface MatchMemo {
  readonly comm: string;
  readonly startTime: number;
  readonly matched: boolean;
}

/**
 * `procstat` plugin: one set per selected process, groups
 * `['procstat', '<comm>-<pid>']`. With neither `match` nor `top` configured
 * it selects nothing: watching every process is a choice the operator makes.
 * Processes that exit between listing and reading are skipped silently.
 */
export class ProcstatPlugin implements SamplerPlugin {
  readonly name = 'procstat';
  readonly #ctx: PluginContext;
  readonly #config: ProcstatConfig;
  #tracked = new Map<number, Tracked>();
  #matchMemo = new Map<number, MatchMemo>();
  /** utime+stime per pid at the previous tick, for `by: 'cpu'`. */
  #lastCpuTicks = new Map<number, { startTime: number; ticks: number }>();

  constructor(ctx: PluginContext, config: ProcstatConfig) {
    this.#ctx = ctx;
    this.#config = config;
  }

  async sample(nowMs: number): Promise<PluginSample[]> {
    const { match, top } = this.#config;
    if (match === undefined && top === undefined) return [];
    const pids = await listPids(this.#ctx.procRoot);
    const stats = await mapLimit(pids, READ_CONCURRENCY, (pid) => this.#readStat(pid));
    const live = stats.filter((s): s is PidStat => s !== null);
    const selected = await this.#select(live);
    const samples = await mapLimit(selected, READ_CONCURRENCY, (st) => this.#sampleOne(st, nowMs));
    this.#forgetExited(live);
    return samples.filter((s): s is PluginSample => s !== null);
  }

  async close(): Promise<void> {
    this.#tracked.clear();
    this.#matchMemo.clear();
    this.#lastCpuTicks.clear();
  }

  async #readStat(pid: number): Promise<PidStat | null> {
    const text = await readProcText(`${this.#ctx.procRoot}/${pid}/stat`);
    return text === null ? null : parsePidStat(text);
  }

  async #select(live: readonly PidStat[]): Promise<PidStat[]> {
    const { match, top, by, maxProcesses } = this.#config;
    const cpuDelta = by === 'cpu' && top !== undefined ? this.#cpuDeltas(live) : null;
    let chosen: PidStat[] = live.slice();
    if (match !== undefined) {
      const keep = await mapLimit(chosen, READ_CONCURRENCY, (st) => this.#matches(st, match));
      chosen = chosen.filter((_, i) => keep[i]);
    }
    if (top !== undefined) {
      const key = (st: PidStat): number => cpuDelta?.get(st.pid) ?? st.rssPages;
      chosen = chosen.sort((a, b) => key(b) - key(a) || a.pid - b.pid).slice(0, top);
    }
    return chosen.slice(0, maxProcesses);
  }

  /** CPU ticks used since the previous tick (all of it for a process not seen before). */
  #cpuDeltas(live: readonly PidStat[]): Map<number, number> {
    const deltas = new Map<number, number>();
    const next = new Map<number, { startTime: number; ticks: number }>();
    for (const st of live) {
      const ticks = st.utime + st.stime;
      const prev = this.#lastCpuTicks.get(st.pid);
      const base = prev !== undefined && prev.startTime === st.startTime ? prev.ticks : 0;
      deltas.set(st.pid, ticks - base);
      next.set(st.pid, { startTime: st.startTime, ticks });
    }
    this.#lastCpuTicks = next;
    return deltas;
  }

  /** Match by command name, then command line; memoised per process (pid + start time + comm). */
  async #matches(st: PidStat, match: RegExp): Promise<boolean> {
    const memo = this.#matchMemo.get(st.pid);
    if (memo !== undefined && memo.startTime === st.startTime && memo.comm === st.comm) {
      return memo.matched;
    }
    let matched = match.test(st.comm);
    if (!matched && this.#config.cmdline) {
      const raw = await readProcText(`${this.#ctx.procRoot}/${st.pid}/cmdline`);
      matched = raw !== null && match.test(cmdlineText(raw));
    }
    this.#matchMemo.set(st.pid, { comm: st.comm, startTime: st.startTime, matched });
    return matched;
  }

  async #sampleOne(st: PidStat, nowMs: number): Promise<PluginSample | null> {
    const text = await readProcText(`${this.#ctx.procRoot}/${st.pid}/status`);
    if (text === null) return null;
    const status = parsePidStatus(text);
    const values = new Float64Array(PROCSTAT_METRICS.length);
    values[0] = st.utime;
    values[1] = st.stime;
    values[2] = status.rssBytes;
    values[3] = st.vsizeBytes;
    values[4] = st.threads;
    values[STATE_INDEX] = NaN;
    values[6] = status.voluntaryCtxt;
    values[7] = status.nonvoluntaryCtxt;
    const strings = new Array<string | undefined>(PROCSTAT_METRICS.length).fill(undefined);
    strings[STATE_INDEX] = st.state;
    return { set: this.#setFor(st), sample: { timestampMs: nowMs, values, strings } };
  }

  /** The same SetInstance for the same process; a new one after exec (new comm) or pid reuse. */
  #setFor(st: PidStat): SetInstance {
    const known = this.#tracked.get(st.pid);
    if (known !== undefined && known.comm === st.comm && known.startTime === st.startTime) {
      return known.set;
    }
    const group = sanitizeToken(`${st.comm}-${st.pid}`);
    const set = buildSet(this.#ctx, ['procstat', group], 'procstat', PROCSTAT_METRICS);
    this.#tracked.set(st.pid, { set, comm: st.comm, startTime: st.startTime });
    return set;
  }

  #forgetExited(live: readonly PidStat[]): void {
    const alive = new Set(live.map((st) => st.pid));
    for (const pid of this.#tracked.keys()) if (!alive.has(pid)) this.#tracked.delete(pid);
    for (const pid of this.#matchMemo.keys()) if (!alive.has(pid)) this.#matchMemo.delete(pid);
  }
}

/** Factory for the registry: validates `match`, `cmdline`, `top`, `by`, `maxProcesses`. */
export function createProcstatPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  const options = new PluginOptions('procstat', config, PROCSTAT_OPTIONS);
  return new ProcstatPlugin(ctx, {
    match: options.regex('match'),
    cmdline: options.bool('cmdline', true),
    top: options.optInt('top', { min: 1, max: 100_000 }),
    by: options.oneOf('by', ['rss', 'cpu'] as const, 'rss'),
    maxProcesses: options.int('maxProcesses', 256, { min: 1, max: 100_000 }),
  });
}
