import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadAggregatorConfig } from '../aggregator/index.js';
import { loadSamplerConfig } from '../sampler/index.js';
import { formatDuration, generateDaemonConfigs } from './generate.js';
import { loadClusterConfig, parseClusterConfig } from './load.js';
import { samplerPlugins } from './spec-queries.js';
import { EXAMPLE_FILE, smallCluster } from './test-support.js';

const COORD = 'http://10.0.0.1:2379';

/** Load a generated file with a daemon's own loader. */
function loadWith<T>(load: (file: string) => T, name: string, text: string): T {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-gen-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return load(file);
}

test('one file per daemon; aggregators name the coordination store and the cluster', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  const files = generateDaemonConfigs(spec, { coordUrl: COORD });
  assert.deepEqual(
    [...files.keys()],
    spec.daemons.map((d) => `${d.name}.yaml`),
  );
  for (const [name, text] of files) {
    const doc = parse(text) as Record<string, unknown>;
    const d = spec.daemons.find((x) => `${x.name}.yaml` === name)!;
    // Samplers never talk to the store: aggregators pull from them.
    const coord =
      d.role === 'aggregator' ? { url: COORD, cluster: 'lab', group: d.group } : undefined;
    assert.deepEqual(doc['coord'], coord, name);
    assert.equal(doc['name'], name.replace(/\.yaml$/, ''));
  }
});

test('sampler files load with loadSamplerConfig and say the right things', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  const files = generateDaemonConfigs(spec, { coordUrl: COORD });
  for (const n of [1, 7]) {
    const c = loadWith(loadSamplerConfig, `sampler-${n}.yaml`, files.get(`sampler-${n}.yaml`)!);
    assert.equal(c.name, `sampler-${n}`);
    assert.equal(c.host, `node-${n}`);
    assert.deepEqual(c.ous, n <= 5 ? ['Lab', 'Rack1'] : ['Lab', 'Rack2']);
    assert.deepEqual(c.listen, { host: `node-${n}`, port: 10002 });
    // Aggregators pull from samplers: no push destination.
    assert.equal(c.aggregator, undefined);
    assert.equal(c.secretFile, undefined);
    assert.deepEqual(c.plugins, samplerPlugins(spec, `sampler-${n}`));
  }
});

test('aggregator files load with loadAggregatorConfig and say the right things', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  const files = generateDaemonConfigs(spec, { coordUrl: COORD });
  const l1 = loadWith(loadAggregatorConfig, 'l1-agg-2.yaml', files.get('l1-agg-2.yaml')!);
  assert.equal(l1.name, 'l1-agg-2');
  assert.equal(l1.level, 1);
  assert.deepEqual(l1.ous, ['Lab']);
  assert.deepEqual(l1.listen, { host: 'agg-2', port: 7470 });
  assert.deepEqual(l1.api, { host: 'agg-2', port: 8470 });
  assert.equal(l1.archiveDir, '/var/lib/canopy/archive');
  assert.deepEqual(l1.csv, [
    { dir: '/var/lib/canopy/csv', schemas: /^meminfo$/, rotateMs: 86_400_000 },
  ]);
  // The controller assigns producers at run time.
  assert.deepEqual([l1.pull, l1.push], [[], []]);
  assert.deepEqual(l1.coord, {
    url: COORD,
    cluster: 'lab',
    group: 'l1-agg-[1-3]',
    leaseTtlMs: undefined,
  });
  const l2 = loadWith(loadAggregatorConfig, 'l2-agg.yaml', files.get('l2-agg.yaml')!);
  assert.deepEqual([l2.name, l2.level, l2.ous], ['l2-agg', 2, ['Lab']]);
  assert.deepEqual(l2.listen, { host: 'head', port: 7470 });
  assert.equal(l2.archiveDir, undefined);
  assert.deepEqual(l2.csv, []);
});

test('secrets reach both daemons; no api: is api off', () => {
  const text = smallCluster().replaceAll(
    /ports: (\d+) }/g,
    'ports: $1, auth: { name: secret, conf: /etc/canopy/secret } }',
  );
  const files = generateDaemonConfigs(parseClusterConfig(text, 'c.yaml'), { coordUrl: COORD });
  const s = loadWith(loadSamplerConfig, 'sampler-2.yaml', files.get('sampler-2.yaml')!);
  assert.equal(s.secretFile, '/etc/canopy/secret');
  assert.deepEqual(s.ous, ['mini']);
  const a = loadWith(loadAggregatorConfig, 'agg-1.yaml', files.get('agg-1.yaml')!);
  assert.equal(a.secretFile, '/etc/canopy/secret');
  assert.equal(a.api, null);
});

test('durations are written in the largest whole unit', () => {
  assert.deepEqual(
    [0, 250, 1000, 1500, 60_000, 90_000, 3_600_000, 86_400_000].map(formatDuration),
    ['0ms', '250ms', '1s', '1500ms', '1m', '90s', '1h', '1d'],
  );
});
