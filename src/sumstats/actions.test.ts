import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, silentLogger } from '../common/index.js';
import { SumStatsActions } from './actions.js';
import type { EpochResult, SumStatsEvent, ThresholdCrossing } from './events.js';

const crossing = (i: number): ThresholdCrossing => ({
  sumstat: 'scan',
  key: `10.0.0.${i}`,
  value: 100 + i,
  threshold: 100,
  index: 0,
  epochStartMs: 0,
  atMs: i,
  global: false,
});

/** A webhook receiver on 127.0.0.1 answering with `status(n)` for the n-th request (from 0). */
async function receiver(status: (n: number) => number | 'hold') {
  const bodies: SumStatsEvent[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const n = bodies.length;
      bodies.push(JSON.parse(text) as SumStatsEvent);
      assert.equal(req.headers['content-type'], 'application/json');
      const s = status(n);
      if (s === 'hold') held.push(res);
      else res.writeHead(s).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret`;
  return {
    url,
    bodies,
    release: () => held.splice(0).forEach((r) => r.writeHead(200).end()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('webhook: retries on 500 with backoff, then delivers', async () => {
  const rx = await receiver((n) => (n < 2 ? 500 : 200));
  const actions = new SumStatsActions({ logger: silentLogger, webhooks: [rx.url], retryBaseMs: 1 });
  actions.crossing(crossing(1));
  await actions.idle();
  assert.equal(rx.bodies.length, 3);
  for (const b of rx.bodies) assert.deepEqual(b, { type: 'crossing', crossing: crossing(1) });
  assert.deepEqual(actions.stats(), {
    delivered: 1,
    retried: 2,
    failed: 0,
    dropped: 0,
    commandsRun: 0,
    commandsFailed: 0,
  });
  await actions.close();
  await rx.close();
});

test('webhook: gives up after the retry bound; a 4xx is not retried; secrets stay out of the log', async () => {
  const rx = await receiver((n) => (n < 3 ? 500 : 400));
  const lines: string[] = [];
  const actions = new SumStatsActions({
    logger: createLogger({ write: (l) => lines.push(l) }),
    webhooks: [rx.url],
    webhookRetries: 2,
    retryBaseMs: 1,
  });
  actions.crossing(crossing(1));
  await actions.idle();
  assert.equal(rx.bodies.length, 3, '1 attempt + 2 retries');
  actions.crossing(crossing(2));
  await actions.idle();
  assert.equal(rx.bodies.length, 4, 'HTTP 400: one attempt only');
  assert.equal(actions.stats().failed, 2);
  const giveUps = lines.filter((l) => l.includes('giving up'));
  assert.equal(giveUps.length, 2);
  assert.ok(
    giveUps.every((l) => !l.includes('secret')),
    'the query string is redacted',
  );
  await actions.close();
  await rx.close();
});

test('webhook: the queue is bounded, the oldest events are dropped, and crossing() never waits', async () => {
  const rx = await receiver(() => 'hold');
  const actions = new SumStatsActions({ logger: silentLogger, webhooks: [rx.url], maxQueue: 3 });
  for (let i = 0; i < 10; i++) actions.crossing(crossing(i));
  assert.equal(actions.stats().dropped, 6, 'one in flight, three queued, six dropped');
  while (rx.bodies.length < 4) {
    await new Promise((r) => setImmediate(r));
    rx.release();
  }
  await actions.idle();
  const keys = rx.bodies.map((b) => (b.type === 'crossing' ? b.crossing.key : ''));
  assert.deepEqual(keys, ['10.0.0.0', '10.0.0.7', '10.0.0.8', '10.0.0.9']);
  await actions.close();
  await rx.close();
});

test('close() waits for the POST in flight and drops what is queued', async () => {
  const rx = await receiver(() => 'hold');
  const actions = new SumStatsActions({ logger: silentLogger, webhooks: [rx.url] });
  actions.crossing(crossing(1));
  actions.crossing(crossing(2));
  while (rx.bodies.length < 1) await new Promise((r) => setImmediate(r));
  let closed = false;
  const closing = actions.close().then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'still waiting for the request in flight');
  rx.release();
  await closing;
  assert.equal(rx.bodies.length, 1);
  actions.crossing(crossing(3));
  assert.equal(actions.recent().crossings.length, 3, 'recent() still records after close');
  await rx.close();
});

test('command: gets the event JSON on stdin; failures and timeouts are counted, not thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-actions-'));
  const file = join(dir, 'event.json');
  const ok = new SumStatsActions({ logger: silentLogger, commands: [`cat > '${file}'`] });
  ok.crossing(crossing(7));
  await ok.idle();
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
    type: 'crossing',
    crossing: crossing(7),
  });
  const epoch: EpochResult = {
    sumstat: 'scan',
    epochStartMs: 0,
    epochEndMs: 60_000,
    keys: new Map([['10.0.0.1', { ports: { count: 3, capped: false, values: ['1', '2', '3'] } }]]),
    complete: true,
    missing: [],
  };
  ok.epoch(epoch);
  await ok.idle();
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
    type: 'epoch',
    epoch: {
      sumstat: 'scan',
      epochStartMs: 0,
      epochEndMs: 60_000,
      complete: true,
      missing: [],
      totalKeys: 1,
      truncated: false,
      keys: { '10.0.0.1': { ports: { count: 3, capped: false, values: ['1', '2', '3'] } } },
    },
  });
  assert.deepEqual(ok.stats().commandsRun, 2);
  const bad = new SumStatsActions({
    logger: silentLogger,
    commands: ['exit 3', 'sleep 30'],
    commandTimeoutMs: 50,
    commandConcurrency: 1,
  });
  bad.crossing(crossing(1));
  await bad.idle();
  assert.deepEqual([bad.stats().commandsRun, bad.stats().commandsFailed], [2, 2]);
  await Promise.all([ok.close(), bad.close()]);
});

test('recent() keeps the newest events; bad action config is refused', () => {
  const actions = new SumStatsActions({ logger: silentLogger, keepEvents: 2 });
  for (let i = 0; i < 5; i++) actions.crossing(crossing(i));
  assert.deepEqual(
    actions.recent().crossings.map((c) => c.key),
    ['10.0.0.3', '10.0.0.4'],
  );
  assert.throws(() => new SumStatsActions({ logger: silentLogger, webhooks: ['ftp://x'] }), {
    code: 'CANOPY_ERR_SUMSTATS_ACTION',
    message: /^webhooks\[0\]: /,
  });
  assert.throws(() => new SumStatsActions({ logger: silentLogger, commands: [' '] }), {
    code: 'CANOPY_ERR_SUMSTATS_ACTION',
  });
});
