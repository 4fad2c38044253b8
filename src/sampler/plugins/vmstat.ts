import { metric } from '../../model/index.js';
import type { MetricDef } from '../../model/index.js';
import type { PluginContext, SamplerPlugin } from '../plugin.js';
import { PluginOptions } from './plugin-options.js';
import { sanitizeToken } from './set-layout.js';
import { SingleSetPlugin } from './single-set-plugin.js';
import type { SingleSetSource } from './single-set-plugin.js';
import { TextCursor } from './text-cursor.js';

/**
 * `nr_*` lines are page counts (gauges) except these, which the kernel
 * increments on events and never decreases.
 */
const NR_COUNTERS: ReadonlySet<string> = new Set([
  'nr_dirtied',
  'nr_written',
  'nr_throttled_written',
  'nr_vmscan_write',
  'nr_vmscan_immediate_reclaim',
  'nr_foll_pin_acquired',
  'nr_foll_pin_released',
]);

/** Gauges that do not follow the `nr_` naming. */
const OTHER_GAUGES: ReadonlySet<string> = new Set(['workingset_nodes']);

/** Gauges whose unit is not pages. */
const GAUGE_UNITS: Readonly<Record<string, string>> = {
  nr_kernel_stack: 'kB',
  workingset_nodes: 'nodes',
};

/** Counters measured in kB rather than in events. */
const KB_COUNTERS: ReadonlySet<string> = new Set(['pgpgin', 'pgpgout']);

/** Parse /proc/vmstat (`name value` per line); `layout` receives the names. */
export function parseVmstat(text: string, layout: string[], values: number[]): void {
  const cur = new TextCursor(text);
  while (!cur.eof()) {
    const key = cur.token();
    const v = cur.int();
    if (key.length > 0 && !Number.isNaN(v)) {
      layout.push(key);
      values.push(v);
    }
    cur.nextLine();
  }
}

/** Semantics and unit of one vmstat line. */
export function vmstatMetric(key: string): MetricDef {
  const name = sanitizeToken(key);
  const description = `/proc/vmstat ${key}`;
  const gauge = (key.startsWith('nr_') && !NR_COUNTERS.has(key)) || OTHER_GAUGES.has(key);
  if (gauge) {
    const unit = GAUGE_UNITS[key] ?? 'pages';
    // Per-CPU batched gauges can read slightly negative for a moment, hence i64.
    return metric(name, 'i64', 'instant', unit, description);
  }
  return metric(name, 'u64', 'counter', KB_COUNTERS.has(key) ? 'kB' : 'events', description);
}

/** What the vmstat plugin reads: /proc/vmstat into one set `vmstat`. */
export const VMSTAT_SOURCE: SingleSetSource = {
  name: 'vmstat',
  file: 'vmstat',
  parse: parseVmstat,
  metrics: (layout) => layout.map(vmstatMetric),
};

/** `vmstat` plugin: one set with every /proc/vmstat field; event counters, `nr_*` gauges. */
export function createVmstatPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  new PluginOptions('vmstat', config, []);
  return new SingleSetPlugin(ctx, VMSTAT_SOURCE);
}
