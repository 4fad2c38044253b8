import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rendezvous } from './rendezvous.js';
import { cluster, scanDef, settle, T0, spread } from './test-support.js';

test('rendezvous spreads keys evenly and moves only the removed manager’s keys', () => {
  const ring = new Rendezvous(['a', 'b', 'c', 'd']);
  const smaller = new Rendezvous(['a', 'b', 'c']);
  const counts = new Map<string, number>();
  let moved = 0;
  for (let i = 0; i < 40_000; i++) {
    const key = `10.0.${i >> 8}.${i & 255}`;
    const owner = ring.ownerOf(key);
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
    if (owner !== 'd' && smaller.ownerOf(key) !== owner) moved++;
  }
  for (const n of counts.values()) assert.ok(n > 9000 && n < 11_000, `share ${n}`);
  assert.equal(moved, 0);
  assert.throws(() => new Rendezvous([]), { code: 'CANOPY_ERR_SUMSTATS_OPTION' });
});

test('with 3 managers each key’s result and crossing is on exactly one manager, its owner', async () => {
  const names = ['m0', 'm1', 'm2'];
  const { clock, managers, workers } = await cluster([scanDef()], 4, { managers: names });
  const ring = new Rendezvous(names);
  for (let k = 0; k < 600; k++)
    for (let w = 0; w < 4; w++)
      workers[w]!.engine.observe({
        stream: 'conn.attempt',
        key: `src${k}`,
        str: String(w),
        timeMs: T0,
      });
  spread(workers.slice(0, 4), 'scanner', 0, 120);
  await settle();
  clock.advance(50);
  await settle();
  const crossed = managers.flatMap((m) => m.crossings.map((c) => [m.manager.name, c.key]));
  assert.deepEqual(crossed, [[ring.ownerOf('scanner'), 'scanner']]);
  const results = await Promise.all(managers.map((m) => m.manager.endEpoch('scan')));
  const seen = new Map<string, string>();
  results.forEach((r, i) => {
    assert.equal(r.complete, true);
    assert.ok(r.keys.size > 120, `manager ${names[i]} holds ${r.keys.size} keys`);
    for (const key of r.keys.keys()) {
      assert.ok(!seen.has(key), `${key} on two managers`);
      seen.set(key, names[i]!);
      assert.equal(names[i], ring.ownerOf(key));
    }
  });
  assert.equal(seen.size, 601);
  assert.equal(
    (results[names.indexOf(seen.get('src5')!)]!.keys.get('src5')!['ports'] as { count: number })
      .count,
    4,
  );
});
