import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadClusterConfig, parseClusterConfig } from './load.js';
import { samplerPlugins } from './spec-queries.js';
import { EXAMPLE_FILE, exampleText, smallCluster } from './test-support.js';
import { pluginMetricEstimate, producerWeight } from './weight.js';

const plan = (name: string, config: Record<string, unknown> = {}) => ({
  name,
  intervalMs: 1000,
  offsetMs: 0,
  config,
});

test('samplerPlugins: a sampler gets its group plugins, an aggregator none', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  assert.deepEqual(
    samplerPlugins(spec, 'sampler-4').map((p) => [p.name, p.intervalMs, p.offsetMs]),
    [
      ['meminfo', 1000, 0],
      ['cpu', 1000, 0],
      ['loadavg', 10_000, 500],
    ],
  );
  assert.deepEqual(samplerPlugins(spec, 'l1-agg-1'), []);
  assert.throws(() => samplerPlugins(spec, 'nobody'), { code: 'CANOPY_ERR_UNKNOWN_DAEMON' });
});

test('metric estimates follow the table; synthetic and procstat read their options', () => {
  assert.equal(pluginMetricEstimate(plan('cpu')), 15);
  assert.equal(pluginMetricEstimate(plan('meminfo')), 50);
  assert.equal(pluginMetricEstimate(plan('synthetic')), 1000);
  assert.equal(pluginMetricEstimate(plan('synthetic', { hosts: 3, metrics: 7 })), 21);
  assert.equal(pluginMetricEstimate(plan('procstat')), 0);
  assert.equal(pluginMetricEstimate(plan('procstat', { top: 5 })), 40);
  assert.equal(pluginMetricEstimate(plan('procstat', { match: 'sshd' })), 32);
});

test('a sampler weighs Σ metrics × samples per second', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  // meminfo 50 + cpu 15 at 1/s, loadavg 6 every 10 s.
  assert.equal(producerWeight(spec, 'sampler-1'), 50 + 15 + 0.6);
  const fast = parseClusterConfig(
    smallCluster(
      '    plugins: [{ name: synthetic, interval: 500ms, config: { hosts: 2, metrics: 10 } }]\n',
    ),
    'c.yaml',
  );
  assert.equal(producerWeight(fast, 'sampler-2'), 40);
  assert.throws(() => producerWeight(spec, 'nobody'), { code: 'CANOPY_ERR_UNKNOWN_DAEMON' });
});

test('an aggregator weighs its share of what its group forwards: summaries per OU, or everything', () => {
  const spec = loadClusterConfig(EXAMPLE_FILE);
  // l2 takes summaries: 2 OUs × 4 values × 65.6 per plugin set, shared by 3 members.
  const summary = (2 * 4 * 65.6) / 3;
  assert.ok(Math.abs(producerWeight(spec, 'l1-agg-1') - summary) < 1e-9);
  const full = parseClusterConfig(exampleText().replace('mode: summary', 'mode: full'), 'c.yaml');
  assert.ok(Math.abs(producerWeight(full, 'l1-agg-3') - (10 * 65.6) / 3) < 1e-9);
});
