import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, silentLogger } from '../../common/index.js';
import { SumStatsManager } from './manager.js';
import { memoryLinkPair } from './transport.js';
import { cluster, scanDef, settle, T0, spread } from './test-support.js';

const WATCH_MS = 50;

test('global view fires the crossing when the merged value crosses though no worker alone does', async () => {
  const { clock, managers, workers } = await cluster([scanDef()], 4);
  const m = managers[0]!;
  // 120 distinct ports of one scanner, round-robin: 30 per worker, under 100 each.
  spread(workers.slice(0, 4), 'scanner', 0, 120);
  spread(workers.slice(0, 4), 'benign', 0, 10);
  await settle();
  clock.advance(WATCH_MS);
  await settle();
  assert.equal(workers.flatMap((w) => w.local).length, 0, 'no worker crossed alone');
  assert.equal(m.crossings.length, 1);
  const c = m.crossings[0]!;
  assert.equal(c.key, 'scanner');
  assert.equal(c.global, true);
  assert.ok(c.value >= 100 && c.value <= 120);
  // Near notices came from all four workers; one gather served them.
  assert.equal(m.manager.viewStats().gathers, 1);
});

test('a crossing reached by later observations is pushed by watched workers', async () => {
  const { clock, managers, workers } = await cluster([scanDef()], 4);
  const m = managers[0]!;
  spread(workers.slice(0, 4), 'k', 0, 80);
  await settle();
  clock.advance(WATCH_MS);
  await settle();
  assert.equal(m.crossings.length, 0, '80 < 100');
  for (let p = 80; p < 100; p++)
    workers[3]!.engine.observe({ stream: 'conn.attempt', key: 'k', str: String(p), timeMs: T0 });
  await settle();
  clock.advance(WATCH_MS);
  await settle();
  assert.deepEqual(
    m.crossings.map((c) => [c.key, c.value]),
    [['k', 100]],
  );
});

test('a threshold series steps once each per epoch, and again in the next epoch', async () => {
  const def = scanDef(null, { threshold: { value: 'ports.count', series: [10, 50, 100] } });
  const { clock, managers, workers } = await cluster([def], 2);
  const m = managers[0]!;
  const feed = async (from: number, to: number): Promise<void> => {
    for (let p = from; p < to; p++)
      workers[p % 2]!.engine.observe({
        stream: 'conn.attempt',
        key: 'k',
        str: String(p),
        timeMs: T0,
      });
    await settle();
    clock.advance(WATCH_MS);
    await settle();
  };
  await feed(0, 30);
  await feed(30, 60);
  await feed(60, 200);
  await feed(200, 300);
  assert.deepEqual(
    m.crossings.map((c) => c.index),
    [0, 1, 2],
  );
  const r = await m.manager.endEpoch('scan');
  assert.equal(r.complete, true);
  m.crossings.length = 0;
  await feed(0, 120);
  assert.deepEqual(
    m.crossings.map((c) => c.index),
    [0, 1, 2],
  );
});

test('many near notices for one key make one gather; beyond the in-flight cap they queue, never drop', async () => {
  const clock = new ManualClock(T0);
  const manager = new SumStatsManager({
    name: 'm0',
    clock,
    logger: silentLogger,
    defs: [scanDef()],
    maxInFlight: 2,
    gatherTimeoutMs: 1000,
  });
  // A worker that sends near notices and never answers a watch: gathers
  // hold their slots until the gather timeout.
  const [silent, ml] = memoryLinkPair('silent', 'm0');
  manager.attach(ml);
  await settle();
  for (let i = 0; i < 10; i++) silent.send({ t: 'near', sumstat: 'scan', key: 'same', value: 20 });
  await settle();
  let s = manager.viewStats();
  assert.equal(s.gathers, 1);
  assert.equal(s.coalesced, 9);
  for (let k = 0; k < 10; k++)
    silent.send({ t: 'near', sumstat: 'scan', key: `key${k}`, value: 20 });
  await settle();
  s = manager.viewStats();
  assert.equal(s.inFlight, 2);
  assert.equal(s.queued, 9, 'same is in flight; key0 took the second slot; nine wait');
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    await settle();
  }
  s = manager.viewStats();
  assert.equal(s.gathers, 11, 'every queued key was gathered in the end');
  assert.equal(s.queued, 0);
  assert.equal(s.inFlight, 0);
  manager.close();
});
