import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelError, validateSetInstance } from '../model/index.js';
import type { SetInstance, SetSchema } from '../model/index.js';
import { SummaryBuilder } from './summary-builder.js';
import type { SummaryOutput } from './summary-builder.js';
import { CPU, HOSTS, MEM, TIMES, hostSets, ouOf, sampleOf, valueOf } from './summary-fixtures.js';

const GRACE = 500;

/** Every host sample of the fixture at `t`, hosts interleaved in a scrambled order. */
function feed(b: SummaryBuilder, t: number): void {
  const sets = hostSets();
  for (let k = 0; k < sets.length; k++) {
    const { h, set } = sets[(k * 7) % sets.length] as { h: number; set: SetInstance };
    b.add(set, sampleOf(set, h, t));
  }
}

/** count/sum/min/max per numeric metric of `schema` over the hosts of `ou` at `t`, by brute force. */
function reference(schema: SetSchema, ou: string, t: number): number[] {
  const out: number[] = [];
  schema.metrics.forEach((def, m) => {
    if (def.type === 'string') return;
    const vals: number[] = [];
    for (let h = 0; h < HOSTS; h++) {
      const v = valueOf(schema, m, h, t);
      if (ouOf(h).join(':') === ou && !Number.isNaN(v)) vals.push(v);
    }
    const sum = vals.reduce((a, v) => a + v, 0);
    const empty = vals.length === 0;
    out.push(vals.length, sum, empty ? NaN : Math.min(...vals), empty ? NaN : Math.max(...vals));
  });
  return out;
}

function find(out: SummaryOutput[], ou: string, group: string, t: number): SummaryOutput {
  const hit = out.filter(
    (o) =>
      o.set.ous.join(':') === ou && o.set.groups.join(':') === group && o.sample.timestampMs === t,
  );
  assert.equal(hit.length, 1, `${ou} ${group} @${t}`);
  return hit[0] as SummaryOutput;
}

test('summaries equal a brute-force reference over 20 hosts, 2 OUs, 3 timestamps', () => {
  const b = new SummaryBuilder({ source: 'l1-a', graceMs: GRACE });
  for (const t of TIMES) feed(b, t);
  const out = b.flush(TIMES[2] + GRACE);
  assert.equal(out.length, 2 * 2 * TIMES.length);
  for (const t of TIMES) {
    for (const ou of ['Lab:A', 'Lab:B']) {
      for (const schema of [CPU, MEM]) {
        const o = find(out, ou, schema.name, t);
        assert.deepEqual(
          Array.from(o.sample.values),
          reference(schema, ou, t),
          `${ou} ${schema.name} @${t}`,
        );
        assert.equal(o.set.host, 'l1-a');
        assert.equal(o.sample.strings, null);
      }
    }
  }
  // `temp` had no number on any host at TIMES[1]: count 0, and it is still sent.
  const temp = Array.from(find(out, 'Lab:B', 'mem', TIMES[1]).sample.values.slice(8, 12));
  assert.deepEqual(temp, [0, 0, NaN, NaN]);
  assert.deepEqual(b.stats(), {
    pendingTimestamps: 0,
    emitted: 12,
    lateSamples: 0,
    droppedTimestamps: 0,
    forcedEarly: 0,
    skippedSamples: 0,
    summarySets: 4,
  });
});

test('the summary schema has four metrics per numeric metric and keeps semantics', () => {
  const b = new SummaryBuilder({ source: 'l1-a', graceMs: 0 });
  feed(b, TIMES[0]);
  const cpu = find(b.flush(TIMES[0]), 'Lab:A', 'cpu', TIMES[0]).set;
  validateSetInstance(cpu);
  assert.equal(cpu.kind, 'summary');
  assert.equal(cpu.schema.name, 'cpu');
  const names = cpu.schema.metrics.map((m) => m.name);
  assert.deepEqual(names.slice(0, 4), ['user:count', 'user:sum', 'user:min', 'user:max']);
  assert.ok(names.includes('cpu0:user:max'));
  assert.ok(!names.some((n) => n.startsWith('model')), 'string metrics are skipped');
  const ctxt = cpu.schema.metrics.filter((m) => m.name.startsWith('ctxt:'));
  assert.deepEqual(
    ctxt.map((m) => [m.type, m.semantics, m.unit]),
    [
      ['u64', 'instant', ''],
      ['f64', 'counter', 'switches'],
      ['f64', 'counter', 'switches'],
      ['f64', 'counter', 'switches'],
    ],
  );
});

test('nothing leaves before T + grace, then timestamps leave oldest first', () => {
  const b = new SummaryBuilder({ source: 'l1', graceMs: GRACE });
  for (const t of TIMES) feed(b, t);
  assert.deepEqual(b.flush(TIMES[0] + GRACE - 1), []);
  const first = b.flush(TIMES[1] + GRACE - 1);
  assert.deepEqual([...new Set(first.map((o) => o.sample.timestampMs))], [TIMES[0]]);
  assert.equal(b.stats().pendingTimestamps, 2);
  const rest = b.flush(TIMES[2] + GRACE);
  assert.deepEqual([...new Set(rest.map((o) => o.sample.timestampMs))], [TIMES[1], TIMES[2]]);
});

test('a sample for a timestamp already emitted is late and ignored', () => {
  const b = new SummaryBuilder({ source: 'l1', graceMs: GRACE });
  feed(b, TIMES[0]);
  b.flush(TIMES[0] + GRACE);
  const [{ h, set }] = hostSets() as [{ h: number; set: SetInstance }];
  b.add(set, sampleOf(set, h, TIMES[0]));
  b.add(set, sampleOf(set, h, TIMES[0] - 1000));
  assert.equal(b.stats().lateSamples, 2);
  assert.deepEqual(b.flush(TIMES[2] + GRACE), []);
  b.add(set, sampleOf(set, h, TIMES[1]));
  assert.equal(b.flush(TIMES[2] + GRACE).length, 1);
});

test('pending timestamps stay bounded: the oldest leave early, then the oldest early ones drop', () => {
  const b = new SummaryBuilder({ source: 'l1', graceMs: 60_000, maxPendingTimestamps: 3 });
  const [{ h, set }] = hostSets() as [{ h: number; set: SetInstance }];
  for (let k = 1; k <= 10; k++) b.add(set, sampleOf(set, h, k * 1000));
  const s = b.stats();
  assert.equal(s.pendingTimestamps, 6);
  assert.equal(s.forcedEarly, 7);
  assert.equal(s.droppedTimestamps, 4);
  // Early ones go out with the next flush, grace or not; the open ones wait.
  const early = b.flush(0);
  assert.deepEqual(
    early.map((o) => o.sample.timestampMs),
    [5000, 6000, 7000],
  );
  b.add(set, sampleOf(set, h, 7000));
  assert.equal(b.stats().lateSamples, 1);
  assert.deepEqual(
    b.flush(200_000).map((o) => o.sample.timestampMs),
    [8000, 9000, 10_000],
  );
});

test('summary sets keep their identity across flushes and differ per OU, group and layout', () => {
  const b = new SummaryBuilder({ source: 'l1', graceMs: 0 });
  feed(b, TIMES[0]);
  const one = b.flush(TIMES[0]);
  feed(b, TIMES[1]);
  const two = b.flush(TIMES[1]);
  for (const o of one) {
    const again = find(two, o.set.ous.join(':'), o.set.groups.join(':'), TIMES[1]);
    assert.equal(again.set, o.set);
  }
  assert.equal(new Set(one.map((o) => o.set)).size, 4);
  // Same place, new layout (a sampler upgrade): a new summary set.
  const wider: SetSchema = { name: 'mem', metrics: [...MEM.metrics, CPU.metrics[0]!] };
  const set = { ous: ouOf(0), host: 'node-0', groups: ['mem'], schema: wider };
  b.add(set, { timestampMs: TIMES[2], values: new Float64Array(4), strings: null });
  const [three] = b.flush(TIMES[2]);
  assert.notEqual(three?.set, find(two, 'Lab:A', 'mem', TIMES[1]).set);
  assert.equal(three?.set.schema.metrics.length, 16);
});

test('sets without numeric metrics or with a bad length are skipped', () => {
  const b = new SummaryBuilder({ source: 'l1', graceMs: 0 });
  const text: SetSchema = { name: 'os', metrics: [CPU.metrics[3]!] };
  b.add(
    { ous: ['Lab'], host: 'h', groups: ['os'], schema: text },
    { timestampMs: 1000, values: Float64Array.of(NaN), strings: ['x'] },
  );
  b.add(
    { ous: ['Lab'], host: 'h', groups: ['mem'], schema: MEM },
    { timestampMs: 1000, values: new Float64Array(2), strings: null },
  );
  assert.deepEqual(b.flush(5000), []);
  assert.equal(b.stats().skippedSamples, 2);
});

test('an invalid source name is rejected up front', () => {
  assert.throws(() => new SummaryBuilder({ source: 'l1:x', graceMs: 0 }), ModelError);
});

test('_hosts sets count up/down per OU at the newest emitted timestamp', () => {
  const b = new SummaryBuilder({ source: 'l1', graceMs: 0 });
  const hosts = Array.from({ length: HOSTS }, (_, h) => ({
    ous: ouOf(h),
    host: `node-${h}`,
    up: h % 4 !== 0,
  }));
  feed(b, TIMES[0]);
  feed(b, TIMES[1]);
  const out = b.flush(TIMES[1], hosts).filter((o) => o.set.groups[0] === '_hosts');
  assert.deepEqual(
    out.map((o) => [
      o.set.ous.join(':'),
      o.set.host,
      o.set.schema.name,
      o.sample.timestampMs,
      ...o.sample.values,
    ]),
    [
      ['Lab:A', 'l1', '_hosts', TIMES[1], 7, 3],
      ['Lab:B', 'l1', '_hosts', TIMES[1], 8, 2],
    ],
  );
  validateSetInstance(out[0]!.set);
  assert.equal(out[0]!.set.kind, 'summary');
  // No bucket due: the second is used; the same second again is not re-sent.
  const idle = b.flush(TIMES[1] + 1_700, hosts);
  assert.deepEqual(
    idle.map((o) => o.sample.timestampMs),
    [TIMES[1] + 1000, TIMES[1] + 1000],
  );
  assert.equal(idle[0]?.set, out[0]?.set);
  assert.deepEqual(b.flush(TIMES[1] + 1_900, hosts), []);
  assert.equal(b.stats().emitted, 8, '_hosts samples are not counted as summaries');
});
