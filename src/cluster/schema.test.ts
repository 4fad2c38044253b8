import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { pluginNames } from '../sampler/index.js';
import { ANNOTATION_KEYWORDS, CHECKED_KEYWORDS, validate } from './json-schema-test-support.js';
import type { JsonSchema } from './json-schema-test-support.js';
import { CLUSTER_KEYS } from './keys.js';
import { EXAMPLE_FILE, REPO_ROOT } from './test-support.js';

const schema = JSON.parse(
  readFileSync(join(REPO_ROOT, 'schema/cluster.schema.json'), 'utf8'),
) as JsonSchema;
const defs = schema['$defs'] as Record<string, JsonSchema>;
const example = (): Record<string, unknown> =>
  parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;

/** Keys a definition accepts: its properties, and those of each oneOf branch. */
function keysOf(s: JsonSchema): string[] {
  const own = Object.keys((s['properties'] ?? {}) as object);
  const branches = ((s['oneOf'] ?? []) as JsonSchema[]).flatMap(keysOf);
  return [...new Set([...own, ...branches])].sort();
}

test('the example validates against schema/cluster.schema.json', () => {
  assert.deepEqual(validate(schema, example()), []);
});

test('the checker catches unknown keys, bad enums, wrong types and missing keys', () => {
  const doc = example();
  const daemons = doc['daemons'] as Record<string, unknown>[];
  daemons[0]!['hots'] = 'x';
  (doc['aggregators'] as Record<string, unknown>[])[0]!['balance'] = 'random';
  doc['cluster'] = 7;
  delete daemons[1]!['hosts'];
  const errors = validate(schema, doc);
  assert.deepEqual(errors.sort(), [
    '$.aggregators[0].balance: "random" not in ["count","weight"]',
    '$.cluster: expected "string", got integer',
    "$.daemons[0]: unknown key 'hots'",
    "$.daemons[1]: missing required 'hosts'",
  ]);
});

test('oneOf, pattern and $ref apply: a csv store with an archive config fails', () => {
  const doc = example();
  const stores = doc['stores'] as Record<string, Record<string, unknown>>;
  stores['csv-meminfo']!['plugin'] = { name: 'csv', config: { dir: '/x' } };
  const plugins = (doc['samplers'] as Record<string, unknown[]>[])[0]!['plugins']!;
  (plugins[0] as Record<string, unknown>)['interval'] = '1 sec';
  const errors = validate(schema, doc);
  assert.ok(
    errors.includes('$.stores.csv-meminfo.plugin: matches 0 oneOf branches, not 1'),
    errors.join('\n'),
  );
  assert.ok(
    errors.includes('$.samplers[0].plugins[0]: matches 0 oneOf branches, not 1'),
    errors.join('\n'),
  );
});

test('the schema and the loader accept exactly the same keys in every section', () => {
  const { top, ...sections } = CLUSTER_KEYS;
  assert.deepEqual(keysOf(schema), [...top].sort(), 'root');
  const objectDefs = Object.entries(defs).filter(([, d]) => keysOf(d).length > 0);
  const loaderOnly = Object.keys(sections).filter((k) => defs[k] === undefined);
  assert.deepEqual(loaderOnly, [], 'sections the loader reads but the schema lacks');
  for (const [name, keys] of Object.entries(sections)) {
    // The archive store's config is the same mapping as an aggregator's archive.
    assert.deepEqual(keysOf(defs[name]!), [...keys].sort(), `$defs.${name}`);
  }
  const schemaOnly = objectDefs.map(([n]) => n).filter((n) => !(n in sections));
  assert.deepEqual(schemaOnly, [], 'object definitions the loader does not read');
});

test('the schema lists every sampler plugin and uses only keywords the checker applies', () => {
  const names = defs['plugin']!['properties'] as Record<string, JsonSchema>;
  assert.deepEqual([...(names['name']!['enum'] as string[])].sort(), pluginNames().sort());
  const known = new Set<string>([...CHECKED_KEYWORDS, ...ANNOTATION_KEYWORDS]);
  const unknown: string[] = [];
  const walk = (s: unknown, inProps: boolean): void => {
    if (s === null || typeof s !== 'object') return;
    if (Array.isArray(s)) return s.forEach((x) => walk(x, false));
    for (const [k, v] of Object.entries(s)) {
      if (!inProps && !known.has(k)) unknown.push(k);
      walk(v, !inProps && (k === 'properties' || k === '$defs'));
    }
  };
  walk(schema, false);
  assert.deepEqual(unknown, []);
});

test('docs/config.md shows the complete example verbatim and the editor schema line', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/config.md'), 'utf8');
  assert.ok(doc.includes(readFileSync(EXAMPLE_FILE, 'utf8')), 'example differs from docs');
  assert.ok(doc.includes('# yaml-language-server: $schema='));
  const missing = Object.values(CLUSTER_KEYS)
    .flat()
    .filter((key) => !doc.includes(`\`${key}\``));
  assert.deepEqual(missing, [], 'keys docs/config.md does not describe');
});
