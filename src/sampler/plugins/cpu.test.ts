import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../common/index.js';
import type { PluginSample } from '../plugin.js';
import { createCpuPlugin } from './cpu.js';
import { FixtureTree, valueOf } from './fixture-tree.js';
import { STAT_SHARES, STAT_T0, STAT_T1 } from './proc.fixture.js';

/** The eight columns that partition a CPU's time (guest is already inside user). */
const PARTS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
/** USER_HZ on every architecture Linux ships mainstream. */
const USER_HZ = 100;

function cpuPrefixes(ps: PluginSample): string[] {
  const blocks = ps.set.schema.metrics
    .filter((m) => /^cpu\d+:user$/u.test(m.name))
    .map((m) => m.name.slice(0, -'user'.length));
  return ['', ...blocks];
}

/** Per-column shares (%) of one CPU block between two samples, and the block's tick delta. */
function shares(
  a: PluginSample,
  b: PluginSample,
  prefix: string,
): { pct: Record<string, number>; ticks: number } {
  const delta = (f: string): number => valueOf(b, prefix + f) - valueOf(a, prefix + f);
  const ticks = PARTS.reduce((s, f) => s + delta(f), 0);
  const pct: Record<string, number> = {};
  for (const f of PARTS) pct[f] = (100 * delta(f)) / ticks;
  return { pct, ticks };
}

describe('cpu plugin', () => {
  it('parses /proc/stat into one set with totals, per-CPU columns and scheduler counters', async () => {
    const tree = await FixtureTree.create({ stat: STAT_T0 });
    try {
      const plugin = createCpuPlugin(tree.context(), {});
      const [ps, ...rest] = await plugin.sample(1000);
      assert.equal(rest.length, 0);
      assert.ok(ps);
      assert.deepEqual(ps.set.groups, ['cpu']);
      assert.equal(ps.set.schema.metrics.length, 10 * 3 + 5);
      assert.equal(ps.sample.timestampMs, 1000);
      assert.equal(valueOf(ps, 'user'), 10000);
      assert.equal(valueOf(ps, 'guest'), 50);
      assert.equal(valueOf(ps, 'cpu1:idle'), 40000);
      assert.equal(valueOf(ps, 'intr'), 115985);
      assert.equal(valueOf(ps, 'ctxt'), 273953);
      assert.equal(valueOf(ps, 'processes'), 3422);
      assert.equal(valueOf(ps, 'procs_running'), 2);
      const user = ps.set.schema.metrics.find((m) => m.name === 'cpu0:user');
      assert.deepEqual([user?.type, user?.semantics, user?.unit], ['u64', 'counter', 'ticks']);
      const running = ps.set.schema.metrics.find((m) => m.name === 'procs_running');
      assert.equal(running?.semantics, 'instant');
      await plugin.close?.();
    } finally {
      await tree.dispose();
    }
  });

  it('cpu set fields from one read sum to ~100% (fixture: exact shares)', async () => {
    const tree = await FixtureTree.create({ stat: STAT_T0 });
    try {
      const plugin = createCpuPlugin(tree.context(), {});
      const [a] = await plugin.sample(0);
      await tree.write({ stat: STAT_T1 });
      const [b] = await plugin.sample(2000);
      assert.ok(a && b);
      assert.equal(a.set, b.set, 'same layout keeps the same SetInstance');
      for (const [prefix, expected] of Object.entries(STAT_SHARES)) {
        const { pct } = shares(a, b, prefix);
        assert.deepEqual(pct, expected, `block ${prefix || 'total'}`);
        assert.equal(
          Object.values(pct).reduce((s, v) => s + v, 0),
          100,
        );
      }
      // guest time is part of user time, never extra.
      assert.ok(
        valueOf(b, 'guest') - valueOf(a, 'guest') <= valueOf(b, 'user') - valueOf(a, 'user'),
      );
      await plugin.close?.();
    } finally {
      await tree.dispose();
    }
  });

  it('cpu set fields from one read sum to ~100% (real /proc/stat, 200 ms apart)', async () => {
    const plugin = createCpuPlugin(
      { host: 'self', ous: ['Test'], procRoot: '/proc', clock: systemClock },
      {},
    );
    const before0 = performance.now();
    const [a] = await plugin.sample(Date.now());
    const after0 = performance.now();
    await sleep(200);
    const before1 = performance.now();
    const [b] = await plugin.sample(Date.now());
    const after1 = performance.now();
    await plugin.close?.();
    assert.ok(a && b);
    assert.equal(a.set, b.set);
    const prefixes = cpuPrefixes(a);
    const cpus = prefixes.length - 1;
    assert.ok(cpus >= 1, 'at least one per-CPU block');
    let perCpuTicks = 0;
    for (const prefix of prefixes) {
      const { pct, ticks } = shares(a, b, prefix);
      const sum = Object.values(pct).reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - 100) <= 0.5, `block ${prefix || 'total'} sums to ${sum}%`);
      for (const [f, v] of Object.entries(pct))
        assert.ok(v >= 0 && v <= 100, `${prefix}${f} = ${v}%`);
      if (prefix !== '') perCpuTicks += ticks;
      // Each block advances with wall time: USER_HZ ticks per second per CPU. Tickless
      // kernels (and VMs) settle idle time lazily, so allow 15% and 3 ticks per CPU of
      // slack around the elapsed time bracketed by the two reads.
      const n = prefix === '' ? cpus : 1;
      const minTicks = ((before1 - after0) / 1000) * USER_HZ * n * 0.85 - 3 * n;
      const maxTicks = ((after1 - before0) / 1000) * USER_HZ * n * 1.15 + 3 * n;
      assert.ok(
        ticks >= minTicks && ticks <= maxTicks,
        `${prefix || 'total'}: ${ticks} ticks not in [${minTicks}, ${maxTicks}]`,
      );
    }
    // The total line and the per-CPU lines come from the same read.
    const total = shares(a, b, '').ticks;
    assert.ok(
      Math.abs(total - perCpuTicks) <= 2 * cpus,
      `total ${total} vs per-CPU sum ${perCpuTicks}`,
    );
  });

  it('builds a new set only when CPUs come or go', async () => {
    const tree = await FixtureTree.create({ stat: STAT_T0 });
    try {
      const plugin = createCpuPlugin(tree.context(), {});
      const [a] = await plugin.sample(0);
      const offline = STAT_T0.split('\n')
        .filter((l) => !l.startsWith('cpu1 '))
        .join('\n');
      await tree.write({ stat: offline });
      const [b] = await plugin.sample(1000);
      const [c] = await plugin.sample(2000);
      assert.ok(a && b && c);
      assert.notEqual(a.set, b.set);
      assert.equal(b.set, c.set);
      assert.equal(b.set.schema.metrics.length, 10 * 2 + 5);
      assert.equal(
        b.set.schema.metrics.some((m) => m.name.startsWith('cpu1:')),
        false,
      );
      await plugin.close?.();
    } finally {
      await tree.dispose();
    }
  });

  it('reports an unreadable or malformed file as a retryable read error', async () => {
    const tree = await FixtureTree.create({ stat: 'garbage\n' });
    try {
      const plugin = createCpuPlugin(tree.context(), {});
      await assert.rejects(plugin.sample(0), { code: 'CANOPY_ERR_PLUGIN_READ', retryable: true });
      await tree.remove('stat');
      await assert.rejects(plugin.sample(0), { code: 'CANOPY_ERR_PLUGIN_READ' });
      await plugin.close?.();
    } finally {
      await tree.dispose();
    }
  });
});
