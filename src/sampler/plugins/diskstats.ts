import { metric } from '../../model/index.js';
import type { MetricDef, Semantics } from '../../model/index.js';
import type { PluginContext, SamplerPlugin } from '../plugin.js';
import { NameFilter } from './name-filter.js';
import { PluginOptions } from './plugin-options.js';
import { sanitizeToken } from './set-layout.js';
import { SingleSetPlugin } from './single-set-plugin.js';
import type { SingleSetSource } from './single-set-plugin.js';
import { TextCursor } from './text-cursor.js';

type Field = readonly [name: string, semantics: Semantics, unit: string, description: string];

/**
 * Columns after major, minor and name (Documentation/admin-guide/iostats):
 * 11 since 2.6, discards (4) since 4.18, flushes (2) since 5.5. Sectors are
 * always 512 bytes regardless of the device's block size.
 */
const DISK_FIELDS: readonly Field[] = [
  ['reads_completed', 'counter', 'ops', 'reads completed'],
  ['reads_merged', 'counter', 'ops', 'adjacent reads merged'],
  ['sectors_read', 'counter', 'sectors', '512-byte sectors read'],
  ['read_time', 'counter', 'ms', 'time spent reading'],
  ['writes_completed', 'counter', 'ops', 'writes completed'],
  ['writes_merged', 'counter', 'ops', 'adjacent writes merged'],
  ['sectors_written', 'counter', 'sectors', '512-byte sectors written'],
  ['write_time', 'counter', 'ms', 'time spent writing'],
  ['ios_in_progress', 'instant', 'ops', 'I/Os in flight'],
  ['io_time', 'counter', 'ms', 'time with I/O in flight (busy time)'],
  ['weighted_io_time', 'counter', 'ms', 'I/O time weighted by queue depth'],
  ['discards_completed', 'counter', 'ops', 'discards completed'],
  ['discards_merged', 'counter', 'ops', 'adjacent discards merged'],
  ['sectors_discarded', 'counter', 'sectors', '512-byte sectors discarded'],
  ['discard_time', 'counter', 'ms', 'time spent discarding'],
  ['flushes_completed', 'counter', 'ops', 'flush requests completed'],
  ['flush_time', 'counter', 'ms', 'time spent flushing'],
];

/** Loop and RAM disks are noise on most hosts; `exclude` replaces this default. */
const DEFAULT_EXCLUDE = /^(loop|ram)\d*$/u;

/**
 * A parser of /proc/diskstats keeping the devices `filter` accepts. `layout`
 * receives `name/columns` per device, so a kernel with fewer columns gets a
 * smaller schema rather than NaN padding.
 */
export function diskstatsParser(
  filter: NameFilter,
): (text: string, layout: string[], values: number[]) => void {
  return (text, layout, values) => {
    const cur = new TextCursor(text);
    while (!cur.eof()) {
      cur.uint(); // major
      cur.uint(); // minor
      const dev = cur.token();
      if (dev.length > 0 && filter.accepts(dev)) {
        let n = 0;
        for (; n < DISK_FIELDS.length && !cur.atEol(); n++) values.push(cur.uint());
        if (n > 0) layout.push(`${dev}/${n}`);
      }
      cur.nextLine();
    }
  };
}

/** Metric definitions for a layout produced by a diskstats parser. */
export function diskstatsMetrics(layout: readonly string[]): MetricDef[] {
  return layout.flatMap((entry) => {
    const slash = entry.lastIndexOf('/');
    const dev = entry.slice(0, slash);
    const token = sanitizeToken(dev);
    return DISK_FIELDS.slice(0, Number(entry.slice(slash + 1))).map(
      ([name, semantics, unit, description]) =>
        metric(`${token}:${name}`, 'u64', semantics, unit, `${dev}: ${description}`),
    );
  });
}

/**
 * `diskstats` plugin: one set `diskstats` with `sda:reads_completed`-style
 * metrics for every block device, from one read of /proc/diskstats. Options:
 * `include`, `exclude` (regexes over device names; default excludes loop*
 * and ram*).
 */
export function createDiskstatsPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  const options = new PluginOptions('diskstats', config, ['include', 'exclude']);
  const source: SingleSetSource = {
    name: 'diskstats',
    file: 'diskstats',
    parse: diskstatsParser(NameFilter.fromOptions(options, DEFAULT_EXCLUDE)),
    metrics: diskstatsMetrics,
    allowEmpty: true,
  };
  return new SingleSetPlugin(ctx, source);
}
