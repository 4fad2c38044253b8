import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../common/index.js';
import type { PluginContext, PluginSample, SamplerPlugin } from '../plugin.js';
import { FixtureTree, valueOf } from './fixture-tree.js';
import {
  DISKSTATS,
  DISKSTATS_OLD,
  LOADAVG,
  MEMINFO,
  NET_DEV,
  NET_DEV_WITH_BRIDGE,
  STAT_T0,
  VMSTAT,
} from './proc.fixture.js';
import { DEFAULT_PLUGINS, createPlugin } from './registry.js';

const REAL: PluginContext = { host: 'self', ous: ['Test'], procRoot: '/proc', clock: systemClock };

async function sampleOnce(
  files: Record<string, string>,
  name: string,
  config: Record<string, unknown> = {},
): Promise<PluginSample[]> {
  const tree = await FixtureTree.create(files);
  const plugin = createPlugin(name, tree.context(), config);
  try {
    return await plugin.sample(5000);
  } finally {
    await plugin.close?.();
    await tree.dispose();
  }
}

function def(ps: PluginSample, name: string): readonly [string, string, string] {
  const m = ps.set.schema.metrics.find((x) => x.name === name);
  assert.ok(m, `metric ${name}`);
  return [m.type, m.semantics, m.unit];
}

describe('meminfo plugin', () => {
  it('keeps every line, kB converted to bytes, counts as they are', async () => {
    const [ps] = await sampleOnce({ meminfo: MEMINFO }, 'meminfo');
    assert.ok(ps);
    assert.deepEqual(ps.set.groups, ['meminfo']);
    assert.equal(ps.set.schema.metrics.length, 9);
    assert.equal(valueOf(ps, 'MemTotal'), 24684084 * 1024);
    assert.equal(valueOf(ps, 'Active(anon)'), 1520 * 1024);
    assert.equal(valueOf(ps, 'HugePages_Total'), 0);
    assert.equal(valueOf(ps, 'Hugepagesize'), 2048 * 1024);
    assert.deepEqual(def(ps, 'MemFree'), ['u64', 'instant', 'bytes']);
    assert.deepEqual(def(ps, 'HugePages_Free'), ['u64', 'instant', 'pages']);
  });
});

describe('vmstat plugin', () => {
  it('reads every field: nr_* gauges, event counters, kB for pgpgin', async () => {
    const [ps] = await sampleOnce({ vmstat: VMSTAT }, 'vmstat');
    assert.ok(ps);
    assert.equal(ps.set.schema.metrics.length, 6);
    assert.equal(valueOf(ps, 'pgfault'), 1234567);
    assert.deepEqual(def(ps, 'nr_free_pages'), ['i64', 'instant', 'pages']);
    assert.deepEqual(def(ps, 'nr_dirtied'), ['u64', 'counter', 'events']);
    assert.deepEqual(def(ps, 'workingset_nodes'), ['i64', 'instant', 'nodes']);
    assert.deepEqual(def(ps, 'pgpgin'), ['u64', 'counter', 'kB']);
    assert.deepEqual(def(ps, 'oom_kill'), ['u64', 'counter', 'events']);
  });
});

describe('loadavg plugin', () => {
  it('reads load averages as f64 and thread counts as integers', async () => {
    const [ps] = await sampleOnce({ loadavg: LOADAVG }, 'loadavg');
    assert.ok(ps);
    assert.deepEqual(Array.from(ps.sample.values), [0.1, 0.08, 0.03, 1, 86, 3423]);
    assert.deepEqual(
      ps.set.schema.metrics.map((m) => `${m.name}:${m.type}`),
      ['load1:f64', 'load5:f64', 'load15:f64', 'running:i64', 'total:i64', 'last_pid:i64'],
    );
  });

  it('rejects a malformed file', async () => {
    await assert.rejects(sampleOnce({ loadavg: '0.1 0.2\n' }, 'loadavg'), {
      code: 'CANOPY_ERR_PLUGIN_READ',
    });
  });
});

describe('netdev plugin', () => {
  it('puts every interface in one set, names prefixed by interface', async () => {
    const [ps] = await sampleOnce({ 'net/dev': NET_DEV }, 'netdev');
    assert.ok(ps);
    assert.deepEqual(ps.set.groups, ['netdev']);
    assert.equal(ps.set.schema.metrics.length, 32);
    assert.equal(valueOf(ps, 'eth0:rx_bytes'), 142824966);
    assert.equal(valueOf(ps, 'eth0:rx_multicast'), 6);
    assert.equal(valueOf(ps, 'eth0:tx_bytes'), 279390);
    assert.equal(valueOf(ps, 'eth0:tx_compressed'), 12);
    assert.equal(valueOf(ps, 'lo:tx_packets'), 29);
    assert.deepEqual(def(ps, 'lo:rx_bytes'), ['u64', 'counter', 'bytes']);
    assert.deepEqual(def(ps, 'lo:tx_packets'), ['u64', 'counter', 'packets']);
  });

  it('filters interfaces by include/exclude', async () => {
    const [ps] = await sampleOnce({ 'net/dev': NET_DEV }, 'netdev', { exclude: '^lo$' });
    assert.ok(ps);
    assert.ok(ps.set.schema.metrics.every((m) => m.name.startsWith('eth0:')));
    const none = await sampleOnce({ 'net/dev': NET_DEV }, 'netdev', { include: '^wlan' });
    assert.deepEqual(none, []);
  });

  it('rebuilds the set when an interface appears and keeps it stable otherwise', async () => {
    const tree = await FixtureTree.create({ 'net/dev': NET_DEV });
    const plugin = createPlugin('netdev', tree.context(), {});
    try {
      const [a] = await plugin.sample(1);
      const [b] = await plugin.sample(2);
      await tree.write({ 'net/dev': NET_DEV_WITH_BRIDGE });
      const [c] = await plugin.sample(3);
      const [d] = await plugin.sample(4);
      assert.ok(a && b && c && d);
      assert.equal(a.set, b.set);
      assert.notEqual(b.set, c.set);
      assert.equal(c.set, d.set);
      assert.equal(c.set.schema.metrics.length, 48);
      assert.notEqual(a.sample.values, b.sample.values, 'each sample has its own array');
    } finally {
      await plugin.close?.();
      await tree.dispose();
    }
  });
});

describe('diskstats plugin', () => {
  it('reads all 17 columns and skips loop and ram devices by default', async () => {
    const [ps] = await sampleOnce({ diskstats: DISKSTATS }, 'diskstats');
    assert.ok(ps);
    assert.equal(ps.set.schema.metrics.length, 2 * 17);
    assert.ok(!ps.set.schema.metrics.some((m) => /^(loop|ram)/u.test(m.name)));
    assert.equal(valueOf(ps, 'vda:reads_completed'), 7839);
    assert.equal(valueOf(ps, 'vda:sectors_written'), 502360);
    assert.equal(valueOf(ps, 'vda:ios_in_progress'), 2);
    assert.equal(valueOf(ps, 'vda:flush_time'), 9);
    assert.equal(valueOf(ps, 'vda1:discards_completed'), 3000);
    assert.equal(valueOf(ps, 'vda1:discards_merged'), 10);
    assert.deepEqual(def(ps, 'vda:ios_in_progress'), ['u64', 'instant', 'ops']);
    assert.deepEqual(def(ps, 'vda:read_time'), ['u64', 'counter', 'ms']);
  });

  it('honours include/exclude and older kernels with 11 columns', async () => {
    const [only] = await sampleOnce({ diskstats: DISKSTATS }, 'diskstats', {
      include: '^vda$',
      exclude: '^$',
    });
    assert.ok(only);
    assert.equal(only.set.schema.metrics.length, 17);
    const [withLoop] = await sampleOnce({ diskstats: DISKSTATS }, 'diskstats', { exclude: '^ram' });
    assert.ok(withLoop?.set.schema.metrics.some((m) => m.name === 'loop0:reads_completed'));
    const [old] = await sampleOnce({ diskstats: DISKSTATS_OLD }, 'diskstats');
    assert.ok(old);
    assert.equal(old.set.schema.metrics.length, 11);
    assert.equal(valueOf(old, 'sda:weighted_io_time'), 70);
  });
});

describe('default plugins on the real /proc', () => {
  it('each produces one stable set with plausible values', async () => {
    const plugins: SamplerPlugin[] = DEFAULT_PLUGINS.map((n) => createPlugin(n, REAL, {}));
    try {
      const first = await Promise.all(plugins.map((p) => p.sample(Date.now())));
      const second = await Promise.all(plugins.map((p) => p.sample(Date.now())));
      plugins.forEach((p, i) => {
        assert.equal(first[i]?.length, 1, `${p.name}: one set`);
        const [a] = first[i]!;
        const [b] = second[i]!;
        assert.ok(a && b);
        assert.equal(a.set.groups[0], p.name);
        assert.equal(a.set.schema.metrics.length, a.sample.values.length);
        assert.ok(a.sample.values.every(Number.isFinite), `${p.name}: finite values`);
        if (p.name !== 'netdev' && p.name !== 'diskstats') assert.equal(a.set, b.set);
      });
      const byName = (n: string): PluginSample => first[DEFAULT_PLUGINS.indexOf(n as never)]![0]!;
      const mem = byName('meminfo');
      assert.ok(
        valueOf(mem, 'MemTotal') > 0 && valueOf(mem, 'MemFree') <= valueOf(mem, 'MemTotal'),
      );
      assert.ok(valueOf(byName('vmstat'), 'pgfault') > 0);
      assert.ok(valueOf(byName('loadavg'), 'total') >= 1);
      assert.ok(byName('netdev').set.schema.metrics.some((m) => m.name === 'lo:rx_bytes'));
      assert.ok(!byName('diskstats').set.schema.metrics.some((m) => m.name.startsWith('loop')));
    } finally {
      await Promise.all(plugins.map((p) => p.close?.()));
    }
  });

  it('reads the fixture tree and the real tree with the same code (cpu, via procRoot)', async () => {
    const [ps] = await sampleOnce({ stat: STAT_T0 }, 'cpu');
    assert.equal(ps?.set.host, 'node-1');
    assert.deepEqual(ps?.set.ous, ['Lab']);
  });
});
