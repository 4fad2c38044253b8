import { metric } from '../../model/index.js';
import type { MetricDef } from '../../model/index.js';
import type { PluginContext, SamplerPlugin } from '../plugin.js';
import { PluginOptions } from './plugin-options.js';
import { SingleSetPlugin } from './single-set-plugin.js';
import type { SingleSetSource } from './single-set-plugin.js';
import { TextCursor } from './text-cursor.js';

/**
 * Columns of a `cpu` line of /proc/stat, in kernel order. Values are USER_HZ
 * ticks (1/100 s on every mainstream architecture), kept as the kernel gives
 * them so rates are exact. guest and guest_nice are already included in user
 * and nice: a consumer summing for a total must leave them out.
 */
const CPU_FIELDS: readonly (readonly [name: string, description: string])[] = [
  ['user', 'time in user mode (includes guest)'],
  ['nice', 'time in user mode at low priority (includes guest_nice)'],
  ['system', 'time in kernel mode'],
  ['idle', 'idle time'],
  ['iowait', 'idle time with I/O outstanding'],
  ['irq', 'time servicing hardware interrupts'],
  ['softirq', 'time servicing soft interrupts'],
  ['steal', 'time taken by the hypervisor for other guests'],
  ['guest', 'time running a virtual CPU for a guest'],
  ['guest_nice', 'time running a niced guest'],
];

/** Single-value lines of /proc/stat kept in the set (intr keeps only its leading total). */
const MISC: Readonly<Record<string, MetricDef>> = {
  intr: metric('intr', 'u64', 'counter', 'interrupts', 'interrupts serviced, all sources'),
  ctxt: metric('ctxt', 'u64', 'counter', 'switches', 'context switches'),
  processes: metric('processes', 'u64', 'counter', 'forks', 'processes and threads created'),
  procs_running: metric('procs_running', 'u64', 'instant', 'threads', 'runnable threads'),
  procs_blocked: metric('procs_blocked', 'u64', 'instant', 'threads', 'threads blocked on I/O'),
};

/**
 * Parse /proc/stat into `values` (in file order) and describe the layout in
 * `layout`: `cpu/10`, `cpu0/10`, … for CPU lines (label and column count),
 * then the names of the single-value lines kept.
 */
export function parseProcStat(text: string, layout: string[], values: number[]): void {
  const cur = new TextCursor(text);
  while (!cur.eof()) {
    const label = cur.token();
    if (label.startsWith('cpu')) {
      let n = 0;
      for (; n < CPU_FIELDS.length && !cur.atEol(); n++) values.push(cur.uint());
      layout.push(`${label}/${n}`);
    } else if (MISC[label] !== undefined) {
      values.push(cur.uint());
      layout.push(label);
    }
    cur.nextLine();
  }
}

/** Metric definitions for a layout produced by parseProcStat. */
export function cpuMetrics(layout: readonly string[]): MetricDef[] {
  const metrics: MetricDef[] = [];
  for (const entry of layout) {
    const misc = MISC[entry];
    if (misc !== undefined) {
      metrics.push(misc);
      continue;
    }
    const [label = '', count = '0'] = entry.split('/');
    const prefix = label === 'cpu' ? '' : `${label}:`;
    const who = label === 'cpu' ? 'all CPUs' : label;
    for (const [name, description] of CPU_FIELDS.slice(0, Number(count))) {
      metrics.push(metric(`${prefix}${name}`, 'u64', 'counter', 'ticks', `${who}: ${description}`));
    }
  }
  return metrics;
}

/** What the cpu plugin reads: /proc/stat into one set `cpu`. */
export const CPU_SOURCE: SingleSetSource = {
  name: 'cpu',
  file: 'stat',
  parse: parseProcStat,
  metrics: cpuMetrics,
};

/** `cpu` plugin: one set `cpu` with totals, per-CPU columns and scheduler counters, from one read. */
export function createCpuPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  new PluginOptions('cpu', config, []);
  return new SingleSetPlugin(ctx, CPU_SOURCE);
}
