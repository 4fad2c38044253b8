import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ManualClock, createLogger } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import type { PluginSpec } from './plugin.js';
import { FixtureTree } from './plugins/fixture-tree.js';
import { LOADAVG } from './plugins/proc.fixture.js';
import { Sampler } from './sampler-daemon.js';

const T0 = 1_700_000_000_400; // a multiple of every interval run here (600 ms)
const synthetic = (intervalMs: number, seed = 1): PluginSpec => ({
  name: 'synthetic',
  intervalMs,
  offsetMs: 0,
  config: { hosts: 1, metrics: 2, seed, intervalMs: 100 },
});
const loadavg = (intervalMs: number, config: Record<string, unknown> = {}): PluginSpec => ({
  name: 'loadavg',
  intervalMs,
  offsetMs: 0,
  config,
});

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

interface Seen {
  plugin: string;
  set: SetInstance;
  ts: number;
}

/** A sampler on a manual clock, recording every sample it produces. */
async function harness(plugins: PluginSpec[]) {
  const tree = await FixtureTree.create({ loadavg: LOADAVG });
  closers.push(() => tree.dispose());
  const clock = new ManualClock(T0);
  const seen: Seen[] = [];
  const logs: Record<string, unknown>[] = [];
  const sampler = new Sampler({
    name: 's',
    host: 'node-1',
    ous: ['Lab'],
    plugins,
    replayBufferBytes: 1 << 20,
    procRoot: tree.root,
    clock,
    logger: createLogger({ write: (l) => logs.push(JSON.parse(l) as Record<string, unknown>) }),
    onSamples: (samples) => {
      for (const s of samples)
        seen.push({ plugin: s.set.groups[0]!, set: s.set, ts: s.sample.timestampMs });
    },
  });
  closers.push(() => sampler.shutdown());
  await sampler.start();
  const ticks = (): number => sampler.stats().plugins.reduce((n, p) => n + p.ticks, 0);
  /** Advance in 100 ms steps, letting every tick due at each step finish before the next. */
  const run = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 100) {
      const before = ticks();
      const due = sampler
        .stats()
        .plugins.filter((p) => (clock.now() + 100 - T0) % p.intervalMs === 0).length;
      clock.advance(100);
      for (let i = 0; i < 2000 && ticks() < before + due; i++)
        await new Promise((r) => setTimeout(r, 1));
    }
  };
  clock.advance(0); // the first slot, T0 itself
  for (let i = 0; i < 2000 && ticks() === 0; i++) await new Promise((r) => setTimeout(r, 1));
  return { sampler, seen, logs, run, clock };
}

const gaps = (ts: number[]): number[] => ts.slice(1).map((t, i) => t - ts[i]!);
const of = (seen: Seen[], plugin: string): Seen[] => seen.filter((s) => s.plugin === plugin);

test('an interval change takes effect in place: slot spacing changes, the instance is kept', async () => {
  const { sampler, seen, run, clock } = await harness([synthetic(100)]);
  await run(500);
  const changeAt = clock.now();
  const r = sampler.configure([synthetic(300)], 1);
  assert.equal(r.outcome, 'applied');
  assert.deepEqual(r.rescheduled, ['synthetic']);
  await run(1800);
  const before = seen.filter((s) => s.ts <= changeAt).map((s) => s.ts);
  const afterChange = seen.filter((s) => s.ts > changeAt).map((s) => s.ts);
  assert.deepEqual(
    before,
    [0, 100, 200, 300, 400, 500].map((d) => T0 + d),
  );
  assert.ok(afterChange.length >= 5, `${afterChange.length} samples after the change`);
  assert.ok(
    gaps(afterChange).every((g) => g === 300),
    `gaps ${gaps(afterChange).join(',')}`,
  );
  assert.ok(
    afterChange.every((t) => (t - T0) % 300 === 0),
    'on the new grid',
  );
  assert.equal(new Set(seen.map((s) => s.set)).size, 1, 'same plugin instance throughout');
  assert.equal(sampler.stats().configRevision, 1);
  assert.equal(sampler.stats().plugins[0]?.intervalMs, 300);
});

test('plugins are added, replaced and removed while others keep running untouched', async () => {
  const { sampler, seen, run, clock } = await harness([synthetic(100)]);
  await run(300);
  let r = sampler.configure([synthetic(100), loadavg(200)], 1);
  assert.deepEqual([r.outcome, r.added, r.removed, r.replaced], ['applied', ['loadavg'], [], []]);
  await run(600);
  assert.ok(of(seen, 'loadavg').length >= 2, 'the added plugin samples');
  assert.equal(new Set(of(seen, 'synth').map((s) => s.set)).size, 1, 'synthetic untouched');

  r = sampler.configure([synthetic(100, 2), loadavg(200)], 2);
  assert.deepEqual([r.outcome, r.replaced], ['applied', ['synthetic']]);
  const replacedAt = clock.now();
  await run(300);
  const sets = of(seen, 'synth');
  assert.notEqual(sets.at(-1)?.set, sets[0]?.set, 'new options: a fresh instance');

  r = sampler.configure([loadavg(200)], 3);
  assert.deepEqual([r.outcome, r.removed], ['applied', ['synthetic']]);
  const removedAt = clock.now();
  const countAtRemoval = of(seen, 'synth').length;
  await run(600);
  assert.equal(of(seen, 'synth').length, countAtRemoval, 'a removed plugin stops sampling');
  assert.ok(
    of(seen, 'loadavg').some((s) => s.ts > removedAt),
    'the rest keeps sampling',
  );
  assert.ok(replacedAt < removedAt);
  assert.deepEqual(
    sampler.stats().plugins.map((p) => p.name),
    ['loadavg'],
  );
});

test('an invalid list is refused whole: nothing changes, a warning says why', async () => {
  const { sampler, seen, logs, run } = await harness([synthetic(100)]);
  const bad: PluginSpec[][] = [
    [synthetic(300), loadavg(200, { bogus: 1 })],
    [synthetic(300), { ...loadavg(200), name: 'no-such-plugin' }],
    [synthetic(300), synthetic(200)],
    [synthetic(300), { ...loadavg(200), offsetMs: 200 }],
  ];
  for (const plugins of bad) {
    const r = sampler.configure(plugins, 1);
    assert.equal(r.outcome, 'rejected', JSON.stringify(plugins));
    assert.ok(r.error && r.error.length > 0);
  }
  const warns = logs.filter((l) => l.msg === 'rejected configure');
  assert.equal(warns.length, bad.length);
  assert.match(JSON.stringify(warns[0]), /bogus/);
  await run(400);
  const st = sampler.stats();
  assert.equal(st.configRevision, 0);
  assert.deepEqual(
    st.plugins.map((p) => [p.name, p.intervalMs]),
    [['synthetic', 100]],
  );
  assert.ok(
    gaps(seen.map((s) => s.ts)).every((g) => g === 100),
    'still on the old schedule',
  );
  assert.equal(
    sampler.configure([synthetic(200)], 1).outcome,
    'applied',
    'the revision is still free',
  );
});

test('a revision not newer than the applied one is ignored', async () => {
  const { sampler } = await harness([synthetic(100)]);
  assert.equal(sampler.configure([synthetic(200)], 5).outcome, 'applied');
  const same = sampler.configure([synthetic(400)], 5);
  assert.deepEqual([same.outcome, same.error], ['ignored', undefined]);
  const older = sampler.configure([synthetic(400)], 4);
  assert.equal(older.outcome, 'ignored');
  assert.match(older.error ?? '', /older than the applied revision 5/);
  assert.equal(sampler.stats().plugins[0]?.intervalMs, 200);
  assert.equal(sampler.stats().configRevision, 5);
  sampler.setSchedule('synthetic', 500, 100);
  assert.deepEqual(
    sampler.stats().plugins.map((p) => [p.intervalMs, p.offsetMs]),
    [[500, 100]],
    'setSchedule still works',
  );
});
