import { join } from 'node:path';
import { CanopyError } from '../common/index.js';
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
  let store: CoordStore;
  try {
    store = await openCoord(url, { logger });
  } catch (err) {
    if (err instanceof CanopyError && err.code === 'CANOPY_ERR_COORD_LOCKED')
      throw new CliError(
        'CANOPY_ERR_COORD_LOCKED',
        `${err.message}\n(a running 'canopy up' owns its store: ask its API instead, e.g. --api http://127.0.0.1:8470)`,
      );
    throw err;
  }
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

/** The JSON answer of a node's API, whatever its status; only an unreachable API throws. */
export async function apiCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ ok: boolean; status: number; body: { error?: { code: string; message: string } } }> {
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new CliError(
      'CANOPY_ERR_API_UNREACHABLE',
      `cannot reach ${base}: ${(err as Error).message}`,
    );
  }
  const json = (await res.json()) as { error?: { code: string; message: string } };
  return { ok: res.ok && json.error === undefined, status: res.status, body: json };
}

/** A node's API answer as JSON; an error answer throws its code and message. */
export async function apiJson<T>(
  base: string,
  path: string,
  o: { method?: string; body?: unknown } = {},
): Promise<T> {
  const r = await apiCall(base, o.method ?? 'GET', path, o.body);
  if (!r.ok)
    throw new CliError(
      r.body.error?.code ?? 'CANOPY_ERR_API_UNREACHABLE',
      r.body.error?.message ?? `HTTP ${r.status}`,
    );
  return r.body as T;
}
