import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLogger, systemClock } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import type { JsonValue } from '../protocol/index.js';
import { IngestServer } from './ingest-server.js';
import { PullLink } from './pull-link.js';
import type { ReceivedSample } from './receiver-session.js';
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
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await sleep(5);
  assert.ok(ok(), `timed out waiting for ${what}`);
}

/** A producer: uplinks served to pullers through a listener. */
async function producer(logs: string[]): Promise<{ uplinks: Uplinks; port: number }> {
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const uplinks = new Uplinks({
    name: 'prod',
    role: 'sampler',
    auth: { mode: 'none' },
    clock: systemClock,
    logger,
    bufferBytes: 1 << 20,
  });
  const server = new IngestServer({
    name: 'prod',
    host: '127.0.0.1',
    port: 0,
    auth: { mode: 'none' },
    logger,
    uplinks,
    onSamples: () => undefined,
  });
  const { port } = await server.listen();
  closers.push(
    () => server.close(),
    () => uplinks.close(),
  );
  return { uplinks, port };
}

function puller(
  port: number,
  name: string,
  onSamples: (s: ReceivedSample[]) => void | Promise<void>,
  extra: { takeover?: () => string[]; onConnected?: (send: (b: JsonValue) => void) => void } = {},
): PullLink {
  const link = new PullLink({
    host: '127.0.0.1',
    port,
    name,
    auth: { mode: 'none' },
    mode: 'full',
    clock: systemClock,
    logger: createLogger({ write: () => undefined }),
    backoff: { initialMs: 10, maxMs: 50 },
    onSamples: (_peer, s) => onSamples(s),
    ...extra,
  });
  closers.push(() => link.close());
  return link;
}

const offer = (u: Uplinks, from: number, to: number): void => {
  for (let t = from; t <= to; t++)
    u.offer('full', set, { timestampMs: t, values: Float64Array.of(t), strings: null });
  u.kick();
};
const uplink = (u: Uplinks, name: string) => u.stats().find((s) => s.name === name);

test('a puller taking over gets exactly what its predecessor left unacknowledged, then new samples, once and in order', async () => {
  const logs: string[] = [];
  const { uplinks, port } = await producer(logs);
  const gotA: number[] = [];
  let aCrashed = false;
  const a = puller(port, 'agg-a', (samples) => {
    // After its "crash" A still reads frames but never stores (so never acknowledges) them.
    if (aCrashed) return new Promise<void>(() => undefined);
    for (const s of samples) gotA.push(s.sample.timestampMs);
    return undefined;
  });
  a.start();
  await waitFor('A subscribed', () => uplink(uplinks, 'pull:agg-a:full')?.connected === true);
  offer(uplinks, 1, 10);
  await waitFor(
    'A acknowledged 1..10',
    () => uplink(uplinks, 'pull:agg-a:full')?.buffer.ackedSamples === 10,
  );
  aCrashed = true;
  offer(uplinks, 11, 20);
  await waitFor('A read 11..20', () => a.stats().samplesIn === 20);
  a.close();
  await waitFor('A gone', () => uplink(uplinks, 'pull:agg-a:full')?.connected === false);
  offer(uplinks, 21, 25); // produced while nobody pulls
  assert.equal(uplink(uplinks, 'pull:agg-a:full')?.buffer.samples, 15);

  const gotB: number[] = [];
  const b = puller(
    port,
    'agg-b',
    (samples) => void gotB.push(...samples.map((s) => s.sample.timestampMs)),
    {
      takeover: () => ['agg-a', 'ghost'],
    },
  );
  b.start();
  await waitFor('B received the gap', () => gotB.length >= 15);
  offer(uplinks, 26, 30);
  await waitFor('B received new samples', () => gotB.length >= 20);
  await sleep(20);

  assert.deepEqual(gotA, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(
    gotB,
    Array.from({ length: 20 }, (_, i) => 11 + i),
  );
  assert.deepEqual(
    uplinks.stats().map((s) => s.name),
    ['pull:agg-b:full'],
    'the old puller and its stats are gone',
  );
  const parsed = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  const took = parsed.find((l) => l.msg === 'took over replay buffer');
  assert.equal(took?.moved, 15);
  assert.equal(took?.from, 'pull:agg-a:full');
  const ghost = parsed.find((l) => l.msg === 'takeover of an unknown puller ignored');
  assert.equal(ghost?.level, 'debug');
  assert.equal(ghost?.takeover, 'ghost');

  assert.equal(uplinks.dropPull('agg-b'), true);
  assert.deepEqual(uplinks.stats(), []);
  assert.equal(uplinks.dropPull('agg-b'), false);
});

test('a takeover that names only unknown pullers changes nothing', async () => {
  const { uplinks, port } = await producer([]);
  const got: number[] = [];
  const c = puller(port, 'agg-c', (s) => void got.push(...s.map((x) => x.sample.timestampMs)), {
    takeover: () => ['nobody'],
  });
  c.start();
  await waitFor('C subscribed', () => uplink(uplinks, 'pull:agg-c:full')?.connected === true);
  offer(uplinks, 1, 3);
  await waitFor('C received', () => got.length >= 3);
  assert.deepEqual(got, [1, 2, 3]);
  assert.deepEqual(
    uplinks.stats().map((s) => s.name),
    ['pull:agg-c:full'],
  );
});

test('PullLink sends control messages on connect (onConnected) and on demand (sendControl)', async () => {
  const bodies: unknown[] = [];
  const server = new IngestServer({
    name: 'prod',
    host: '127.0.0.1',
    port: 0,
    auth: { mode: 'none' },
    logger: createLogger({ write: () => undefined }),
    uplinks: new Uplinks({
      name: 'prod',
      role: 'sampler',
      auth: { mode: 'none' },
      clock: systemClock,
      logger: createLogger({ write: () => undefined }),
      bufferBytes: 1 << 16,
    }),
    onSamples: () => undefined,
    onControl: (_peer, body) => void bodies.push(body),
  });
  const { port } = await server.listen();
  closers.push(() => server.close());
  let connects = 0;
  const link = puller(port, 'agg', () => undefined, {
    onConnected: (send) => send({ op: 'hello-from', n: ++connects }),
  });
  assert.equal(link.sendControl({ op: 'early' }), false, 'not connected yet');
  link.start();
  await waitFor('greeting', () => bodies.length === 1);
  assert.equal(link.sendControl({ op: 'later' }), true);
  await waitFor('on-demand message', () => bodies.length === 2);
  assert.deepEqual(bodies, [{ op: 'hello-from', n: 1 }, { op: 'later' }]);
  link.close();
  assert.equal(link.sendControl({ op: 'after-close' }), false);
});
