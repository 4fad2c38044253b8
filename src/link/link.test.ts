import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { silentLogger, systemClock } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { IngestServer } from './ingest-server.js';
import { ReplayBuffer } from './replay-buffer.js';
import { UpstreamLink } from './upstream-link.js';

const set: SetInstance = {
  ous: ['Lab'],
  host: 'h1',
  groups: ['g'],
  schema: {
    name: 'g',
    metrics: [
      { name: 'a', type: 'u64', unit: '', semantics: 'counter', description: '' },
      { name: 'b', type: 'f64', unit: '', semantics: 'instant', description: '' },
    ],
  },
};

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('samples survive repeated connection cuts: nothing lost, replays only of unacknowledged frames', async () => {
  const received: number[] = [];
  const server = new IngestServer({
    name: 'agg',
    host: '127.0.0.1',
    port: 0,
    auth: { mode: 'secret', secret: 'a-test-secret-of-some-length' },
    logger: silentLogger,
    onSamples: (_peer, samples) => {
      for (const s of samples) received.push(s.sample.timestampMs);
    },
  });
  const { port } = await server.listen();
  closers.push(() => server.close());
  const proxy = new TcpProxy({ host: '127.0.0.1', port });
  await proxy.listen();
  closers.push(() => proxy.close());

  const buffer = new ReplayBuffer(1 << 24);
  const link = new UpstreamLink({
    host: '127.0.0.1',
    port: proxy.port,
    name: 'sampler-1',
    role: 'sampler',
    auth: { mode: 'secret', secret: 'a-test-secret-of-some-length' },
    buffer,
    clock: systemClock,
    logger: silentLogger,
    backoff: { initialMs: 10, maxMs: 50 },
    maxSetsPerFrame: 7,
  });
  closers.push(() => link.close());
  link.start();

  const produced: number[] = [];
  for (let i = 1; i <= 600; i++) {
    const t = 1_700_000_000_000 + i * 1000;
    produced.push(t);
    buffer.push(set, { timestampMs: t, values: new Float64Array([i * 17, i / 4]), strings: null });
    link.kick();
    if (i % 100 === 0) proxy.cutAll();
    if (i % 10 === 0) await sleep(2);
  }
  for (let i = 0; i < 500 && buffer.stats().samples > 0; i++) await sleep(10);

  assert.equal(buffer.stats().samples, 0, 'every sample was acknowledged in the end');
  assert.equal(buffer.stats().droppedSamples, 0);
  const distinct = [...new Set(received)].sort((a, b) => a - b);
  assert.deepEqual(distinct, produced, 'every produced sample reached the receiver');
  assert.ok(
    link.stats().connects >= 2,
    `reconnected after cuts (${link.stats().connects} connects)`,
  );
  // Anything received twice was in a frame the cut left unacknowledged.
  assert.ok(
    received.length - distinct.length <= 6 * 7 * 2,
    `bounded re-sends: ${received.length - distinct.length}`,
  );
});

test('a link with the wrong secret never delivers and keeps retrying without growing beyond its bound', async () => {
  let delivered = 0;
  const server = new IngestServer({
    name: 'agg',
    host: '127.0.0.1',
    port: 0,
    auth: { mode: 'secret', secret: 'the-right-secret-0123456789' },
    logger: silentLogger,
    onSamples: (_p, s) => {
      delivered += s.length;
    },
  });
  const { port } = await server.listen();
  closers.push(() => server.close());
  const buffer = new ReplayBuffer(4096);
  const link = new UpstreamLink({
    host: '127.0.0.1',
    port,
    name: 'intruder',
    role: 'sampler',
    auth: { mode: 'secret', secret: 'the-wrong-secret-0123456789' },
    buffer,
    clock: systemClock,
    logger: silentLogger,
    backoff: { initialMs: 5, maxMs: 20 },
  });
  closers.push(() => link.close());
  link.start();
  for (let i = 0; i < 200; i++)
    buffer.push(set, { timestampMs: i, values: new Float64Array([i, i]), strings: null });
  await sleep(300);
  assert.equal(delivered, 0);
  assert.ok(server.stats().rejectedTotal >= 2, 'the server refused repeated attempts');
  assert.ok(buffer.stats().bytes <= 4096);
  assert.ok(buffer.stats().droppedSamples > 0);
  assert.match(link.stats().lastError ?? '', /auth/i);
});
