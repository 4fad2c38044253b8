import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metric } from '../model/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
import { SendFilter, globToRegExp } from './send-filter.js';
import type { SendFilterOptions } from './send-filter.js';

const SET: SetInstance = {
  ous: ['Lab'],
  host: 'n1',
  groups: ['demo'],
  schema: {
    name: 'demo',
    metrics: [
      metric('load', 'f64', 'instant'),
      metric('bytes', 'u64', 'counter', 'bytes'),
      metric('state', 'string', 'discrete'),
      metric('mem', 'u64', 'instant', 'bytes'),
    ],
  },
};

function sample(t: number, load: number, bytes: number, state = 'up', mem = 1000): SetSample {
  return {
    timestampMs: t,
    values: Float64Array.of(load, bytes, NaN, mem),
    strings: [undefined, undefined, state, undefined],
  };
}

function decisions(options: SendFilterOptions, samples: SetSample[], set = SET): boolean[] {
  const f = new SendFilter(options);
  return samples.map((s) => f.shouldSend(set, s));
}

describe('SendFilter', () => {
  it('sends everything when disabled (the default)', () => {
    const same = sample(0, 1, 1);
    assert.deepEqual(decisions({}, [same, same, same]), [true, true, true]);
  });

  it('sends a set first, then only when something changed (default threshold: any change)', () => {
    assert.deepEqual(
      decisions({ enabled: true }, [
        sample(0, 1, 100),
        sample(1000, 1, 100), // nothing moved
        sample(2000, 1.01, 100), // an instant moved
        sample(3000, 1.01, 100, 'down'), // a string changed
        sample(4000, 1.01, 100, 'down'),
        sample(5000, 1.01, 100, 'down', 1001),
      ]),
      [true, false, true, true, false, true],
    );
  });

  it('applies absolute and relative thresholds against the last value sent', () => {
    const options: SendFilterOptions = {
      enabled: true,
      rules: [{ match: 'demo:load', absolute: 0.5 }],
      defaultThreshold: { relativePct: 10 },
    };
    assert.deepEqual(
      decisions(options, [
        sample(0, 1.0, 0, 'up', 1000),
        sample(1000, 1.3, 0, 'up', 1050), // load +0.3, mem +5 %: both below
        sample(2000, 1.6, 0, 'up', 1099), // creeping: +0.6 / +9.9 % since the last SENT sample
        sample(3000, 1.6, 0, 'up', 1099),
        sample(4000, 1.6, 0, 'up', 1200), // mem +101, limit 10 % of 1099 = 109.9
        sample(5000, 1.6, 0, 'up', 1210), // +111 > 109.9
      ]),
      [true, false, true, false, false, true],
    );
  });

  it('treats any counter change as a change unless an absolute rule matches it', () => {
    const busy = [sample(0, 1, 100), sample(1000, 1, 101), sample(2000, 1, 101)];
    assert.deepEqual(decisions({ enabled: true, defaultThreshold: { absolute: 1e9 } }, busy), [
      true,
      true,
      false,
    ]);
    assert.deepEqual(
      decisions({ enabled: true, rules: [{ match: '*:bytes', relativePct: 50 }] }, busy),
      [true, true, false],
      'a relative rule does not apply to a cumulative counter',
    );
    assert.deepEqual(
      decisions({ enabled: true, rules: [{ match: '*bytes', absolute: 1000 }] }, [
        sample(0, 1, 100),
        sample(1000, 1, 600),
        sample(2000, 1, 1100), // 1000 since the last send, not more
        sample(3000, 1, 1101),
      ]),
      [true, false, false, true],
    );
  });

  it('sends at least every maxSilenceMs, and when time steps back', () => {
    assert.deepEqual(
      decisions({ enabled: true, maxSilenceMs: 3000 }, [
        sample(0, 1, 1),
        sample(1000, 1, 1),
        sample(2999, 1, 1),
        sample(3000, 1, 1),
        sample(4000, 1, 1),
        sample(2500, 1, 1), // before the last send: the clock stepped back
      ]),
      [true, false, false, true, false, true],
    );
  });

  it('keeps state per set instance: a new layout is always sent', () => {
    const f = new SendFilter({ enabled: true });
    const other: SetInstance = { ...SET, host: 'n2' };
    assert.equal(f.shouldSend(SET, sample(0, 1, 1)), true);
    assert.equal(f.shouldSend(other, sample(0, 1, 1)), true);
    assert.equal(f.shouldSend(SET, sample(1, 1, 1)), false);
    f.forget(SET);
    assert.equal(f.shouldSend(SET, sample(2, 1, 1)), true);
    assert.deepEqual(f.stats(), { sent: 3, suppressed: 1 });
  });

  it("does not keep a reference to the caller's array", () => {
    const f = new SendFilter({ enabled: true });
    const s = sample(0, 1, 1);
    f.shouldSend(SET, s);
    s.values[0] = 99; // a caller reusing its buffer must not fool the filter
    assert.equal(f.shouldSend(SET, sample(1, 99, 1)), true);
  });

  it('treats NaN to number and back as a change', () => {
    assert.deepEqual(
      decisions({ enabled: true }, [
        sample(0, NaN, 1),
        sample(1, NaN, 1),
        sample(2, 0, 1),
        sample(3, NaN, 1),
      ]),
      [true, false, true, true],
    );
  });

  it('rejects bad options', () => {
    const bad: SendFilterOptions[] = [
      { rules: [{ match: 'x', absolute: 1, relativePct: 1 }] },
      { rules: [{ match: 'x' }] },
      { rules: [{ match: '', absolute: 1 }] },
      { rules: [{ match: 'x', absolute: -1 }] },
      { defaultThreshold: { relativePct: Infinity } },
      { maxSilenceMs: -5 },
    ];
    for (const options of bad) {
      assert.throws(() => new SendFilter(options), { code: 'CANOPY_ERR_SEND_FILTER_CONFIG' });
    }
  });

  it('matches globs over group path and metric name', () => {
    const re = globToRegExp('cpu:cpu?:user');
    assert.ok(re.test('cpu:cpu3:user'));
    assert.ok(!re.test('cpu:cpu12:user'));
    assert.ok(globToRegExp('procstat:*:rss_bytes').test('procstat:my_(odd)_proc-200:rss_bytes'));
    assert.ok(!globToRegExp('a.b').test('axb'));
  });
});
