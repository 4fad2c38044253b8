/**
 * `canopy ctl` on the embedded file store (no etcd): a bad file is refused
 * with every located problem and nothing is stored; a good one is stored,
 * shown by status, changed at run time by `set`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ClusterKeys, parseRecord } from '../../src/controller/index.js';
import type { StoredConfig } from '../../src/controller/index.js';
import { openCoord } from '../../src/coord/index.js';
import { runCli, writeCluster } from './cluster-support.js';

const CORPUS = fileURLToPath(new URL('../../../test/config-corpus/', import.meta.url));

async function storedConfig(url: string, cluster: string): Promise<StoredConfig | undefined> {
  const store = await openCoord(url);
  try {
    return parseRecord<StoredConfig>((await store.get(new ClusterKeys(cluster).config))?.value);
  } finally {
    await store.close();
  }
}

test('a config with errors exits 2 with every problem located, and nothing is stored', async () => {
  const coord = `file:${mkdtempSync(join(tmpdir(), 'canopy-ctl-'))}`;
  const bad = join(CORPUS, 'unknown-group.yaml');
  for (const sub of ['validate', 'load']) {
    const r = await runCli(['ctl', sub, bad, '--coord', coord, '--cluster', 'lab']);
    assert.equal(r.code, 2, sub);
    assert.match(
      r.stderr,
      /unknown-group\.yaml:13:20 aggregators\[0\]\.peers\[1\]\.daemons: unknown daemon group 'l3-agg'/,
    );
    assert.equal(r.stderr.match(/unknown-group\.yaml:\d+:\d+ /g)?.length, 3, 'all three problems');
  }
  assert.equal(await storedConfig(coord, 'lab'), undefined);
});

test('load, status and a runtime set on the embedded store', async () => {
  const coord = `file:${mkdtempSync(join(tmpdir(), 'canopy-ctl-'))}`;
  const layout = await writeCluster({ name: 'emb', samplers: 4, aggregators: 2, intervalMs: 1000 });
  const load = await runCli(['ctl', 'load', layout.file, '--coord', coord]);
  assert.equal(load.code, 0, load.stderr);
  assert.match(load.stdout, /cluster 'emb': 4 samplers, 2 aggregators in 1 groups/);
  const status = await runCli(['ctl', 'status', '--coord', coord, '--cluster', 'emb']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^cluster emb: cluster\.yaml, 6 daemons/);
  assert.match(status.stdout, /^l1-1\s+l1-\[1-2\]\s+1\s+DOWN\s+0/m);
  assert.match(status.stdout, /unassigned producers: sampler-1, sampler-2, sampler-3, sampler-4/);
  const set = await runCli([
    'ctl',
    'set',
    'sampler-2',
    'loadavg',
    '--interval',
    '250ms',
    '--coord',
    coord,
    '--cluster',
    'emb',
  ]);
  assert.equal(set.code, 0, set.stderr);
  const spec = (await storedConfig(coord, 'emb'))!.spec;
  assert.deepEqual(
    spec.samplerGroups[0]!.plugins.map((p) => [p.name, p.intervalMs, p.offsetMs]),
    [['loadavg', 250, 0]],
  );
  const badSet = await runCli([
    'ctl',
    'set',
    'sampler-2',
    'nosuch',
    '--interval',
    '1s',
    '--coord',
    coord,
    '--cluster',
    'emb',
  ]);
  assert.equal(badSet.code, 2);
  assert.match(badSet.stderr, /runs no plugin 'nosuch' \(plugins: loadavg\)/);
});
