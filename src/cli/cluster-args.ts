import { join } from 'node:path';
import type { Logger } from '../common/index.js';
import { openCoord } from '../coord/index.js';
import type { CoordStore } from '../coord/index.js';
import { CliError } from './errors.js';

/** Options every cluster command shares. */
export const CLUSTER_OPTIONS = ['coord', 'cluster'] as const;

export const CLUSTER_USAGE = `  --coord URL          coordination store: etcd://HOST:PORT[,HOST:PORT…] or file:DIR
                       (default $CANOPY_COORD, else file:.canopy/coord, the store of 'canopy up')
  --cluster NAME       cluster name (default $CANOPY_CLUSTER, else the config's, else 'local')`;

/** The coordination store URL: flag, environment, the config's etcd list, or the local default. */
export function coordUrl(flag: string | undefined, etcd?: readonly string[]): string {
  const url = flag ?? process.env.CANOPY_COORD;
  if (url) return url;
  if (etcd && etcd.length > 0)
    return `etcd://${etcd.map((e) => e.replace(/^https?:\/\//, '')).join(',')}`;
  return `file:${join('.canopy', 'coord')}`;
}

export function clusterName(flag: string | undefined, fromConfig?: string): string {
  const name = flag ?? process.env.CANOPY_CLUSTER ?? fromConfig ?? 'local';
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new CliError('CANOPY_ERR_BAD_OPTION', `--cluster: '${name}' is not a cluster name`);
  return name;
}

/** Open the store, run `fn`, always close. */
export async function withCoord<T>(
  url: string,
  logger: Logger,
  fn: (store: CoordStore) => Promise<T>,
): Promise<T> {
  const store = await openCoord(url, { logger });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Fixed-width table for terminal output. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
