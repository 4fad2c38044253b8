import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../common/index.js';
import { loadAggregatorConfig } from './config.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'canopy-agg-')), 'agg.yaml');
  writeFileSync(path, text);
  return path;
}

test('a complete config loads with every field', () => {
  const c = loadAggregatorConfig(
    file(`name: l1-a
level: 1
ou: World:US:Berkeley
listen: 127.0.0.1:7500
api: off
window: 1200
tmax_intervals: 5
dmax: 10m
summary_grace: 300ms
replay_buffer: 32MiB
pull:
  - endpoint: 127.0.0.1:7471
push:
  - { endpoint: "127.0.0.1:7600", mode: summary }
archive: /var/lib/canopy/archive
stores:
  - { type: csv, dir: /var/lib/canopy/csv, schemas: "^(cpu|meminfo)$", rotate: 1h }
coord: { url: "etcd://127.0.0.1:2379", cluster: lab, group: "l1-[1-3]", lease_ttl: 3s }
`),
  );
  assert.deepEqual(c, {
    name: 'l1-a',
    level: 1,
    ous: ['World', 'US', 'Berkeley'],
    listen: { host: '127.0.0.1', port: 7500 },
    api: null,
    secretFile: undefined,
    windowSamples: 1200,
    tmaxIntervals: 5,
    dmaxMs: 600_000,
    summaryGraceMs: 300,
    replayBufferBytes: 32 * 1024 * 1024,
    pull: [{ host: '127.0.0.1', port: 7471, mode: 'full' }],
    push: [{ host: '127.0.0.1', port: 7600, mode: 'summary' }],
    csv: [{ dir: '/var/lib/canopy/csv', schemas: /^(cpu|meminfo)$/, rotateMs: 3_600_000 }],
    archiveDir: '/var/lib/canopy/archive',
    coord: { url: 'etcd://127.0.0.1:2379', cluster: 'lab', group: 'l1-[1-3]', leaseTtlMs: 3000 },
    sumstatsFile: undefined,
  });
});

test('every problem is reported with file, line, column and path; nothing loads', () => {
  const path = file(`name: l1-a
level: 0
ou: "World::US"
listne: 127.0.0.1:7500
push:
  - endpoint: nowhere
    mode: sideways
`);
  let err: unknown;
  try {
    loadAggregatorConfig(path);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError, String(err));
  assert.equal(err.code, 'CANOPY_ERR_CONFIG');
  const lines = err.message.split('\n');
  const expect = [
    [`${path}:2:8 level:`, /integer ≥ 1/],
    [`${path}:3:5 ou:`, /not an OU path/],
    [`${path}:4:1 listne:`, /unknown key 'listne'/],
    [`${path}:6:15 push[0].endpoint:`, /host:port/],
    [`${path}:7:11 push[0].mode:`, /one of full, summary/],
  ] as const;
  for (const [prefix, re] of expect) {
    const line = lines.find((l) => l.startsWith(prefix));
    assert.ok(line, `expected a problem starting ${prefix} in:\n${err.message}`);
    assert.match(line, re);
  }
  assert.equal(err.problems.length, expect.length);
});

test('YAML syntax errors are located too', () => {
  const path = file('name: [unclosed\nlevel: 1\n');
  assert.throws(
    () => loadAggregatorConfig(path),
    (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${path}:`),
  );
});

test('a missing file is a config error naming it', () => {
  assert.throws(
    () => loadAggregatorConfig('/nonexistent/canopy.yaml'),
    (e: unknown) => e instanceof ConfigError && /\/nonexistent\/canopy\.yaml/.test(e.message),
  );
});

test('a coord section without a cluster, or with too short a lease, is refused with its place', () => {
  const path = file(`name: l1-a
coord:
  url: etcd://127.0.0.1:2379
  lease_ttl: 100ms
`);
  assert.throws(
    () => loadAggregatorConfig(path),
    (err: Error) =>
      /:\d+:\d+ coord: cluster is required/.test(err.message) &&
      /:4:\d+ coord\.lease_ttl: must be at least 1s/.test(err.message),
  );
});
