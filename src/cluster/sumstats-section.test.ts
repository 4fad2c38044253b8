import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAggregatorConfig } from '../aggregator/index.js';
import { ConfigError } from '../common/index.js';
import { loadSumStatsConfig } from '../sumstats/index.js';
import { generateDaemonConfigs } from './generate.js';
import { parseClusterConfig } from './load.js';

const BASE = `cluster: ss
daemons:
  - names: &s 'sampler-[1-2]'
    hosts: 'node-[1-2]'
    endpoints: [{ names: &sep 'node-[1-2]-ep', ports: 10002, xprt: sock, auth: { name: none } }]
  - names: &l1 'l1-[1-2]'
    hosts: 'agg-[1-2]'
    endpoints: [{ names: &l1ep 'agg-[1-2]-ep', ports: 7470, xprt: sock, auth: { name: none } }]
  - names: &l2 'l2'
    hosts: head
    endpoints: [{ names: 'head-ep', ports: 7470, xprt: sock, auth: { name: none } }]
aggregators:
  - daemons: *l1
    peers: [{ daemons: *s, endpoints: *sep, type: active, updaters: [{ mode: pull, interval: 1s }] }]
  - daemons: *l2
    peers: [{ daemons: *l1, endpoints: *l1ep, type: active, updaters: [{ mode: pull, interval: 1s }] }]
samplers:
  - daemons: *s
    plugins: [{ name: loadavg, interval: 1s, offset: 0ms }]
`;

const SECTION = `sumstats:
  managers: { daemons: *l2, port: 7490 }
  workers: *l1
  definitions:
    - name: scan
      epoch: 60s
      reducers: [{ name: ports, stream: conn.attempt, spec: { kind: hll_unique } }]
      threshold: { value: ports.estimate, threshold: 100 }
  metrics: [{ select: 'ss::*:loadavg:load1', stream: load, key: host }]
  actions: { commands: ['cat > /dev/null'] }
`;

test('the sumstats section names managers and workers, and generate writes their SumStats files', () => {
  const spec = parseClusterConfig(BASE + SECTION, 'ss.yaml');
  assert.deepEqual(spec.sumstats?.managers, [{ name: 'l2', host: 'head', port: 7490 }]);
  assert.deepEqual(spec.sumstats?.workers, ['l1-1', 'l1-2']);
  assert.deepEqual(
    spec.sumstats?.parts.defs.map((d) => [d.name, d.epochMs]),
    [['scan', 60_000]],
  );
  const dir = mkdtempSync(join(tmpdir(), 'canopy-ss-'));
  const files = generateDaemonConfigs(spec, { coordUrl: 'etcd://127.0.0.1:2379' });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  assert.ok(!files.has('sampler-1.sumstats.yaml'));
  const l2 = loadAggregatorConfig(join(dir, 'l2.yaml'));
  assert.equal(l2.sumstatsFile, join(dir, 'l2.sumstats.yaml'));
  const manager = loadSumStatsConfig(l2.sumstatsFile);
  assert.deepEqual(manager.distribution, {
    role: 'manager',
    name: 'l2',
    listen: { host: 'head', port: 7490 },
  });
  assert.deepEqual(
    manager.defs.map((d) => d.name),
    ['scan'],
  );
  assert.deepEqual(manager.commands, ['cat > /dev/null']);
  const worker = loadSumStatsConfig(loadAggregatorConfig(join(dir, 'l1-2.yaml')).sumstatsFile!);
  assert.deepEqual(worker.distribution, {
    role: 'worker',
    name: 'l1-2',
    managers: [{ name: 'l2', host: 'head', port: 7490 }],
  });
  assert.deepEqual(worker.defs, []);
  assert.deepEqual(worker.metrics, [
    { select: 'ss::*:loadavg:load1', stream: 'load', key: 'host' },
  ]);
});

test('sumstats section problems are located like every other', () => {
  const bad = SECTION.replace('kind: hll_unique', 'kind: hll_uniq').replace(
    'workers: *l1',
    'workers: *l2',
  );
  assert.throws(
    () => parseClusterConfig(BASE + bad, 'ss.yaml'),
    (err: unknown) =>
      err instanceof ConfigError &&
      /ss\.yaml:\d+:\d+ sumstats\.definitions\[0\]\.reducers\[0\]\.spec\.kind: /.test(
        err.message,
      ) &&
      /ss\.yaml:\d+:\d+ sumstats\.workers: l2 cannot be both worker and manager/.test(err.message),
  );
});
