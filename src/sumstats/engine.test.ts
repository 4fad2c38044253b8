import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, createLogger, silentLogger } from '../common/index.js';
import { SumStatsEngine } from './engine.js';
import type { SumStatsEngineOptions } from './engine.js';
import type { SumStatDef } from './definition.js';
import type { EpochResult, ThresholdCrossing } from './events.js';
import { decodeReducer } from './reducers/index.js';
import type { ReducerResult } from './reducers/index.js';

function harness(startMs: number, o: Partial<SumStatsEngineOptions> = {}) {
  const clock = new ManualClock(startMs);
  const crossings: ThresholdCrossing[] = [];
  const epochs: EpochResult[] = [];
  const near: [string, string, number][] = [];
  const engine = new SumStatsEngine({
    clock,
    logger: silentLogger,
    onCrossing: (c) => crossings.push(c),
    onEpoch: (r) => epochs.push(r),
    onNearThreshold: (s, k, v) => near.push([s, k, v]),
    ...o,
  });
  return { clock, engine, crossings, epochs, near };
}

const SUM: SumStatDef = {
  name: 'bytes',
  epochMs: 1000,
  reducers: [
    { name: 'total', stream: 'tx', spec: { kind: 'sum' } },
    { name: 'n', stream: 'tx', spec: { kind: 'count' } },
  ],
  threshold: { value: 'total', threshold: 100 },
};

const tx = (key: string, num: number) => ({ stream: 'tx', key, num, timeMs: 0 });
const plain = (r: EpochResult) => Object.fromEntries(r.keys);

test('timed epochs end at wall-clock multiples of epochMs, with the right results, and reset', () => {
  const { clock, engine, crossings, epochs } = harness(10_250);
  engine.define(SUM);
  engine.observeBatch([tx('a', 60), tx('a', 50), tx('b', 5)]);
  assert.equal(crossings.length, 1);
  clock.advance(749);
  assert.equal(epochs.length, 0);
  clock.advance(1);
  assert.equal(epochs.length, 1);
  const first = epochs[0]!;
  assert.equal(first.epochStartMs, 10_250, 'the first epoch starts at define time');
  assert.equal(first.epochEndMs, 11_000, 'and ends at the next multiple of 1000');
  assert.deepEqual(plain(first), { a: { total: 110, n: 2 }, b: { total: 5, n: 1 } });
  assert.equal(first.complete, true);
  // The next epoch starts empty, and the threshold can cross again.
  engine.observeBatch([tx('a', 100)]);
  assert.equal(crossings.length, 2);
  assert.equal(crossings[1]!.epochStartMs, 11_000);
  clock.advance(1000);
  assert.deepEqual(
    epochs.map((r) => [r.epochStartMs, r.epochEndMs]),
    [
      [10_250, 11_000],
      [11_000, 12_000],
    ],
  );
  assert.deepEqual(plain(epochs[1]!), { a: { total: 100, n: 1 } });
  // Empty epochs still report (Zeek skipped epoch_finished without data).
  clock.advance(3000);
  assert.deepEqual(
    epochs.slice(2).map((r) => [r.epochStartMs, r.epochEndMs, r.keys.size]),
    [
      [12_000, 13_000, 0],
      [13_000, 14_000, 0],
      [14_000, 15_000, 0],
    ],
  );
  assert.equal(clock.pending(), 1, 'exactly one timer per sumstat');
  engine.close();
  assert.equal(clock.pending(), 0, 'close cancels timers');
});

test('manual epochs end only on endEpoch; a reducer that saw nothing gives its empty result', () => {
  const { clock, engine, epochs } = harness(5000);
  engine.define({
    name: 'm',
    epochMs: null,
    reducers: [
      { name: 'big', stream: 's', spec: { kind: 'max' }, where: { num: { gt: 10 } } },
      { name: 'n', stream: 's', spec: { kind: 'count' } },
    ],
  });
  assert.equal(clock.pending(), 0, 'no timer for manual epochs');
  engine.observe({ stream: 's', key: 'k', num: 3, timeMs: 0 });
  clock.advance(10_000);
  assert.equal(epochs.length, 0);
  const r = engine.endEpoch('m');
  assert.deepEqual(epochs, [r]);
  assert.equal(r.epochStartMs, 5000);
  assert.equal(r.epochEndMs, 15_000);
  assert.deepEqual(plain(r), { k: { big: null, n: 1 } });
  assert.equal(engine.endEpoch('m').keys.size, 0);
});

test('define() of an existing name takes effect at the next epoch; remove() drops at once', () => {
  const { clock, engine, epochs } = harness(0);
  engine.define(SUM);
  engine.observe(tx('a', 1));
  engine.define({
    ...SUM,
    epochMs: 5000,
    reducers: [{ name: 'max', stream: 'tx', spec: { kind: 'max' } }],
    threshold: { value: 'max', threshold: 1 },
  });
  assert.equal(engine.list()[0]!.pending?.epochMs, 5000);
  engine.observe(tx('a', 2));
  clock.advance(1000);
  assert.deepEqual(
    plain(epochs[0]!),
    { a: { total: 3, n: 2 } },
    'the old definition finishes its epoch',
  );
  assert.equal(engine.list()[0]!.def.epochMs, 5000);
  assert.equal(engine.list()[0]!.pending, undefined);
  engine.observe(tx('a', 7));
  clock.advance(4000);
  assert.equal(epochs.length, 2, 'the new epoch length applies: next boundary is 5000');
  assert.deepEqual([epochs[1]!.epochStartMs, epochs[1]!.epochEndMs], [1000, 5000]);
  assert.deepEqual(plain(epochs[1]!), { a: { max: 7 } });
  engine.remove('bytes');
  assert.equal(clock.pending(), 0);
  engine.observe(tx('a', 1));
  assert.deepEqual(engine.list(), []);
  assert.throws(() => engine.endEpoch('bytes'), { code: 'CANOPY_ERR_SUMSTATS_UNKNOWN' });
  assert.throws(() => engine.remove('bytes'), { code: 'CANOPY_ERR_SUMSTATS_UNKNOWN' });
  assert.throws(() => engine.define({ ...SUM, epochMs: 1 }), { code: 'CANOPY_ERR_SUMSTATS_DEF' });
});

test('key normalisation and predicates route observations per reducer', () => {
  const { engine } = harness(0);
  engine.define({
    name: 'k',
    epochMs: null,
    reducers: [
      { name: 'asis', stream: 's', spec: { kind: 'count' } },
      { name: 'lower', stream: 's', spec: { kind: 'count' }, key: 'lower' },
      { name: 'host', stream: 's', spec: { kind: 'count' }, key: 'host' },
      { name: 'ou', stream: 's', spec: { kind: 'count' }, key: { ouDepth: 2 } },
      { name: 'ssh', stream: 's', spec: { kind: 'count' }, where: { str: { match: '^ssh' } } },
      { name: 'big', stream: 's', spec: { kind: 'sum' }, where: { num: { ge: 10 } } },
    ],
  });
  engine.observe({ stream: 's', key: 'World:US:CA::H1:cpu', str: 'sshd', timeMs: 0 });
  engine.observe({ stream: 's', key: 'World:US:NY::h2', num: 12, host: 'h2', timeMs: 0 });
  engine.observe({ stream: 's', key: 'world:us:ny::h2', num: 3, timeMs: 0 });
  engine.observe({ stream: 'other', key: 'World:US:CA::H1', num: 3, timeMs: 0 });
  const r = plain(engine.endEpoch('k'));
  const pick = (name: string) =>
    Object.fromEntries(
      Object.entries(r)
        .map(([k, v]) => [k, v[name]] as const)
        .filter(([, v]) => v !== null && v !== 0),
    );
  assert.deepEqual(pick('asis'), {
    'World:US:CA::H1:cpu': 1,
    'World:US:NY::h2': 1,
    'world:us:ny::h2': 1,
  });
  assert.deepEqual(pick('lower'), { 'world:us:ca::h1:cpu': 1, 'world:us:ny::h2': 2 });
  assert.deepEqual(pick('host'), { H1: 1, h2: 2 });
  assert.deepEqual(pick('ou'), { 'World:US': 2, 'world:us': 1 });
  assert.deepEqual(pick('ssh'), { 'World:US:CA::H1:cpu': 1 });
  assert.deepEqual(pick('big'), { 'World:US:NY::h2': 12 });
});

test('onNearThreshold fires once per key, epoch and step at earlyShare × the next step', () => {
  const { engine, near, crossings } = harness(0);
  engine.define({
    ...SUM,
    epochMs: null,
    threshold: { value: 'total', series: [100, 1000] },
    earlyShare: 0.5,
  });
  engine.observeBatch([tx('a', 49)]);
  assert.deepEqual(near, []);
  engine.observeBatch([tx('a', 1)]);
  engine.observeBatch([tx('a', 1)]);
  assert.deepEqual(near, [['bytes', 'a', 50]]);
  engine.observeBatch([tx('a', 449)]);
  assert.deepEqual(
    near.at(-1),
    ['bytes', 'a', 500],
    'step 1 is near at 500, in the same check that crossed step 0',
  );
  assert.equal(near.length, 2);
  assert.equal(crossings.length, 1);
  engine.endEpoch('bytes');
  engine.observeBatch([tx('a', 60)]);
  assert.equal(near.length, 3, 'reset at the epoch start');
});

test('drain and keyState give encoded reducers that merge to the single-node result; drain fires no epoch', () => {
  const a = harness(0);
  const b = harness(0);
  const whole = harness(0);
  const def: SumStatDef = {
    name: 'lat',
    epochMs: null,
    reducers: [
      { name: 'q', stream: 'rtt', spec: { kind: 'quantile' } },
      { name: 'u', stream: 'rtt', spec: { kind: 'unique' }, where: { str: { match: '.' } } },
    ],
  };
  for (const h of [a, b, whole]) h.engine.define(def);
  for (let i = 0; i < 200; i++) {
    const ev = {
      stream: 'rtt',
      key: `h${i % 3}`,
      num: i,
      timeMs: 0,
      ...(i % 2 === 0 ? { str: `s${i % 7}` } : {}),
    };
    (i % 2 === 0 ? a : b).engine.observe(ev);
    whole.engine.observe(ev);
  }
  const one = a.engine.keyState('lat', 'h1');
  assert.ok(one !== undefined && one['q'] instanceof Uint8Array);
  assert.equal(a.engine.keyState('lat', 'nope'), undefined);
  assert.equal(a.engine.keyState('nope', 'h1'), undefined);
  const da = a.engine.drain('lat');
  const db = b.engine.drain('lat');
  assert.equal(a.epochs.length, 0);
  assert.equal(a.engine.list()[0]!.keys, 0, 'drain starts a new epoch');
  const expected = plain(whole.engine.endEpoch('lat'));
  for (const key of Object.keys(expected)) {
    const merged: Record<string, ReducerResult> = {};
    for (const name of ['q', 'u']) {
      const parts = [da.keys.get(key)?.[name], db.keys.get(key)?.[name]].filter(
        (x) => x !== undefined,
      );
      const r = decodeReducer(parts[0]!);
      for (const p of parts.slice(1)) r.merge(decodeReducer(p));
      merged[name] = r.result();
    }
    assert.deepEqual(merged, expected[key], key);
  }
  assert.equal(
    db.keys.get('h0')?.['u'],
    undefined,
    'a reducer that saw nothing for a key is absent',
  );
});

test('checkMerged evaluates merged results once per key and step per epoch, as global crossings', () => {
  const { engine, crossings } = harness(0);
  engine.define({ ...SUM, epochMs: null, threshold: { value: 'total', series: [10, 20, 30] } });
  assert.equal(engine.checkMerged('bytes', 'k', { total: 5, n: 1 }, 7), undefined);
  const c = engine.checkMerged('bytes', 'k', { total: 25, n: 2 }, 8);
  assert.deepEqual(
    crossings.map((x) => [x.index, x.threshold, x.value, x.global, x.atMs]),
    [
      [0, 10, 25, true, 8],
      [1, 20, 25, true, 8],
    ],
  );
  assert.equal(c?.index, 1, 'returns the highest step crossed');
  assert.equal(engine.checkMerged('bytes', 'k', { total: 25, n: 2 }, 9), undefined);
  assert.equal(
    engine.checkMerged('bytes', 'k', { n: 2 }, 9),
    undefined,
    'a missing reducer reads as NaN',
  );
  engine.endEpoch('bytes');
  assert.equal(
    engine.checkMerged('bytes', 'k', { total: 12, n: 2 }, 10)?.index,
    0,
    'reset per epoch',
  );
  assert.throws(() => engine.checkMerged('nope', 'k', {}, 0), {
    code: 'CANOPY_ERR_SUMSTATS_UNKNOWN',
  });
});

test('the key cap drops new keys and counts them; list() reports keys and bytes', () => {
  const lines: string[] = [];
  const { engine } = harness(0, {
    maxKeys: 2,
    logger: createLogger({ write: (l) => lines.push(l) }),
  });
  engine.define({ ...SUM, epochMs: null });
  for (const k of ['a', 'b', 'c', 'a', 'd']) engine.observe(tx(k, 1));
  const [info] = engine.list();
  assert.equal(info!.keys, 2);
  assert.equal(info!.droppedObservations, 2);
  assert.ok(info!.bytes > 0);
  assert.deepEqual([...engine.endEpoch('bytes').keys.keys()], ['a', 'b']);
  assert.ok(lines.some((l) => l.includes('key cap reached')));
});

test('a throwing value function or callback is logged, never thrown into observe', () => {
  const lines: string[] = [];
  const logger = createLogger({ write: (l) => lines.push(l) });
  const { engine } = harness(0, {
    logger,
    onEpoch: () => {
      throw new Error('epoch boom');
    },
  });
  engine.define({
    name: 'f',
    epochMs: null,
    reducers: [{ name: 'n', stream: 's', spec: { kind: 'count' } }],
    threshold: {
      value: () => {
        throw new Error('value boom');
      },
      threshold: 1,
    },
  });
  engine.observeBatch([{ stream: 's', key: 'a', str: 'x', timeMs: 0 }]);
  engine.observeBatch([{ stream: 's', key: 'b', str: 'x', timeMs: 0 }]);
  assert.equal(
    lines.filter((l) => l.includes('value function threw')).length,
    1,
    'logged once per epoch',
  );
  assert.doesNotThrow(() => engine.endEpoch('f'));
  assert.ok(lines.some((l) => l.includes('onEpoch callback threw')));
});

test('close() stops timers and refuses new definitions', () => {
  const { clock, engine } = harness(0);
  engine.define(SUM);
  engine.close();
  assert.equal(clock.pending(), 0);
  assert.throws(() => engine.define(SUM), { code: 'CANOPY_ERR_SUMSTATS_CLOSED' });
  assert.throws(() => engine.endEpoch('bytes'), { code: 'CANOPY_ERR_SUMSTATS_CLOSED' });
  engine.observe(tx('a', 1));
});

test('scan detection: unique destination ports per source, threshold 100, on one engine', () => {
  const { clock, engine, crossings, epochs } = harness(0);
  engine.define({
    name: 'port-scan',
    epochMs: 60_000,
    reducers: [{ name: 'ports', stream: 'conn.attempt', spec: { kind: 'unique', n: 10_000 } }],
    threshold: { value: 'ports', threshold: 100 },
  });
  const evs = [];
  // 50 ordinary clients touching a few well-known ports, many times each.
  for (let rep = 0; rep < 20; rep++)
    for (let c = 0; c < 50; c++)
      for (const port of [22, 80, 443])
        evs.push({ stream: 'conn.attempt', key: `10.0.1.${c}`, str: String(port), timeMs: 0 });
  // One scanner sweeping 1..300, one slow scanner that stops at 99 ports.
  for (let port = 1; port <= 300; port++) {
    evs.push({ stream: 'conn.attempt', key: '192.0.2.66', str: String(port), timeMs: 0 });
    if (port < 100)
      evs.push({ stream: 'conn.attempt', key: '192.0.2.99', str: String(port), timeMs: 0 });
  }
  for (let i = 0; i < evs.length; i += 97) engine.observeBatch(evs.slice(i, i + 97));
  assert.deepEqual(
    crossings.map((c) => [c.key, c.threshold]),
    [['192.0.2.66', 100]],
  );
  assert.ok(crossings[0]!.value >= 100 && crossings[0]!.value < 100 + 97);
  clock.advance(60_000);
  const r = epochs[0]!;
  assert.equal(r.keys.size, 52);
  assert.equal((r.keys.get('192.0.2.66')!['ports'] as { count: number }).count, 300);
  assert.equal((r.keys.get('192.0.2.99')!['ports'] as { count: number }).count, 99);
});
