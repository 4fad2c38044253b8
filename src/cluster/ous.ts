import type { ConfigPath, ConfigReader } from '../common/index.js';
import { isValidToken } from '../model/index.js';
import { CLUSTER_KEYS } from './keys.js';
import { hostListAt, quoteList } from './read-helpers.js';
import type { Registry } from './registry.js';

/** An OU path such as `Lab:Rack1`, as tokens; a problem when a token is not valid. */
function ouAt(r: ConfigReader, path: ConfigPath): string[] | undefined {
  if (r.get(path) === undefined) return r.fail(path, 'ou is required');
  const text = r.string(path);
  if (text === undefined) return undefined;
  const tokens = text.split(':');
  const bad = tokens.find((t) => !isValidToken(t));
  if (bad !== undefined) {
    const what = bad === '' ? 'an empty token' : `the token '${bad}'`;
    return r.fail(path, `'${text}' is not an OU path such as Lab:Rack1 (${what} is not valid)`);
  }
  return tokens;
}

/**
 * Read `ous:` (Canopy's placement of hosts in the OU tree): host → OU path.
 * A host must run a daemon and may be placed only once.
 */
export function readOus(r: ConfigReader, reg: Registry): Map<string, string[]> {
  const placed = new Map<string, { ous: string[]; entry: number }>();
  for (const i of r.list(['ous'])) {
    const path: ConfigPath = ['ous', i];
    if (!r.object(path, CLUSTER_KEYS.ou)) continue;
    const hosts = hostListAt(r, [...path, 'hosts']);
    const ous = ouAt(r, [...path, 'ou']);
    if (hosts === undefined || ous === undefined) continue;
    const unknown = hosts.filter((h) => !reg.hosts.has(h));
    if (unknown.length > 0)
      r.fail([...path, 'hosts'], `unknown hosts ${quoteList(unknown)} (no daemon runs there)`);
    const again = hosts.filter((h) => placed.has(h));
    if (again.length > 0)
      r.fail(
        [...path, 'hosts'],
        `hosts ${quoteList(again)} are already placed (ous[${placed.get(again[0]!)!.entry}])`,
      );
    for (const h of hosts) if (!placed.has(h)) placed.set(h, { ous, entry: i });
  }
  return new Map([...placed].map(([h, p]) => [h, p.ous]));
}
