import { metric } from '../../model/index.js';
import type { MetricDef } from '../../model/index.js';
import type { PluginContext, SamplerPlugin } from '../plugin.js';
import { PluginOptions } from './plugin-options.js';
import { SingleSetPlugin } from './single-set-plugin.js';
import type { SingleSetSource } from './single-set-plugin.js';
import { TextCursor } from './text-cursor.js';

const LOADAVG_METRICS: readonly MetricDef[] = [
  metric('load1', 'f64', 'instant', '', 'run-queue load average over 1 minute'),
  metric('load5', 'f64', 'instant', '', 'run-queue load average over 5 minutes'),
  metric('load15', 'f64', 'instant', '', 'run-queue load average over 15 minutes'),
  metric('running', 'i64', 'instant', 'threads', 'runnable threads'),
  metric('total', 'i64', 'instant', 'threads', 'threads in the system'),
  metric('last_pid', 'i64', 'instant', '', 'most recently assigned process id'),
];
const LAYOUT = ['loadavg'] as const;

/** Parse `0.10 0.08 0.03 1/86 3423`; leaves `values` empty when the format is not recognised. */
export function parseLoadavg(text: string, layout: string[], values: number[]): void {
  const cur = new TextCursor(text);
  const load1 = cur.float();
  const load5 = cur.float();
  const load15 = cur.float();
  const running = cur.uint();
  const slash = cur.accept(47 /* '/' */);
  const total = cur.uint();
  const lastPid = cur.uint();
  const parsed = [load1, load5, load15, running, total, lastPid];
  if (!slash || parsed.some(Number.isNaN)) return;
  values.push(...parsed);
  layout.push(...LAYOUT);
}

/** What the loadavg plugin reads: /proc/loadavg into one set `loadavg`. */
export const LOADAVG_SOURCE: SingleSetSource = {
  name: 'loadavg',
  file: 'loadavg',
  parse: parseLoadavg,
  metrics: () => LOADAVG_METRICS.slice(),
};

/** `loadavg` plugin: load averages and thread counts of /proc/loadavg. */
export function createLoadavgPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  new PluginOptions('loadavg', config, []);
  return new SingleSetPlugin(ctx, LOADAVG_SOURCE);
}
