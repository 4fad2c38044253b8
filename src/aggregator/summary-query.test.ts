import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSelector } from '../model/index.js';
import type { LiveSet } from './live-set.js';
import { LiveStore } from './live-store.js';
import { SummaryBuilder } from './summary-builder.js';
import { CPU, HOSTS, TIMES, hostSets, sampleOf, valueOf } from './summary-fixtures.js';
import {
  hostCounts,
  mergeSummarySeries,
  summarizeHosts,
  summarizeSummaries,
} from './summary-query.js';
import { anyHostSelector } from './summary-selector.js';
import type { SummarySeries } from './summary-series.js';

const GRACE = 500;
const ALL: [number, number] = [0, Number.MAX_SAFE_INTEGER];

interface Setup {
  /** Which L1 holds host `h`. */
  delegate?: (h: number) => string;
  /** Which hosts exist at all. */
  include?: (h: number) => boolean;
}

/** Host data in one store, and the same data summarised by the L1 builders in another. */
function stores(setup: Setup = {}): { hosts: LiveStore; summaries: LiveStore } {
  const { delegate = () => 'l1', include = () => true } = setup;
  const hosts = new LiveStore({ windowSamples: 16 });
  const summaries = new LiveStore({ windowSamples: 16 });
  const builders = new Map<string, SummaryBuilder>();
  const sets = hostSets().filter(({ h }) => include(h));
  for (const t of TIMES) {
    for (const { h, set } of sets) {
      const sample = sampleOf(set, h, t);
      if (!hosts.ingest(set, sample, t, `node-${h}`)) continue;
      const name = delegate(h);
      let b = builders.get(name);
      if (b === undefined)
        builders.set(name, (b = new SummaryBuilder({ source: name, graceMs: GRACE })));
      b.add(set, sample);
    }
  }
  const now = TIMES[2] + GRACE;
  for (const [name, b] of builders) {
    // One state per host (each host has two sets); node-3 is down.
    const states = sets
      .filter(({ h, set }) => delegate(h) === name && set.groups[0] === 'cpu')
      .map(({ h, set }) => ({ ous: set.ous, host: set.host, up: h !== 3 }));
    for (const { set, sample } of b.flush(now, states)) summaries.ingest(set, sample, now, name);
  }
  return { hosts, summaries };
}

function hostsAnswer(store: LiveStore, text: string, depth?: number, range = ALL): SummarySeries[] {
  return summarizeHosts(store.sets(), parseSelector(text), ...range, depth);
}

function summaryAnswer(
  store: LiveStore,
  text: string,
  depth?: number,
  range = ALL,
): SummarySeries[] {
  return summarizeSummaries(store.sets(), parseSelector(text), ...range, depth);
}

const SELECTORS = [
  'Lab::*:cpu:user',
  'Lab::*:cpu:*',
  'Lab::*:**:user',
  'Lab:A::*:mem:*',
  'Lab::*:*:*',
  'Lab::*:cpu:cpu0:user',
  'Lab::*:mem:temp',
];

test('summaries from host data and from stored summary sets are identical', () => {
  const { hosts, summaries } = stores();
  for (const text of SELECTORS) {
    for (const depth of [undefined, 1, 2, 7]) {
      const expected = hostsAnswer(hosts, text, depth);
      assert.ok(expected.length > 0 && expected.every((s) => s.points.length > 0), text);
      assert.deepEqual(summaryAnswer(summaries, text, depth), expected, `${text} depth ${depth}`);
    }
  }
});

test('summaries of several delegates for one OU merge exactly', () => {
  const { hosts, summaries } = stores({ delegate: (h) => `l1-${h % 3}` });
  assert.equal(new Set([...summaries.sets()].map((s) => s.set.host)).size, 3);
  for (const text of SELECTORS) {
    for (const depth of [undefined, 1]) {
      assert.deepEqual(
        summaryAnswer(summaries, text, depth),
        hostsAnswer(hosts, text, depth),
        text,
      );
    }
  }
});

test('an OU answer equals a brute-force reduction; depth 1 merges Lab:A and Lab:B into Lab', () => {
  const { summaries } = stores();
  const m = CPU.metrics.findIndex((d) => d.name === 'user');
  const points = TIMES.map((t) => {
    const vals = Array.from({ length: HOSTS }, (_, h) => valueOf(CPU, m, h, t)).filter(
      (v) => !Number.isNaN(v),
    );
    const sum = vals.reduce((a, v) => a + v, 0);
    return {
      timestampMs: t,
      count: vals.length,
      sum,
      min: Math.min(...vals),
      max: Math.max(...vals),
      avg: sum / vals.length,
    };
  });
  assert.ok(
    points.every((p) => p.count > 0 && p.count < HOSTS),
    'the fixture has NaNs here',
  );
  assert.deepEqual(summaryAnswer(summaries, 'Lab::*:cpu:user', 1), [
    { ou: 'Lab', metric: 'cpu:user', unit: '%', semantics: 'instant', points },
  ]);
  // The example of docs/summaries.md.
  const [doc] = summaryAnswer(summaries, 'Lab::*:cpu:user', 1, [TIMES[0], TIMES[0]]);
  assert.deepEqual(doc?.points[0], {
    timestampMs: 10_000,
    count: 18,
    sum: 104.75,
    min: -2.5,
    max: 12.75,
    avg: 104.75 / 18,
  });
  const byOu = summaryAnswer(summaries, 'Lab::*:cpu:user');
  assert.deepEqual(
    byOu.map((s) => s.ou),
    ['Lab:A', 'Lab:B'],
  );
  const counts = byOu.map((s) => s.points.map((p) => p.count));
  assert.deepEqual(
    counts[0]!.map((c, i) => c + counts[1]![i]!),
    points.map((p) => p.count),
  );
});

test('a timestamp where no host reported a number has no point', () => {
  const { hosts, summaries } = stores();
  for (const answer of [
    hostsAnswer(hosts, 'Lab::*:mem:temp'),
    summaryAnswer(summaries, 'Lab::*:mem:temp'),
  ]) {
    for (const s of answer)
      assert.deepEqual(
        s.points.map((p) => p.timestampMs),
        [TIMES[0], TIMES[2]],
      );
  }
});

test('selectors filter OUs, groups and metrics; strings and _hosts never answer', () => {
  const { hosts, summaries } = stores();
  const key = (a: SummarySeries[]): string[] => a.map((s) => `${s.ou} ${s.metric}`);
  assert.deepEqual(key(summaryAnswer(summaries, 'Lab:B::*:mem:free')), ['Lab:B mem:free']);
  assert.deepEqual(key(summaryAnswer(summaries, 'Lab::*:cpu:*', 1)), [
    'Lab cpu:ctxt',
    'Lab cpu:sys',
    'Lab cpu:user',
  ]);
  const byRegex = summarizeSummaries(
    summaries.sets(),
    parseSelector('', { ouRegex: 'Lab:A' }),
    ...ALL,
  );
  const expected = [
    'cpu:cpu0:user',
    'cpu:ctxt',
    'cpu:sys',
    'cpu:user',
    'mem:free',
    'mem:temp',
    'mem:total',
  ];
  assert.deepEqual(
    key(byRegex),
    expected.map((m) => `Lab:A ${m}`),
  );
  assert.deepEqual(
    key(summarizeHosts(hosts.sets(), parseSelector('', { ouRegex: 'Lab:A' }), ...ALL)),
    key(byRegex),
  );
  assert.deepEqual(summaryAnswer(summaries, 'Other::*:cpu:user'), []);
  // Each path reads only its own kind of set, even from a mixed iterable.
  const mixed = (): LiveSet[] => [...hosts.sets(), ...summaries.sets()];
  const sel = parseSelector('Lab::*:cpu:*');
  assert.deepEqual(summarizeHosts(mixed(), sel, ...ALL), hostsAnswer(hosts, 'Lab::*:cpu:*'));
  assert.deepEqual(
    summarizeSummaries(mixed(), sel, ...ALL),
    summaryAnswer(summaries, 'Lab::*:cpu:*'),
  );
  assert.deepEqual(summaryAnswer(hosts, 'Lab::*:cpu:*'), []);
});

test('the host token is ignored for summary sets, not for host data', () => {
  const { hosts, summaries } = stores();
  assert.deepEqual(
    summaryAnswer(summaries, 'Lab::node-3:cpu:user'),
    summaryAnswer(summaries, 'Lab::*:cpu:user'),
  );
  const one = hostsAnswer(hosts, 'Lab::node-3:cpu:user');
  assert.deepEqual(
    one.map((s) => s.ou),
    ['Lab:A'],
  );
  assert.ok(one[0]!.points.every((p) => p.count === 1));
});

test('the time range restricts points on both paths', () => {
  const { hosts, summaries } = stores();
  const range: [number, number] = [TIMES[1], TIMES[1]];
  const answer = summaryAnswer(summaries, 'Lab::*:cpu:*', 1, range);
  assert.ok(answer.every((s) => s.points.length === 1 && s.points[0]!.timestampMs === TIMES[1]));
  assert.deepEqual(answer, hostsAnswer(hosts, 'Lab::*:cpu:*', 1, range));
});

test('mergeSummarySeries combines own host data with summaries from children', () => {
  const own = stores({ include: (h) => h < 10 }).hosts;
  const child = stores({ include: (h) => h >= 10 }).summaries;
  const all = stores().hosts;
  for (const depth of [1, undefined]) {
    const a = hostsAnswer(own, 'Lab::*:*:*', depth);
    const b = summaryAnswer(child, 'Lab::*:*:*', depth);
    const before = JSON.stringify([a, b]);
    assert.deepEqual(mergeSummarySeries(a, b), hostsAnswer(all, 'Lab::*:*:*', depth));
    assert.equal(JSON.stringify([a, b]), before, 'inputs are not modified');
  }
  assert.deepEqual(mergeSummarySeries([], []), []);
});

test('hostCounts adds the delegates of one OU and filters by OU prefix', () => {
  const split = stores({ delegate: (h) => `l1-${h % 2}` }).summaries;
  assert.deepEqual(hostCounts(split.sets()), [
    { ou: 'Lab:A', up: 9, down: 1, timestampMs: TIMES[2] },
    { ou: 'Lab:B', up: 10, down: 0, timestampMs: TIMES[2] },
  ]);
  assert.deepEqual(
    hostCounts(split.sets(), ['Lab', 'B']).map((c) => c.ou),
    ['Lab:B'],
  );
  assert.deepEqual(hostCounts(split.sets(), ['Lab', 'C']), []);
  assert.deepEqual(hostCounts(stores().hosts.sets()), [], 'host data has no _hosts sets');
});

test('anyHostSelector replaces only the host token, even next to regex tokens', () => {
  const cases: [string, string][] = [
    ['Lab::node-1:cpu:user', 'Lab::*:cpu:user'],
    ['/a::b/:X::/n[:/]1/:cpu:user', '/a::b/:X::*:cpu:user'],
    ['World:**:B::mm{1,2}:cpu:{user,sys}{job="x"}', 'World:**:B::*:cpu:{user,sys}{job="x"}'],
    ['{job="x"}', '{job="x"}'],
  ];
  for (const [input, output] of cases)
    assert.equal(anyHostSelector(parseSelector(input)).toString(), output);
  const opts = anyHostSelector(parseSelector('', { ouRegex: 'Lab' }));
  assert.equal(opts.toString(), '');
  assert.ok(opts.ouRegex?.test('Lab'));
  const kept = anyHostSelector(
    parseSelector('Lab::h:cpu:user', { hostMetricRegex: '.*:cpu:user' }),
  );
  assert.ok(kept.matches({ ous: ['Lab'], host: 'l1', groups: ['cpu'], metric: 'user' }));
  assert.ok(!kept.matches({ ous: ['Lab'], host: 'l1', groups: ['cpu'], metric: 'sys' }));
});
