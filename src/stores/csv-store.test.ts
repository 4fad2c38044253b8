import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock, silentLogger } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { CsvStore } from './csv-store.js';

const cpu: SetInstance = {
  ous: ['Lab', 'A'],
  host: 'node-1',
  groups: ['cpu'],
  schema: {
    name: 'cpu',
    metrics: [
      { name: 'user', type: 'u64', unit: 'ticks', semantics: 'counter', description: '' },
      { name: 'load', type: 'f64', unit: '', semantics: 'instant', description: '' },
      { name: 'state', type: 'string', unit: '', semantics: 'discrete', description: '' },
    ],
  },
};
const t0 = Date.UTC(2026, 10, 23, 23, 59, 58);

test('rows under a header with units, strings quoted, one file per schema layout and day', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-csv-'));
  const store = new CsvStore({
    dir,
    clock: new ManualClock(t0),
    logger: silentLogger,
    schemas: /^cpu$/,
  });
  store.write([
    {
      set: cpu,
      sample: {
        timestampMs: t0,
        values: Float64Array.of(10, 0.25, NaN),
        strings: [undefined, undefined, 'ok, "fine"'],
      },
    },
    {
      set: cpu,
      sample: {
        timestampMs: t0 + 1000,
        values: Float64Array.of(12, -0, NaN),
        strings: [undefined, undefined, 'R'],
      },
    },
    // Next day: a new file.
    {
      set: cpu,
      sample: {
        timestampMs: t0 + 3000,
        values: Float64Array.of(15, 1e21, NaN),
        strings: [undefined, undefined, 'S'],
      },
    },
  ]);
  const other = { ...cpu, schema: { ...cpu.schema, name: 'meminfo' } };
  assert.equal(store.accepts(other), false);
  await store.close();
  const files = readdirSync(join(dir, 'cpu')).sort();
  assert.equal(files.length, 2, files.join(','));
  const day1 = readFileSync(join(dir, 'cpu', files[0]!), 'utf8').split('\n');
  assert.equal(day1[0], 'timestamp_ms,time,ou,host,groups,user (ticks),load,state');
  assert.equal(day1[1], `${t0},2026-11-23T23:59:58.000Z,Lab:A,node-1,cpu,10,0.25,"ok, ""fine"""`);
  assert.equal(day1[2], `${t0 + 1000},2026-11-23T23:59:59.000Z,Lab:A,node-1,cpu,12,0,R`);
  const day2 = readFileSync(join(dir, 'cpu', files[1]!), 'utf8').split('\n');
  assert.equal(day2[0], day1[0], 'each file starts with the header');
  assert.match(day2[1]!, /,15,1e\+21,S$/);
});

test('a changed layout of the same schema goes to a file of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-csv-'));
  const store = new CsvStore({ dir, clock: new ManualClock(t0), logger: silentLogger });
  const wider = {
    ...cpu,
    schema: {
      ...cpu.schema,
      metrics: [
        ...cpu.schema.metrics,
        {
          name: 'sys',
          type: 'u64' as const,
          unit: 'ticks',
          semantics: 'counter' as const,
          description: '',
        },
      ],
    },
  };
  store.write([
    {
      set: cpu,
      sample: {
        timestampMs: t0,
        values: Float64Array.of(1, 2, NaN),
        strings: [undefined, undefined, 'a'],
      },
    },
  ]);
  store.write([
    {
      set: wider,
      sample: {
        timestampMs: t0 + 1,
        values: Float64Array.of(1, 2, NaN, 4),
        strings: [undefined, undefined, 'a', undefined],
      },
    },
  ]);
  await store.close();
  const files = readdirSync(join(dir, 'cpu'));
  assert.equal(files.length, 2);
  const headers = files.map((f) => readFileSync(join(dir, 'cpu', f), 'utf8').split('\n')[0]).sort();
  assert.deepEqual(headers, [
    'timestamp_ms,time,ou,host,groups,user (ticks),load,state',
    'timestamp_ms,time,ou,host,groups,user (ticks),load,state,sys (ticks)',
  ]);
});
