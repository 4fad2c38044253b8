import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLogger, silentLogger, systemClock } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { IngestServer } from './ingest-server.js';
import { Uplinks } from './uplinks.js';

const set: SetInstance = {
  ous: ['Lab'],
  host: 'h',
  groups: ['g'],
  schema: {
    name: 'g',
    metrics: [{ name: 'v', type: 'f64', unit: '', semantics: 'instant', description: '' }],
  },
};
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a stalled upper node cannot grow the buffer: overflow is dropped oldest-first, counted and logged', async () => {
  let received = 0;
  const stalled = new IngestServer({
    name: 'slow-upper',
    host: '127.0.0.1',
    port: 0,
    auth: { mode: 'none' },
    logger: silentLogger,
    // Stores never complete, so nothing is ever acknowledged.
    onSamples: (_p, s) => {
      received += s.length;
      return new Promise<void>(() => undefined);
    },
  });
  const { port } = await stalled.listen();
  closers.push(() => stalled.close());
  const logs: string[] = [];
  const uplinks = new Uplinks({
    name: 'lower',
    role: 'aggregator',
    auth: { mode: 'none' },
    clock: systemClock,
    logger: createLogger({ write: (line) => logs.push(line) }),
    bufferBytes: 64 * 1024,
  });
  closers.push(() => uplinks.close());
  uplinks.addPush({ host: '127.0.0.1', port, mode: 'full' });
  uplinks.start();
  for (let i = 0; i < 20_000; i++) {
    uplinks.offer('full', set, { timestampMs: i, values: Float64Array.of(i), strings: null });
    if (i % 1000 === 0) {
      uplinks.kick();
      await sleep(5);
    }
  }
  const [u] = uplinks.stats();
  assert.ok(u);
  assert.ok(u.buffer.bytes <= 64 * 1024, `buffer ${u.buffer.bytes} B within its bound`);
  assert.ok(u.buffer.droppedSamples > 10_000, `${u.buffer.droppedSamples} dropped`);
  assert.equal(
    u.buffer.samples + u.buffer.droppedSamples,
    20_000,
    'every sample is either held or counted as dropped',
  );
  assert.ok(received > 0, 'the upper node was reached');
  const warn = logs
    .map((l) => JSON.parse(l) as { msg: string; droppedTotal?: number })
    .find((l) => l.msg.startsWith('replay buffer full'));
  assert.ok(warn, 'overflow was logged');
  assert.ok((warn.droppedTotal ?? 0) > 0);
});

test('offers go only to uplinks of the matching mode', () => {
  const uplinks = new Uplinks({
    name: 'n',
    role: 'aggregator',
    auth: { mode: 'none' },
    clock: systemClock,
    logger: silentLogger,
    bufferBytes: 1 << 20,
  });
  uplinks.addPush({ host: '127.0.0.1', port: 9, mode: 'summary' });
  assert.equal(uplinks.wants('summary'), true);
  assert.equal(uplinks.wants('full'), false);
  uplinks.offer('full', set, { timestampMs: 1, values: Float64Array.of(1), strings: null });
  assert.equal(uplinks.stats()[0]?.buffer.samples, 0);
  uplinks.offer('summary', set, { timestampMs: 1, values: Float64Array.of(1), strings: null });
  assert.equal(uplinks.stats()[0]?.buffer.samples, 1);
});
