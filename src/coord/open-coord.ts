import type { Logger } from '../common/index.js';
import { EmbeddedCoord } from './embedded-coord.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { EtcdCoord } from './etcd-coord.js';
import type { CoordStore } from './types.js';

/** A parsed coordination URL. */
export type CoordTarget =
  { kind: 'etcd'; endpoints: string[] } | { kind: 'embedded'; dir: string | undefined };

/**
 * Parse a coordination URL: `etcd://h:p,h:p` or `http://h:p,…` → etcd;
 * `file:DIR` (also `file://DIR`) → embedded store in DIR; `memory:` →
 * embedded store in memory. Throws CANOPY_ERR_COORD_URL naming the problem.
 */
export function parseCoordUrl(url: string): CoordTarget {
  const bad = (why: string): CoordError =>
    new CoordError(
      COORD_ERROR_CODES.url,
      `coordination URL '${url}': ${why} (expected etcd://host:port[,host:port…], file:DIR or memory:)`,
    );
  if (url === 'memory:' || url === 'memory://') return { kind: 'embedded', dir: undefined };
  if (url.startsWith('file:')) {
    const dir = url.startsWith('file://') ? url.slice('file://'.length) : url.slice('file:'.length);
    if (dir.length === 0) throw bad('no directory');
    return { kind: 'embedded', dir };
  }
  const m = /^(etcd|https?):\/\/(.*)$/.exec(url);
  if (m === null) throw bad('unknown scheme');
  if (m[1] === 'https') throw bad('TLS to etcd is not supported yet');
  const endpoints = m[2]!.replace(/\/+$/, '').split(',');
  for (const ep of endpoints) {
    const hp = /^(\[[^\]]+\]|[^:/\s[\]]+):(\d{1,5})$/.exec(ep);
    if (hp === null || Number(hp[2]) > 65535) throw bad(`'${ep}' is not host:port`);
  }
  return { kind: 'etcd', endpoints };
}

/** Open the store a coordination URL names (see parseCoordUrl). */
export async function openCoord(url: string, o?: { logger?: Logger }): Promise<CoordStore> {
  const target = parseCoordUrl(url);
  const logger = o?.logger === undefined ? {} : { logger: o.logger };
  if (target.kind === 'etcd') return EtcdCoord.connect({ endpoints: target.endpoints, ...logger });
  return EmbeddedCoord.open({ dir: target.dir, ...logger });
}
