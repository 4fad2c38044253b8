import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MetricDef, SetInstance, SetSample } from '../model/index.js';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import type { DataEntry, DataMessage } from './messages.js';
import { ProtocolError } from './errors.js';
import { smallestScale } from './value-codec.js';
import { metricDef, mixedSet, sample, samplesEqual } from './test-helpers.js';

function pair(): { enc: FrameEncoder; dec: FrameDecoder } {
  return { enc: new FrameEncoder(), dec: new FrameDecoder() };
}

function send(
  enc: FrameEncoder,
  dec: FrameDecoder,
  seq: number,
  entries: DataEntry[],
): DataMessage {
  const out = dec.push(enc.data(seq, entries));
  assert.equal(out.length, 1);
  return out[0] as DataMessage;
}

const numericSet = (n: number, type: MetricDef['type'] = 'f64'): SetInstance => ({
  ous: ['Lab'],
  host: 'h',
  groups: ['g'],
  schema: { name: 'g', metrics: Array.from({ length: n }, (_, i) => metricDef(`m${i}`, type)) },
});

/** A NaN with a non-canonical payload: implementations may or may not keep the payload. */
const payloadNaN = new Float64Array(Uint32Array.of(0x12345, 0x7ff80001).buffer)[0]!;

describe('value codec: special values', () => {
  const specials = [
    payloadNaN,
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    2 ** 53,
    -(2 ** 53),
    2 ** 53 - 1,
    2 ** 52,
    -(2 ** 52),
    1e300,
    5e-324,
    0.1,
    123.456,
    -7.25,
  ];

  it('round-trips NaN, ±Inf, -0, huge integers and decimals in every order', () => {
    const { enc, dec } = pair();
    dec.push(enc.schema(3, numericSet(specials.length)));
    for (let shift = 0; shift < specials.length; shift++) {
      const values = specials.map((_, i) => specials[(i + shift) % specials.length]!);
      const s = sample(1000 * shift, values);
      const m = send(enc, dec, shift, [{ setId: 3, sample: s }]);
      assert.ok(samplesEqual(m.entries[0]!.sample, s), `shift ${shift}`);
    }
  });

  it('finds the smallest exact decimal scale', () => {
    assert.equal(smallestScale(12), 0);
    assert.equal(smallestScale(0.7), 1);
    assert.equal(smallestScale(0.52), 2);
    assert.equal(smallestScale(1.15), 2);
    assert.equal(smallestScale(Math.PI), -1);
    assert.equal(smallestScale(-0), -1);
    assert.equal(smallestScale(NaN), -1);
  });

  it('keeps string values, undefined strings and empty strings apart', () => {
    const { enc, dec } = pair();
    dec.push(enc.schema(1, mixedSet()));
    const labels = ['', undefined, 'é🌲', '', 'x'.repeat(4096), undefined];
    labels.forEach((label, t) => {
      const s = sample(t, [t, t / 4, NaN, -t], [undefined, undefined, label, undefined]);
      const m = send(enc, dec, t, [{ setId: 1, sample: s }]);
      assert.ok(samplesEqual(m.entries[0]!.sample, s), `label ${t}`);
    });
  });

  it('refuses strings it cannot carry exactly, and then re-keys the set', () => {
    const { enc, dec } = pair();
    dec.push(enc.schema(1, mixedSet()));
    const ok = sample(1, [1, 1, NaN, 1], [undefined, undefined, 'a', undefined]);
    send(enc, dec, 1, [{ setId: 1, sample: ok }]);
    const bad = (label: string): DataEntry[] => [
      { setId: 1, sample: sample(2, [2, 2, NaN, 2], [undefined, undefined, label, undefined]) },
    ];
    assert.throws(() => enc.data(2, bad('x'.repeat(4097))), { code: 'CANOPY_ERR_STRING_TOO_LONG' });
    assert.throws(() => enc.data(2, bad('\ud800')), { code: 'CANOPY_ERR_INVALID_ARGUMENT' });
    const next = sample(3, [3, 3, NaN, 3], [undefined, undefined, 'b', undefined]);
    const m = send(enc, dec, 3, [{ setId: 1, sample: next }]);
    assert.ok(samplesEqual(m.entries[0]!.sample, next));
  });

  it('rejects a sample whose length does not match the schema, or a bad timestamp', () => {
    const { enc } = pair();
    enc.schema(1, numericSet(3));
    assert.throws(() => enc.data(1, [{ setId: 1, sample: sample(0, [1, 2]) }]), {
      code: 'CANOPY_ERR_INVALID_ARGUMENT',
    });
    assert.throws(() => enc.data(1, [{ setId: 1, sample: sample(0.5, [1, 2, 3]) }]), {
      code: 'CANOPY_ERR_INVALID_ARGUMENT',
    });
    assert.throws(() => enc.data(1, [{ setId: 2, sample: sample(0, [1, 2, 3]) }]), {
      code: 'CANOPY_ERR_UNKNOWN_SET',
    });
  });
});

describe('value codec: state per set', () => {
  it('sends a keyframe after forceKeyframe and after a schema is re-declared', () => {
    const { enc, dec } = pair();
    const set = numericSet(20, 'u64');
    dec.push(enc.schema(9, set));
    const at = (t: number): SetSample =>
      sample(
        t * 1000,
        Array.from({ length: 20 }, (_, i) => 1e9 + i * 7 + t * 3),
      );
    const sizes = [0, 1, 2].map((t) => enc.data(t, [{ setId: 9, sample: at(t) }]).length);
    enc.forceKeyframe(9);
    const forced = enc.data(3, [{ setId: 9, sample: at(3) }]);
    assert.ok(sizes[0]! > sizes[2]! * 2, 'first sample is a keyframe');
    assert.ok(forced.length > sizes[2]! * 2, 'forced sample is a keyframe');
  });

  it('skips entries of unknown sets and lists them, decoding the others', () => {
    const sender = new FrameEncoder();
    const dec = new FrameDecoder();
    const known = numericSet(2);
    dec.push(sender.schema(1, known));
    sender.schema(2, numericSet(4)); // never delivered to the decoder
    const s1 = sample(5, [1.5, 2]);
    const m = send(sender, dec, 1, [
      { setId: 2, sample: sample(5, [1, 2, 3, 4]) },
      { setId: 1, sample: s1 },
      { setId: 2, sample: sample(5, [1, 2, 3, 4]) },
    ]);
    assert.deepEqual(m.unknownSetIds, [2]);
    assert.equal(m.entries.length, 1);
    assert.ok(samplesEqual(m.entries[0]!.sample, s1));
  });

  it('recovers a set after its schema is re-sent (schema-request path)', () => {
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    const set = numericSet(3);
    enc.schema(4, set); // lost on the way
    send(enc, dec, 1, [{ setId: 4, sample: sample(1, [1, 2, 3]) }]);
    const lost = send(enc, dec, 2, [{ setId: 4, sample: sample(2, [1, 2, 4]) }]);
    assert.deepEqual(lost.unknownSetIds, [4]);
    dec.push(enc.schema(4, enc.schemaOf(4)!));
    const s = sample(3, [1, 2.5, 4]);
    const m = send(enc, dec, 3, [{ setId: 4, sample: s }]);
    assert.deepEqual(m.unknownSetIds, []);
    assert.ok(samplesEqual(m.entries[0]!.sample, s));
  });

  it('stays within 2 bytes per value on steady counters and 2-decimal gauges', () => {
    const { enc, dec } = pair();
    const metrics = [
      ...Array.from({ length: 50 }, (_, i) => metricDef(`c${i}`, 'u64', 'counter')),
      ...Array.from({ length: 50 }, (_, i) => metricDef(`g${i}`, 'f64')),
    ];
    const set: SetInstance = {
      ous: ['Lab'],
      host: 'h',
      groups: ['g'],
      schema: { name: 'g', metrics },
    };
    dec.push(enc.schema(1, set));
    const v = Float64Array.from({ length: 100 }, (_, i) => (i < 50 ? 1e9 * i : 50 + i / 100));
    let steadyBytes = 0;
    for (let t = 0; t < 30; t++) {
      for (let i = 0; i < 100; i++)
        v[i] =
          i < 50
            ? v[i]! + ((i * 37 + t * 11) % 101)
            : Math.round((v[i]! + ((i + t) % 7) / 10 - 0.3) * 100) / 100;
      const s: SetSample = { timestampMs: 1e12 + t * 1000, values: v.slice(), strings: null };
      const frame = enc.data(t, [{ setId: 1, sample: s }]);
      if (t > 0) steadyBytes += frame.length;
      assert.ok(samplesEqual((dec.push(frame)[0] as DataMessage).entries[0]!.sample, s));
    }
    assert.ok(steadyBytes / (29 * 100) <= 2, `${steadyBytes / 2900} bytes/value`);
  });
});

// ---- property tests ----

const metricType = fc.constantFrom<MetricDef['type']>('f64', 'i64', 'u64', 'string');
const schemaArb = fc.array(metricType, { minLength: 1, maxLength: 24 });

const special = fc.constantFrom(
  payloadNaN,
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 - 1,
  1 - 2 ** 53,
  2 ** 52,
  0.1,
  0.7,
);
const numberArb = fc.oneof(
  fc.double(),
  special,
  fc.integer(),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((x) => x / 100),
  fc.maxSafeInteger(),
);
/** How a value moves from one sample to the next. */
const stepArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Step>({ kind: 'keep' }) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: -300, max: 300 }).map((d): Step => ({ kind: 'add', d })),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: -300, max: 300 }).map((d): Step => ({ kind: 'add', d: d / 100 })),
  },
  { weight: 2, arbitrary: numberArb.map((v): Step => ({ kind: 'set', v })) },
);
type Step = { kind: 'keep' } | { kind: 'add'; d: number } | { kind: 'set'; v: number };
const stringArb = fc.option(fc.string({ unit: 'binary', maxLength: 12 }), {
  nil: undefined,
  freq: 3,
});
const tsStepArb = fc.oneof(
  fc.constant(1000),
  fc.integer({ min: -5000, max: 5000 }),
  fc.maxSafeInteger().map((x) => x % 2 ** 52),
);

interface Scenario {
  readonly types: MetricDef['type'][];
  readonly ticks: {
    steps: Step[];
    strings: (string | undefined)[];
    ts: number;
    forceKeyframe: boolean;
  }[];
}

const scenarioArb: fc.Arbitrary<Scenario> = schemaArb.chain((types) =>
  fc.record({
    types: fc.constant(types),
    ticks: fc.array(
      fc.record({
        steps: fc.array(stepArb, { minLength: types.length, maxLength: types.length }),
        strings: fc.array(stringArb, { minLength: types.length, maxLength: types.length }),
        ts: tsStepArb,
        forceKeyframe: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
      }),
      { minLength: 1, maxLength: 25 },
    ),
  }),
);

function applyStep(prev: number, step: Step): number {
  if (step.kind === 'keep') return prev;
  if (step.kind === 'set') return step.v;
  return Math.round((prev + step.d) * 100) / 100;
}

/** Build the samples of a scenario for one set; string slots hold NaN as the model says. */
function samplesOf(sc: Scenario): SetSample[] {
  const n = sc.types.length;
  let values = new Float64Array(n);
  let ts = 0;
  const hasStrings = sc.types.includes('string');
  return sc.ticks.map((tick) => {
    values = values.map((v, i) => (sc.types[i] === 'string' ? NaN : applyStep(v, tick.steps[i]!)));
    const next = ts + tick.ts;
    ts = next > -(2 ** 52) && next < 2 ** 52 ? next : tick.ts;
    const strings = hasStrings
      ? tick.strings.map((s, i) => (sc.types[i] === 'string' ? s : undefined))
      : null;
    return { timestampMs: ts, values: values.slice(), strings };
  });
}

describe('value codec properties', () => {
  it('round-trips random schemas and sample sequences exactly across many frames', () => {
    fc.assert(
      fc.property(
        fc.array(scenarioArb, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 4 }),
        (scenarios, perFrame) => {
          const enc = new FrameEncoder();
          const dec = new FrameDecoder();
          const streams = scenarios.map(samplesOf);
          scenarios.forEach((sc, id) => {
            const set: SetInstance = {
              ous: ['P'],
              host: 'h',
              groups: [`s${id}`],
              schema: { name: `s${id}`, metrics: sc.types.map((t, i) => metricDef(`m${i}`, t)) },
            };
            dec.push(enc.schema(id, set));
          });
          const longest = Math.max(...streams.map((s) => s.length));
          let seq = 0;
          for (let t = 0; t < longest; t += perFrame) {
            const entries: DataEntry[] = [];
            for (let k = t; k < Math.min(longest, t + perFrame); k++) {
              streams.forEach((s, id) => {
                if (s[k]) entries.push({ setId: id, sample: s[k]! });
                if (scenarios[id]!.ticks[k]?.forceKeyframe) enc.forceKeyframe(id);
              });
            }
            const out = dec.push(enc.data(seq++, entries));
            const m = out[0] as DataMessage;
            assert.deepEqual(m.unknownSetIds, []);
            assert.equal(m.entries.length, entries.length);
            m.entries.forEach((e, j) => {
              assert.equal(e.setId, entries[j]!.setId);
              assert.ok(samplesEqual(e.sample, entries[j]!.sample), `frame ${seq - 1} entry ${j}`);
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('survives an encode failure mid-frame by re-keying the sets of that frame', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), (sc, failAt) => {
        const enc = new FrameEncoder();
        const dec = new FrameDecoder();
        const set: SetInstance = {
          ous: ['P'],
          host: 'h',
          groups: ['s'],
          schema: { name: 's', metrics: sc.types.map((t, i) => metricDef(`m${i}`, t)) },
        };
        dec.push(enc.schema(0, set));
        const samples = samplesOf(sc);
        const broken = failAt % (samples.length + 1);
        samples.forEach((s, t) => {
          if (t === broken) {
            // A bad entry after a good one: the frame is refused, nothing reaches the decoder.
            assert.throws(
              () =>
                enc.data(t, [
                  { setId: 0, sample: s },
                  { setId: 0, sample: { ...s, timestampMs: 0.5 } },
                ]),
              ProtocolError,
            );
          }
          const m = dec.push(enc.data(t, [{ setId: 0, sample: s }]))[0] as DataMessage;
          assert.ok(samplesEqual(m.entries[0]!.sample, s));
        });
      }),
      { numRuns: 150 },
    );
  });
});
