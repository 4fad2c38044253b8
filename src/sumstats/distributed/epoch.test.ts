import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, silentLogger } from '../../common/index.js';
import type { SumStatDef } from '../definition.js';
import { SumStatsEngine } from '../engine.js';
import type { EpochResult } from '../events.js';
import { SumStatsManager } from './manager.js';
import { memoryLinkPair } from './transport.js';
import { cluster, connect, makeWorker, scanDef, settle, T0, spread } from './test-support.js';

const EXACT: SumStatDef = {
  name: 'exact',
  epochMs: null,
  reducers: [
    { name: 'sum', stream: 's', spec: { kind: 'sum' } },
    { name: 'count', stream: 's', spec: { kind: 'count' } },
    { name: 'min', stream: 's', spec: { kind: 'min' } },
    { name: 'max', stream: 's', spec: { kind: 'max' } },
    { name: 'avg', stream: 's', spec: { kind: 'average' } },
    { name: 'uniq', stream: 's', spec: { kind: 'unique' } },
    { name: 'hll', stream: 's', spec: { kind: 'hll_unique' } },
    { name: 'q', stream: 's', spec: { kind: 'quantile', quantiles: [0.5, 0.99] } },
  ],
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('an epoch merged from 4 workers equals one engine fed the whole stream', async () => {
  const { clock, managers, workers } = await cluster([EXACT], 4, {
    worker: { maxBatchBytes: 4096 },
  });
  const single = new SumStatsEngine({ clock, logger: silentLogger });
  single.define(EXACT);
  const rand = rng(7);
  for (let i = 0; i < 20_000; i++) {
    const ev = {
      stream: 's',
      key: `k${Math.floor(rand() * 300)}`,
      num: Math.round(rand() * 1e6) / 100,
      timeMs: T0,
    };
    single.observe(ev);
    workers[Math.floor(rand() * 4)]!.engine.observe(ev);
  }
  const r = await managers[0]!.manager.endEpoch('exact');
  const want = single.endEpoch('exact');
  assert.equal(r.complete, true);
  assert.deepEqual(r.missing, []);
  assert.equal(r.keys.size, 300);
  assert.deepEqual(r.keys, want.keys);
  assert.ok(
    workers.some((w) => w.worker.stats().batchesSent > 1),
    'small batch bound split the drain',
  );
});

test('a worker that dies mid-epoch is named missing without waiting for the deadline', async () => {
  const { managers, workers } = await cluster([scanDef()], 3);
  const m = managers[0]!;
  for (const w of workers)
    w.engine.observe({ stream: 'conn.attempt', key: 'a', str: w.worker.name, timeMs: T0 });
  workers[1]!.worker.close(); // its links close: the manager sees it go
  await settle();
  // No clock advance: nothing waits for a deadline.
  const r = await m.manager.endEpoch('scan');
  assert.equal(r.complete, false);
  assert.deepEqual(r.missing, ['w1']);
  assert.deepEqual(r.keys.get('a'), { ports: { count: 2, capped: false, values: ['w0', 'w2'] } });
});

test('a silent worker makes the epoch incomplete when the drain deadline passes', async () => {
  const clock = new ManualClock(T0);
  const manager = new SumStatsManager({
    name: 'm0',
    clock,
    logger: silentLogger,
    defs: [scanDef()],
    drainTimeoutMs: 2000,
  });
  const w0 = makeWorker('w0', clock, ['m0']);
  const [wl, ml] = memoryLinkPair('w0', 'm0');
  w0.worker.attach(wl);
  manager.attach(ml);
  const [, silentEnd] = memoryLinkPair('mute', 'm0');
  manager.attach(silentEnd);
  await settle();
  w0.engine.observe({ stream: 'conn.attempt', key: 'a', str: '1', timeMs: T0 });
  const got: { result?: EpochResult } = {};
  void manager.endEpoch('scan').then((r) => (got.result = r));
  await settle();
  assert.equal(got.result, undefined, 'still waiting for the silent worker');
  clock.advance(2000);
  await settle();
  const result = got.result as EpochResult | undefined;
  assert.ok(result !== undefined);
  assert.equal(result.complete, false);
  assert.deepEqual(result.missing, ['mute']);
  assert.equal(result.keys.size, 1);
  manager.close();
});

test('a worker joining mid-epoch participates from then on', async () => {
  const { clock, managers, workers } = await cluster([scanDef()], 2);
  const m = managers[0]!;
  spread(workers.slice(0, 2), 'k', 0, 60);
  await settle();
  clock.advance(50);
  await settle();
  const late = makeWorker('late', clock, ['m0']);
  connect(late, m);
  await settle();
  assert.ok(
    late.engine.list().some((i) => i.def.name === 'scan'),
    'definitions pushed on connect',
  );
  for (let p = 60; p < 110; p++)
    late.engine.observe({ stream: 'conn.attempt', key: 'k', str: String(p), timeMs: T0 });
  await settle();
  clock.advance(50);
  await settle();
  assert.equal(m.crossings.length, 1, 'the joiner watched the live key and its part counted');
  const r = await m.manager.endEpoch('scan');
  assert.equal(r.complete, true);
  assert.equal((r.keys.get('k')?.['ports'] as { count: number }).count, 110);
});

test('timed epochs end at wall-clock boundaries and a key nobody saw near still crosses at epoch end', async () => {
  // earlyShare 1: workers announce only at the threshold itself, so 4 × 30 never triggers a gather.
  const def = scanDef(60_000, { earlyShare: 1 });
  const { clock, managers, workers } = await cluster([def], 4);
  const m = managers[0]!;
  spread(workers.slice(0, 4), 'quiet', 0, 120);
  await settle();
  assert.equal(m.crossings.length, 0);
  clock.advance(60_000);
  await settle();
  assert.equal(m.epochs.length, 1);
  assert.equal(m.epochs[0]!.epochEndMs % 60_000, 0);
  assert.equal(m.crossings.length, 1);
  assert.equal(m.crossings[0]!.key, 'quiet');
});
