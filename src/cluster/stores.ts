import type { ConfigPath, ConfigReader } from '../common/index.js';
import { isValidToken } from '../model/index.js';
import type { AggregatorEntry } from './aggregators.js';
import type { CsvStoreSpec } from './cluster-spec.js';
import { CLUSTER_KEYS } from './keys.js';
import { quoteList } from './read-helpers.js';
import { resolveRef } from './refs.js';
import type { Registry } from './registry.js';
import type { Role } from './roles.js';

const MATCH_ALL = '.*';

/** `schema:` → regex source: `/re/` is a regex, a plain name matches exactly, other text is a regex. */
function schemaAt(r: ConfigReader, path: ConfigPath): string | undefined {
  const text = r.string(path);
  if (text === undefined) return undefined;
  const source =
    text.length > 1 && text.startsWith('/') && text.endsWith('/')
      ? text.slice(1, -1)
      : isValidToken(text) && /^[\w.-]+$/.test(text)
        ? `^${text.replaceAll('.', '\\.')}$`
        : text;
  try {
    new RegExp(source);
    return source;
  } catch (err) {
    return r.fail(path, `not a regular expression: ${(err as Error).message}`);
  }
}

/** The aggregator entries a store applies to: it must name whole aggregator groups. */
function targetGroups(
  r: ConfigReader,
  reg: Registry,
  path: ConfigPath,
  aggs: readonly AggregatorEntry[],
  roles: Map<string, Role>,
): AggregatorEntry[] | undefined {
  const daemons = resolveRef(r, reg, [...path, 'daemons'], 'daemon');
  if (daemons === undefined) return undefined;
  const notAgg = daemons.names.filter((d) => roles.get(d)?.role !== 'aggregator');
  if (notAgg.length > 0)
    return r.fail(
      [...path, 'daemons'],
      `stores run on aggregators; ${quoteList(notAgg)} are not aggregators`,
    );
  const named = new Set(daemons.names);
  const groups = aggs.filter((a) => a.spec.members.some((m) => named.has(m)));
  const partial = groups.find((a) => !a.spec.members.every((m) => named.has(m)));
  if (partial !== undefined)
    return r.fail(
      [...path, 'daemons'],
      `covers only part of aggregator group '${partial.spec.group}' (a store applies to whole groups)`,
    );
  return groups;
}

/** A store's `plugin.config` mapping and its required `path` (undefined when the mapping is unusable). */
function pluginConfig(
  r: ConfigReader,
  path: ConfigPath,
  keys: readonly string[],
): { cfg: ConfigPath; dir: string | undefined } | undefined {
  const cfg = [...path, 'plugin', 'config'];
  if (r.get(cfg) === undefined) return r.fail([...path, 'plugin'], 'config: { path } is required');
  if (!r.object(cfg, keys)) return undefined;
  const dir =
    r.get([...cfg, 'path']) === undefined
      ? r.fail(cfg, 'path is required')
      : r.string([...cfg, 'path']);
  return { cfg, dir };
}

function applyArchive(
  r: ConfigReader,
  path: ConfigPath,
  groups: AggregatorEntry[],
  schema: string | undefined,
): void {
  const at = pluginConfig(r, path, CLUSTER_KEYS.archive);
  if (!at) return;
  const { cfg, dir } = at;
  if (schema !== undefined && schema !== MATCH_ALL)
    r.fail(
      [...path, 'schema'],
      "the archive store keeps every schema: leave schema out or use '.*'",
    );
  if (dir === undefined) return;
  for (const g of groups) {
    if (g.spec.archiveDir !== undefined && g.spec.archiveDir !== dir)
      r.fail(
        cfg,
        `aggregator group '${g.spec.group}' already has an archive (${g.spec.archiveDir})`,
      );
    else g.spec.archiveDir = dir;
  }
}

function applyCsv(
  r: ConfigReader,
  path: ConfigPath,
  groups: AggregatorEntry[],
  schema: string | undefined,
): void {
  const at = pluginConfig(r, path, CLUSTER_KEYS.csvConfig);
  if (!at) return;
  const { cfg, dir } = at;
  const rotateMs = r.duration([...cfg, 'rotate']);
  if (rotateMs === 0)
    r.fail([...cfg, 'rotate'], 'rotate must be more than 0 (leave it out to never rotate)');
  if (dir === undefined) return;
  const store: CsvStoreSpec = { dir, schemas: schema, rotateMs };
  for (const g of groups) g.spec.csv.push({ ...store });
}

/**
 * Read `stores:` (a map of name → store, as in Maestro): each store puts an
 * archive or a CSV writer on whole aggregator groups.
 */
export function readStores(
  r: ConfigReader,
  reg: Registry,
  aggs: readonly AggregatorEntry[],
  roles: Map<string, Role>,
): void {
  const all = r.get(['stores']);
  if (all === undefined) return;
  if (all === null || typeof all !== 'object' || Array.isArray(all))
    return void r.fail(['stores'], 'expected a mapping of store name → store');
  for (const name of Object.keys(all)) {
    const path: ConfigPath = ['stores', name];
    if (!r.object(path, CLUSTER_KEYS.store)) continue;
    const groups = targetGroups(r, reg, path, aggs, roles);
    const schema =
      r.get([...path, 'schema']) === undefined ? undefined : schemaAt(r, [...path, 'schema']);
    const pluginPath = [...path, 'plugin'];
    if (r.get(pluginPath) === undefined) {
      r.fail(pluginPath, 'plugin is required (archive or csv)');
      continue;
    }
    if (!r.object(pluginPath, CLUSTER_KEYS.storePlugin)) continue;
    if (r.get([...pluginPath, 'name']) === undefined)
      r.fail(pluginPath, 'name is required (archive or csv)');
    const kind = r.oneOf([...pluginPath, 'name'], ['archive', 'csv'] as const);
    if (kind === 'archive') applyArchive(r, path, groups ?? [], schema);
    if (kind === 'csv') applyCsv(r, path, groups ?? [], schema);
  }
}
