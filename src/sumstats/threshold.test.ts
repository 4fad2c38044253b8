import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock, silentLogger } from '../common/index.js';
import { SumStatsEngine } from './engine.js';
import type { ThresholdCrossing } from './events.js';
import { createReducer } from './reducers/index.js';
import { advance, nearDue, scalarOf } from './threshold.js';

test('advance crosses every step a value jumps over, once, in order', () => {
  const steps = [10, 20, 40];
  const t = { crossed: 0, near: 0 };
  assert.equal(advance(t, steps, 5), 0);
  assert.equal(t.crossed, 0);
  assert.equal(advance(t, steps, 25), 0, 'crossed from step 0');
  assert.equal(t.crossed, 2, 'steps 0 and 1 crossed by one jump');
  assert.equal(advance(t, steps, 15), 2, 'a drop crosses nothing and uncrosses nothing');
  assert.equal(t.crossed, 2);
  assert.equal(advance(t, steps, NaN), 2);
  assert.equal(advance(t, steps, 1e9), 2);
  assert.equal(t.crossed, 3);
  assert.equal(advance(t, steps, 1e9), 3);
  assert.equal(t.crossed, 3, 'nothing is left to cross');
});

test('nearDue fires once per step at earlyShare × the next step', () => {
  const steps = [100, 200];
  const t = { crossed: 0, near: 0 };
  assert.equal(nearDue(t, steps, 19, 0.2), false);
  assert.equal(nearDue(t, steps, 20, 0.2), true);
  assert.equal(nearDue(t, steps, 50, 0.2), false, 'once for step 0');
  advance(t, steps, 100);
  assert.equal(nearDue(t, steps, 100, 0.2), true, 'step 1 is near at 40');
  assert.equal(nearDue(t, steps, 150, 0.2), false);
  advance(t, steps, 250);
  assert.equal(nearDue(t, steps, 250, 0.2), false, 'no step left');
});

test('scalarOf reads numbers, fields with dots, array indexes and defaults', () => {
  const q = createReducer({ kind: 'quantile', quantiles: [0.5, 0.99] });
  for (let i = 1; i <= 100; i++) q.add({ num: i });
  const p99 = scalarOf(q.result(), '0.99');
  assert.ok(Math.abs(p99 - 99) <= 99 * 0.011, `p99 ${p99}`);
  assert.equal(scalarOf(q.result(), 'count'), 100);
  const top = createReducer({ kind: 'topk', n: 2 });
  for (const s of ['a', 'b', 'a', 'c', 'a']) top.add({ str: s });
  assert.equal(scalarOf(top.result(), '0.count'), 3);
  assert.equal(scalarOf(top.result(), '0.key'), NaN, 'a string field is not a number');
  const last = createReducer({ kind: 'last', n: 3 });
  for (const n of [1, 2, 7]) last.add({ num: n });
  assert.equal(scalarOf(last.result(), '-1'), 7);
  assert.equal(scalarOf(42, undefined), 42);
  assert.equal(scalarOf(null, undefined), NaN);
  assert.equal(scalarOf({ a: 1 }, 'b'), NaN);
});

type Op =
  | { op: 'obs'; key: number; num: number }
  | { op: 'batch'; items: { key: number; num: number }[] }
  | { op: 'flush' }
  | { op: 'epoch' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('obs' as const),
      key: fc.nat(3),
      num: fc.integer({ min: -10, max: 30 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('batch' as const),
      items: fc.array(fc.record({ key: fc.nat(3), num: fc.integer({ min: -10, max: 30 }) }), {
        maxLength: 8,
      }),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'epoch' as const }) },
);

/**
 * Reference model: per key and epoch, a sum and the number of steps crossed;
 * at each check, the keys changed since the last check, in the order they
 * first changed, cross every step their sum has reached.
 */
class Model {
  readonly steps: readonly number[];
  readonly crossings: [string, number, number][] = [];
  sums = new Map<string, number>();
  crossed = new Map<string, number>();
  dirty: string[] = [];
  checks = 0;

  constructor(steps: readonly number[]) {
    this.steps = steps;
  }

  observe(key: string, num: number): void {
    this.sums.set(key, (this.sums.get(key) ?? 0) + num);
    if (!this.dirty.includes(key)) this.dirty.push(key);
  }

  flush(): void {
    for (const key of this.dirty) {
      // A key past its last step is not checked again this epoch.
      if ((this.crossed.get(key) ?? 0) >= this.steps.length) continue;
      this.checks++;
      const value = this.sums.get(key)!;
      let c = this.crossed.get(key) ?? 0;
      while (c < this.steps.length && value >= this.steps[c]!)
        this.crossings.push([key, c, this.steps[c++]!]);
      this.crossed.set(key, c);
    }
    this.dirty = [];
  }

  endEpoch(): void {
    this.flush();
    this.sums = new Map();
    this.crossed = new Map();
  }
}

test('property: thresholds and series cross once per key, step and epoch, exactly as the model says', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.constant([25]),
        fc
          .uniqueArray(fc.integer({ min: -20, max: 120 }), { minLength: 1, maxLength: 5 })
          .map((a) => a.sort((x, y) => x - y)),
      ),
      fc.array(opArb, { maxLength: 120 }),
      (steps, ops) => {
        const got: ThresholdCrossing[] = [];
        let calls = 0;
        const clock = new ManualClock(0);
        const engine = new SumStatsEngine({
          clock,
          logger: silentLogger,
          onCrossing: (c) => got.push(c),
        });
        engine.define({
          name: 's',
          epochMs: null,
          reducers: [{ name: 'sum', stream: 'x', spec: { kind: 'sum' } }],
          threshold: {
            value: (r) => {
              calls++;
              return typeof r['sum'] === 'number' ? r['sum'] : NaN;
            },
            series: [...steps],
          },
        });
        const model = new Model(steps);
        let epochs = 0;
        for (const op of ops) {
          if (op.op === 'obs') {
            engine.observe({ stream: 'x', key: `k${op.key}`, num: op.num, timeMs: 0 });
            model.observe(`k${op.key}`, op.num);
          } else if (op.op === 'batch') {
            engine.observeBatch(
              op.items.map((i) => ({ stream: 'x', key: `k${i.key}`, num: i.num, timeMs: 0 })),
            );
            for (const i of op.items) model.observe(`k${i.key}`, i.num);
            model.flush();
          } else if (op.op === 'flush') {
            engine.flush();
            model.flush();
          } else {
            clock.advance(1); // so each epoch has its own start
            engine.endEpoch('s');
            model.endEpoch();
            epochs++;
          }
        }
        engine.flush();
        model.flush();
        assert.deepEqual(
          got.map((c) => [c.key, c.index, c.threshold]),
          model.crossings,
        );
        assert.equal(
          calls,
          model.checks,
          'the value function runs once per changed key per check, never for unchanged keys',
        );
        for (const c of got) assert.ok(c.value >= c.threshold && !c.global);
        // At most once per key, step and epoch.
        const seen = new Set(got.map((c) => `${c.epochStartMs}/${c.key}/${c.index}`));
        assert.equal(seen.size, got.length);
        assert.equal(new Set(got.map((c) => c.epochStartMs)).size <= epochs + 1, true);
        engine.close();
      },
    ),
    { numRuns: 300 },
  );
});

test('observe() alone checks thresholds in a microtask, once for many observations', async () => {
  const got: ThresholdCrossing[] = [];
  let calls = 0;
  const engine = new SumStatsEngine({
    clock: new ManualClock(0),
    logger: silentLogger,
    onCrossing: (c) => got.push(c),
  });
  engine.define({
    name: 's',
    epochMs: null,
    reducers: [{ name: 'n', stream: 'x', spec: { kind: 'count' } }],
    threshold: { value: (r) => (calls++, r['n'] as number), series: [3, 5, 1000] },
  });
  for (let i = 0; i < 10; i++) engine.observe({ stream: 'x', key: 'a', str: 'e', timeMs: 0 });
  assert.equal(got.length, 0, 'nothing is checked synchronously');
  await Promise.resolve();
  assert.deepEqual(
    got.map((c) => [c.index, c.threshold, c.value]),
    [
      [0, 3, 10],
      [1, 5, 10],
    ],
  );
  assert.equal(calls, 1);
  engine.close();
});
