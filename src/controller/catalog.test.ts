import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseHostHistory, recordHolder, spansIn } from './catalog.js';
import type { HostHistory } from './catalog.js';

/** Holder changes as (aggregator or nobody, ms since the previous change ≥ 1). */
const arbChanges = fc.array(
  fc.record({
    agg: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
    dtMs: fc.integer({ min: 1, max: 1000 }),
  }),
  { maxLength: 30 },
);

type Change = { agg: string | undefined; atMs: number };

function replay(changes: readonly { agg: string | undefined; dtMs: number }[]): {
  h: HostHistory | undefined;
  timeline: Change[];
} {
  let h: HostHistory | undefined;
  let atMs = 1000;
  const timeline: Change[] = [];
  for (const c of changes) {
    atMs += c.dtMs;
    h = recordHolder(h, 'node-1', 'node-1-sampler', c.agg, atMs);
    timeline.push({ agg: c.agg, atMs });
  }
  return { h, timeline };
}

/** Who the timeline says holds the host at `t` (changes take effect at their instant). */
function holderAt(timeline: readonly Change[], t: number): string | undefined {
  let holder: string | undefined;
  for (const c of timeline) if (c.atMs <= t) holder = c.agg;
  return holder;
}

const history = (spans: HostHistory['spans']): HostHistory => ({
  host: 'node-1',
  producer: 'node-1-sampler',
  spans,
});

void describe('recordHolder', () => {
  void it('keeps contiguous spans through a sequence of hand-overs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1 }),
        fc.nat(50),
        (aggs, step) => {
          const { h } = replay(aggs.map((agg) => ({ agg, dtMs: step + 1 })));
          const spans = h!.spans;
          const changes = aggs.filter((a, i) => i === 0 || a !== aggs[i - 1]);
          assert.deepEqual(
            spans.map((s) => s.aggregator),
            changes,
          );
          for (let i = 1; i < spans.length; i++) assert.equal(spans[i - 1]!.toMs, spans[i]!.fromMs);
          assert.equal(spans[spans.length - 1]!.toMs, undefined);
        },
      ),
    );
  });

  void it('answers, for every instant, the holder of that instant', () => {
    fc.assert(
      fc.property(arbChanges, (changes) => {
        const { h, timeline } = replay(changes);
        if (h === undefined) return;
        const end = (timeline[timeline.length - 1]?.atMs ?? 1000) + 10;
        for (let t = 990; t <= end; t += 7) {
          const holders: string[] = spansIn(h, t, t).map((s) => s.aggregator);
          const expected = holderAt(timeline, t);
          assert.deepEqual(holders, expected === undefined ? [] : [expected], `at ${t}`);
        }
        assert.ok(parseHostHistory(JSON.parse(JSON.stringify(h))) !== undefined);
      }),
    );
  });

  void it('is a no-op when the holder already holds it, and never mutates its input', () => {
    const h1 = recordHolder(undefined, 'node-1', 'node-1-sampler', 'a', 100);
    const frozen = structuredClone(h1);
    const h2 = recordHolder(h1, 'node-1', 'node-1-sampler', 'a', 200);
    assert.notEqual(h2, h1);
    assert.deepEqual(h2, frozen);
    const h3 = recordHolder(h1, 'node-1', 'node-1-sampler', 'b', 300);
    assert.deepEqual(h1, frozen);
    assert.deepEqual(h3.spans, [
      { aggregator: 'a', fromMs: 100, toMs: 300 },
      { aggregator: 'b', fromMs: 300, toMs: undefined },
    ]);
    assert.deepEqual(recordHolder(undefined, 'node-1', 'p', undefined, 5).spans, []);
  });

  void it('closes the span and opens none when nobody holds the host', () => {
    const h = recordHolder(recordHolder(undefined, 'n', 'p', 'a', 10), 'n', 'p', undefined, 40);
    assert.deepEqual(h.spans, [{ aggregator: 'a', fromMs: 10, toMs: 40 }]);
  });

  void it('clamps a clock that stepped back and drops 0 ms holders', () => {
    let h = recordHolder(undefined, 'n', 'p', 'a', 100);
    h = recordHolder(h, 'n', 'p', 'b', 50);
    assert.deepEqual(h.spans, [{ aggregator: 'b', fromMs: 100, toMs: undefined }]);
    h = recordHolder(h, 'n', 'p', 'c', 150);
    h = recordHolder(h, 'n', 'p', undefined, 200);
    h = recordHolder(h, 'n', 'p', 'a', 180);
    assert.deepEqual(h.spans, [
      { aggregator: 'b', fromMs: 100, toMs: 150 },
      { aggregator: 'c', fromMs: 150, toMs: 200 },
      { aggregator: 'a', fromMs: 200, toMs: undefined },
    ]);
  });

  void it('prunes spans that ended more than keepMs ago but keeps the newest closed one', () => {
    let h = recordHolder(undefined, 'n', 'p', 'a', 0, 100);
    h = recordHolder(h, 'n', 'p', 'b', 10, 100);
    h = recordHolder(h, 'n', 'p', 'c', 20, 100);
    h = recordHolder(h, 'n', 'p', 'a', 150, 100);
    // a [0,10) ended before 50 and goes; b [10,20) too; c [20,150) stays.
    assert.deepEqual(
      h.spans.map((s) => s.aggregator),
      ['c', 'a'],
    );
    h = recordHolder(h, 'n', 'p', undefined, 160, 100);
    h = recordHolder(h, 'n', 'p', 'b', 10_000, 100);
    // a [150,160) is long gone but is the newest closed span, so it stays.
    assert.deepEqual(h.spans, [
      { aggregator: 'a', fromMs: 150, toMs: 160 },
      { aggregator: 'b', fromMs: 10_000, toMs: undefined },
    ]);
  });
});

void describe('spansIn', () => {
  const h = history([
    { aggregator: 'a', fromMs: 0, toMs: 100 },
    { aggregator: 'b', fromMs: 100, toMs: 200 },
    { aggregator: 'c', fromMs: 300, toMs: undefined },
  ]);

  void it('clips spans to the window', () => {
    assert.deepEqual(spansIn(h, 50, 150), [
      { aggregator: 'a', fromMs: 50, toMs: 100 },
      { aggregator: 'b', fromMs: 100, toMs: 150 },
    ]);
    assert.deepEqual(spansIn(h, 250, 1000), [{ aggregator: 'c', fromMs: 300, toMs: 1000 }]);
    assert.deepEqual(spansIn(h, -50, 5000).length, 3);
  });

  void it('excludes gaps, the end instant of a span, and inverted windows', () => {
    assert.deepEqual(spansIn(h, 210, 290), []);
    assert.deepEqual(spansIn(h, 200, 200), []);
    assert.deepEqual(spansIn(h, 100, 100), [{ aggregator: 'b', fromMs: 100, toMs: 100 }]);
    assert.deepEqual(spansIn(h, 150, 50), []);
  });
});

void describe('parseHostHistory', () => {
  void it('round-trips through JSON, open spans included', () => {
    const h = history([
      { aggregator: 'a', fromMs: 0, toMs: 100 },
      { aggregator: 'b', fromMs: 120, toMs: undefined },
    ]);
    assert.deepEqual(parseHostHistory(JSON.parse(JSON.stringify(h))), h);
    const withNull = { ...h, spans: [{ aggregator: 'b', fromMs: 1, toMs: null, extra: 1 }] };
    assert.deepEqual(parseHostHistory(withNull)?.spans, [
      { aggregator: 'b', fromMs: 1, toMs: undefined },
    ]);
  });

  void it('rejects bad shapes with a reason', () => {
    const ok = { host: 'n', producer: 'p', spans: [] };
    const bad: [unknown, RegExp][] = [
      [null, /not an object/],
      [[], /not an object/],
      [{ ...ok, host: '' }, /host/],
      [{ ...ok, producer: 3 }, /producer/],
      [{ ...ok, spans: {} }, /spans is not an array/],
      [{ ...ok, spans: [7] }, /spans\[0\]: not an object/],
      [{ ...ok, spans: [{ aggregator: '', fromMs: 0 }] }, /aggregator/],
      [{ ...ok, spans: [{ aggregator: 'a', fromMs: '0' }] }, /fromMs/],
      [{ ...ok, spans: [{ aggregator: 'a', fromMs: 0, toMs: Infinity }] }, /toMs is not/],
      [{ ...ok, spans: [{ aggregator: 'a', fromMs: 5, toMs: 1 }] }, /before fromMs/],
      [
        {
          ...ok,
          spans: [
            { aggregator: 'a', fromMs: 0 },
            { aggregator: 'b', fromMs: 5 },
          ],
        },
        /spans\[1\]: follows an open span/,
      ],
      [
        {
          ...ok,
          spans: [
            { aggregator: 'a', fromMs: 0, toMs: 10 },
            { aggregator: 'b', fromMs: 5, toMs: 20 },
          ],
        },
        /spans\[1\]: overlaps/,
      ],
    ];
    for (const [json, pattern] of bad) {
      const reasons: string[] = [];
      assert.equal(
        parseHostHistory(json, (r) => reasons.push(r)),
        undefined,
      );
      assert.equal(reasons.length, 1);
      assert.match(reasons[0]!, pattern);
    }
    assert.deepEqual(parseHostHistory(ok), ok);
  });

  void it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (json) => {
        const h = parseHostHistory(json);
        if (h !== undefined) assert.equal(typeof h.host, 'string');
      }),
    );
  });
});
