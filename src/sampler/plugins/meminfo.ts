import { metric } from '../../model/index.js';
import type { MetricDef } from '../../model/index.js';
import type { PluginContext, SamplerPlugin } from '../plugin.js';
import { PluginOptions } from './plugin-options.js';
import { sanitizeToken } from './set-layout.js';
import { SingleSetPlugin } from './single-set-plugin.js';
import type { SingleSetSource } from './single-set-plugin.js';
import { CHAR, TextCursor } from './text-cursor.js';

/** Layout suffix marking a line without a `kB` unit (HugePages_Total and friends are counts). */
const COUNT_MARK = '#';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  MemTotal: 'usable RAM',
  MemFree: 'unused RAM',
  MemAvailable: 'RAM available for new work without swapping (estimate)',
  Buffers: 'block device buffers',
  Cached: 'page cache, excluding swap cache',
  SwapCached: 'swapped-out memory also held in RAM',
  Active: 'recently used memory',
  Inactive: 'memory not recently used, reclaimable first',
  Dirty: 'memory waiting to be written to disk',
  Writeback: 'memory being written to disk',
  AnonPages: 'anonymous pages mapped into user page tables',
  Mapped: 'files mapped into memory',
  Shmem: 'shared memory and tmpfs',
  Slab: 'kernel slab caches',
  SReclaimable: 'reclaimable slab',
  SUnreclaim: 'unreclaimable slab',
  KernelStack: 'kernel stacks',
  PageTables: 'page tables',
  SwapTotal: 'swap space',
  SwapFree: 'unused swap space',
  CommitLimit: 'memory that can be committed under the overcommit policy',
  Committed_AS: 'memory currently committed',
  HugePages_Total: 'huge pages in the pool',
  HugePages_Free: 'huge pages not allocated',
  Hugepagesize: 'size of a huge page',
};

/**
 * Parse /proc/meminfo. Values with a `kB` unit are converted to bytes (the
 * unit every other Canopy memory metric uses); unit-less lines are kept as
 * counts. `layout` receives the keys (count lines marked with `#`).
 */
export function parseMeminfo(text: string, layout: string[], values: number[]): void {
  const cur = new TextCursor(text);
  while (!cur.eof()) {
    const key = cur.token(CHAR.colon);
    if (key.length > 0 && cur.accept(CHAR.colon)) {
      const v = cur.uint();
      const kb = !cur.atEol() && cur.token() === 'kB';
      values.push(kb ? v * 1024 : v);
      layout.push(kb ? key : key + COUNT_MARK);
    }
    cur.nextLine();
  }
}

/** Metric definitions for a layout produced by parseMeminfo. */
export function meminfoMetrics(layout: readonly string[]): MetricDef[] {
  return layout.map((entry) => {
    const count = entry.endsWith(COUNT_MARK);
    const key = count ? entry.slice(0, -1) : entry;
    const unit = count ? (key.startsWith('HugePages_') ? 'pages' : '') : 'bytes';
    const description = DESCRIPTIONS[key] ?? `/proc/meminfo ${key}`;
    return metric(sanitizeToken(key), 'u64', 'instant', unit, description);
  });
}

/** What the meminfo plugin reads: /proc/meminfo into one set `meminfo`. */
export const MEMINFO_SOURCE: SingleSetSource = {
  name: 'meminfo',
  file: 'meminfo',
  parse: parseMeminfo,
  metrics: meminfoMetrics,
};

/** `meminfo` plugin: one set `meminfo` with every line of /proc/meminfo, instant values. */
export function createMeminfoPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  new PluginOptions('meminfo', config, []);
  return new SingleSetPlugin(ctx, MEMINFO_SOURCE);
}
