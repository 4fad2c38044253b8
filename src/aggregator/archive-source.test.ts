import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSelector } from '../model/index.js';
import type { SetInstance } from '../model/index.js';
import { archiveRefs, combineRefs, unionPoints } from './archive-source.js';
import type { ArchiveQueryable } from './archive-source.js';

const set: SetInstance = {
  ous: ['Lab'],
  host: 'h1',
  groups: ['g'],
  schema: {
    name: 'g',
    metrics: [
      { name: 'temp', type: 'f64', unit: 'C', semantics: 'instant', description: '' },
      { name: 'bytes', type: 'u64', unit: 'B', semantics: 'counter', description: '' },
      { name: 'state', type: 'string', unit: '', semantics: 'discrete', description: '' },
    ],
  },
};

/** A small archive double: raw points per metric, and one minute bucket per metric. */
const archive: ArchiveQueryable & { tierReads: number } = {
  tierReads: 0,
  sets: () => [{ key: 'k', set, firstMs: 0, lastMs: 180_000 }],
  range: (_key, metric, from, to) =>
    (metric === 0
      ? [
          [0, 20],
          [60_000, 22],
          [120_000, 24],
        ]
      : [
          [0, 100],
          [60_000, 700],
          [120_000, 1300],
        ]
    ).filter(([t]) => t! >= from && t! <= to) as [number, number][],
  rangeTier(_key, metric, from, to) {
    this.tierReads++;
    const rows = [{ t: 60_000, avg: metric === 0 ? 21 : 400, last: metric === 0 ? 22 : 700 }];
    return rows.filter((r) => r.t >= from && r.t <= to);
  },
};

test('archived numeric series matching a selector become query refs; strings are left out', () => {
  const refs = archiveRefs(archive, parseSelector('Lab::h1:g:*'));
  assert.deepEqual(
    refs.map((r) => [r.name.metric, r.unit, r.semantics]),
    [
      ['temp', 'C', 'instant'],
      ['bytes', 'B', 'counter'],
    ],
  );
  assert.deepEqual(refs[0]!.read(0, 60_000), [
    [0, 20],
    [60_000, 22],
  ]);
  assert.equal(
    archiveRefs(archive, parseSelector('Lab::h1:g:*'), 200_000, 300_000).length,
    0,
    'no overlap, no refs',
  );
});

test('a downsampled tier reads gauges as averages and counters as last values', () => {
  const [temp, bytes] = archiveRefs(
    archive,
    parseSelector('Lab::h1:g:*'),
    -Infinity,
    Infinity,
    '1m',
  );
  assert.deepEqual(temp!.read(0, 200_000), [[60_000, 21]]);
  assert.deepEqual(bytes!.read(0, 200_000), [[60_000, 700]]);
  assert.equal(archive.tierReads, 2);
});

test('history and live points merge by timestamp, one point per time', () => {
  assert.deepEqual(
    unionPoints(
      [
        [1, 10],
        [2, 20],
        [3, 30],
      ],
      [
        [3, 30],
        [4, 40],
      ],
    ),
    [
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ],
  );
  const live = archiveRefs(archive, parseSelector('Lab::h1:g:temp')).map((r) => ({
    ...r,
    read: () =>
      [
        [120_000, 24],
        [180_000, 26],
      ] as [number, number][],
  }));
  const [merged] = combineRefs(live, archiveRefs(archive, parseSelector('Lab::h1:g:temp')));
  assert.deepEqual(merged!.read(0, 200_000), [
    [0, 20],
    [60_000, 22],
    [120_000, 24],
    [180_000, 26],
  ]);
});
