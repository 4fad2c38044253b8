import { readFileSync } from 'node:fs';
import { ConfigError, ConfigReader, YamlSource } from '../common/index.js';
import type { ConfigProblem } from '../common/index.js';
import { isValidToken } from '../model/index.js';
import { readAggregators } from './aggregators.js';
import { checkAliases } from './alias-check.js';
import type { AliasCheck } from './alias-check.js';
import { buildSpec } from './build.js';
import type { ClusterSpec } from './cluster-spec.js';
import { readDaemons } from './daemons.js';
import { CLUSTER_KEYS } from './keys.js';
import { computeLevels } from './levels.js';
import { readOus } from './ous.js';
import { requiredString } from './read-helpers.js';
import { assignRoles, checkSamplerCoverage } from './roles.js';
import { readSamplers } from './samplers.js';
import { readStores } from './stores.js';
import { readSumStatsSection } from './sumstats-section.js';

const CLUSTER_NAME = /^[A-Za-z0-9_.-]+$/;

function clusterName(r: ConfigReader): string {
  const name = requiredString(r, ['cluster']);
  // The name is an etcd key prefix and the default OU: keep it to plain characters.
  if (name !== undefined && !(CLUSTER_NAME.test(name) && isValidToken(name)))
    r.fail(['cluster'], `'${name}' is not a valid cluster name (letters, digits, '_', '.', '-')`);
  return name ?? '';
}

/** `coordination: { etcd: [url, …] }`; undefined when not given (the CLI decides). */
function etcdUrls(r: ConfigReader): string[] | undefined {
  if (!r.object(['coordination'], CLUSTER_KEYS.coordination)) return undefined;
  const path = ['coordination', 'etcd'];
  if (r.get(path) === undefined) return undefined;
  const urls: string[] = [];
  for (const i of r.list(path)) {
    const url = r.string([...path, i]);
    if (url === undefined) continue;
    if (/^https?:\/\/[^/\s]+\/?$/.test(url) && URL.canParse(url)) urls.push(url);
    else r.fail([...path, i], `'${url}' is not an etcd URL such as http://127.0.0.1:2379`);
  }
  if (Array.isArray(r.get(path)) && urls.length === 0 && r.list(path).length === 0)
    r.fail(path, 'at least one etcd URL is required');
  return urls;
}

function readAll(r: ConfigReader): ClusterSpec {
  r.object([], CLUSTER_KEYS.top);
  const name = clusterName(r);
  const etcd = etcdUrls(r);
  const reg = readDaemons(r);
  const placed = readOus(r, reg);
  const aggs = readAggregators(r, reg);
  const samplers = readSamplers(r, reg);
  if (r.get(['aggregators']) === undefined) r.fail(['aggregators'], 'aggregators is required');
  if (r.get(['samplers']) === undefined) r.fail(['samplers'], 'samplers is required');
  const roles = assignRoles(r, reg, aggs, samplers);
  checkSamplerCoverage(r, reg, aggs, samplers, roles);
  readStores(r, reg, aggs, roles);
  computeLevels(r, aggs, roles);
  const sumstats = readSumStatsSection(r, reg);
  return {
    ...buildSpec({ name, etcd, reg, placed, roles, aggs, samplers }),
    ...(sumstats ? { sumstats } : {}),
  };
}

function openSource(aliases: AliasCheck, fileName: string): YamlSource {
  try {
    return new YamlSource(aliases.text, fileName);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // e.g. an alias bomb refused by the yaml library's alias limit.
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError([{ file: fileName, line: 1, column: 1, path: '', message }]);
  }
}

/**
 * Problems in file order, each once; problems under a blanked alias are
 * dropped (the alias itself is the problem, not the `~` put in its place).
 */
function finalProblems(found: readonly ConfigProblem[], aliases: AliasCheck): ConfigProblem[] {
  const under = (p: string): boolean =>
    aliases.paths.some((a) => p === a || p.startsWith(`${a}.`) || p.startsWith(`${a}[`));
  const seen = new Set<string>();
  const out: ConfigProblem[] = [];
  for (const p of [...aliases.problems, ...found.filter((q) => !under(q.path))]) {
    const key = `${p.line}:${p.column} ${p.path}: ${p.message}`;
    if (!seen.has(key)) out.push(p);
    seen.add(key);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Parse and validate a cluster file's text. Every problem is collected (not
 * only the first) and thrown as one ConfigError, each located as
 * `file:line:column path: message`; nothing is returned when anything is wrong.
 */
export function parseClusterConfig(text: string, fileName: string): ClusterSpec {
  const aliases = checkAliases(text, fileName);
  const r = new ConfigReader(openSource(aliases, fileName));
  const spec = readAll(r);
  const problems = finalProblems(r.problems, aliases);
  if (problems.length > 0) throw new ConfigError(problems);
  return spec;
}

/** Read, parse and validate a cluster file; throws ConfigError listing every problem. */
export function loadClusterConfig(file: string): ClusterSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message }]);
  }
  return parseClusterConfig(text, file);
}
