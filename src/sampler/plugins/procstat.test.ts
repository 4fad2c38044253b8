import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { systemClock } from '../../common/index.js';
import type { PluginSample } from '../plugin.js';
import { FixtureTree, valueOf } from './fixture-tree.js';
import { parsePidStat } from './proc-pid.js';
import { PID_FILES } from './proc.fixture.js';
import { createPlugin } from './registry.js';

async function withTree(
  config: Record<string, unknown>,
  fn: (sample: () => Promise<PluginSample[]>, tree: FixtureTree) => Promise<void>,
): Promise<void> {
  const tree = await FixtureTree.create(PID_FILES);
  const plugin = createPlugin('procstat', tree.context(), config);
  try {
    await fn(() => plugin.sample(7000), tree);
  } finally {
    await plugin.close?.();
    await tree.dispose();
  }
}

const groupsOf = (samples: PluginSample[]): string[] => samples.map((s) => s.set.groups[1]!);

describe('procstat plugin', () => {
  it('parses stat lines whose command name holds spaces and parentheses', () => {
    const st = parsePidStat(PID_FILES['200/stat']!);
    assert.ok(st);
    assert.deepEqual(
      [
        st.pid,
        st.comm,
        st.state,
        st.utime,
        st.stime,
        st.threads,
        st.startTime,
        st.vsizeBytes,
        st.rssPages,
      ],
      [200, 'my (odd) proc', 'R', 700, 300, 4, 9000, 250000000, 30000],
    );
    assert.equal(parsePidStat('not a stat line'), null);
  });

  it('selects nothing unless match or top is configured', async () => {
    await withTree({}, async (sample) => assert.deepEqual(await sample(), []));
  });

  it('matches the command name and reads one set per process', async () => {
    await withTree({ match: '^sshd$' }, async (sample) => {
      // pid 300 (also sshd) has no status file: it vanished and is skipped silently.
      const samples = await sample();
      assert.deepEqual(groupsOf(samples), ['sshd-100']);
      const [ps] = samples;
      assert.ok(ps);
      assert.deepEqual(ps.set.groups, ['procstat', 'sshd-100']);
      assert.equal(ps.set.schema.name, 'procstat');
      assert.equal(valueOf(ps, 'utime'), 120);
      assert.equal(valueOf(ps, 'stime'), 45);
      assert.equal(valueOf(ps, 'rss_bytes'), 4800 * 1024);
      assert.equal(valueOf(ps, 'vsize_bytes'), 15000000);
      assert.equal(valueOf(ps, 'threads'), 1);
      assert.equal(valueOf(ps, 'voluntary_ctxt_switches'), 300);
      assert.equal(valueOf(ps, 'nonvoluntary_ctxt_switches'), 12);
      const state = ps.set.schema.metrics.findIndex((m) => m.name === 'state');
      assert.ok(Number.isNaN(ps.sample.values[state]));
      assert.equal(ps.sample.strings?.[state], 'S');
    });
  });

  it('matches the command line unless cmdline is false', async () => {
    await withTree({ match: 'worker\\.py' }, async (sample) => {
      assert.deepEqual(groupsOf(await sample()), ['my_(odd)_proc-200']);
    });
    await withTree({ match: 'worker\\.py', cmdline: false }, async (sample) => {
      assert.deepEqual(await sample(), []);
    });
  });

  it('sanitises kernel thread names into valid group tokens', async () => {
    await withTree({ match: '^kworker' }, async (sample) => {
      const [ps, ...rest] = await sample();
      assert.equal(rest.length, 0);
      assert.ok(ps);
      assert.equal(ps.set.groups[1], 'kworker_0_1-400');
      assert.equal(valueOf(ps, 'rss_bytes'), 0, 'kernel threads have no VmRSS');
    });
  });

  it('keeps the N largest by RSS, or by CPU used since the previous tick', async () => {
    await withTree({ top: 2 }, async (sample) => {
      assert.deepEqual(groupsOf(await sample()), ['my_(odd)_proc-200', 'sshd-100']);
    });
    await withTree({ top: 1, by: 'cpu' }, async (sample, tree) => {
      assert.deepEqual(groupsOf(await sample()), ['my_(odd)_proc-200']);
      // Next tick sshd burns 500 ticks, the other process none.
      await tree.write({ '100/stat': PID_FILES['100/stat']!.replace(' 120 45 ', ' 620 45 ') });
      assert.deepEqual(groupsOf(await sample()), ['sshd-100']);
    });
  });

  it('caps the number of process sets with maxProcesses', async () => {
    await withTree({ match: '.', maxProcesses: 1 }, async (sample) => {
      assert.equal((await sample()).length, 1);
    });
  });

  it('keeps a process set stable and replaces it after exec or pid reuse', async () => {
    await withTree({ match: 'sshd|bash' }, async (sample, tree) => {
      const [a] = await sample();
      const [b] = await sample();
      assert.ok(a && b);
      assert.equal(a.set, b.set);
      assert.notEqual(a.sample.values, b.sample.values);
      await tree.write({ '100/stat': PID_FILES['100/stat']!.replace('(sshd)', '(bash)') });
      const [c] = await sample();
      assert.ok(c);
      assert.notEqual(c.set, b.set);
      assert.equal(c.set.groups[1], 'bash-100');
      await tree.remove('100');
      assert.deepEqual(await sample(), []);
    });
  });

  it('finds this test process in the real /proc', async () => {
    const comm = basename(process.execPath).slice(0, 15);
    const plugin = createPlugin(
      'procstat',
      { host: 'self', ous: ['Test'], procRoot: '/proc', clock: systemClock },
      { match: `^${comm}$`, cmdline: false, maxProcesses: 100_000 },
    );
    try {
      const samples = await plugin.sample(Date.now());
      const self = samples.find((s) => s.set.groups[1] === `${comm}-${process.pid}`);
      assert.ok(self, `no set for pid ${process.pid} among ${groupsOf(samples).join(', ')}`);
      assert.ok(valueOf(self, 'threads') >= 1);
      assert.ok(valueOf(self, 'rss_bytes') > 1024 * 1024);
      assert.ok(valueOf(self, 'utime') + valueOf(self, 'stime') > 0);
      const state = self.set.schema.metrics.findIndex((m) => m.name === 'state');
      assert.match(self.sample.strings?.[state] ?? '', /^[RS]$/u);
    } finally {
      await plugin.close?.();
    }
  });
});
