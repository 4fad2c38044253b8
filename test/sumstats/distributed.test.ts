import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Child } from './support.js';

const children: Child[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function start(
  epochMs: number,
  drainTimeoutMs: number,
): Promise<{ manager: Child; workers: Child[] }> {
  const manager = new Child('./manager-proc.js', { name: 'mgr', epochMs, drainTimeoutMs });
  children.push(manager);
  const { port } = await manager.waitFor((l) => l.ev === 'listening', 10_000, 'manager listening');
  const workers = Array.from({ length: 4 }, (_, i) => {
    const w = new Child('./worker-proc.js', { name: `w${i}`, port, manager: 'mgr' });
    children.push(w);
    return w;
  });
  await Promise.all(workers.map((w) => w.waitFor((l) => l.ev === 'ready', 10_000, 'worker ready')));
  return { manager, workers };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Stay clear of a wall-clock epoch boundary, so one test's observations share an epoch. */
async function awayFromBoundary(epochMs: number, marginMs: number): Promise<void> {
  const into = Date.now() % epochMs;
  if (into > epochMs - marginMs) await sleep(epochMs - into + 50);
}

test('4 worker processes: a scan spread over them crosses globally, benign sources do not', async () => {
  const epochMs = 60_000;
  const { manager, workers } = await start(epochMs, 5000);
  await awayFromBoundary(epochMs, 15_000);
  // Benign: 20 sources with 90 ports each (≈22 per worker: near notices, no crossing).
  for (let s = 0; s < 20; s++)
    for (let p = 0; p < 90; p++) workers[p % 4]!.send({ k: `benign${s}`, p: String(p) });
  // The scanner: ports 0–98 round-robin (≈25 per worker), none crosses alone.
  for (let p = 0; p < 99; p++) workers[p % 4]!.send({ k: 'scanner', p: String(p) });
  await sleep(500);
  assert.equal(
    manager.lines.filter((l) => l.ev === 'crossing').length,
    0,
    '99 ports: no crossing yet',
  );
  const sentMs = Date.now();
  workers[99 % 4]!.send({ k: 'scanner', p: '99' }); // the 100th distinct port
  const c = await manager.waitFor((l) => l.ev === 'crossing', 10_000, 'crossing');
  const latencyMs = c.seenMs - sentMs;
  console.log(`# crossing latency (observation → event, 4 worker processes): ${latencyMs} ms`);
  assert.equal(c['key'], 'scanner');
  assert.equal(c['global'], true);
  assert.ok(latencyMs < epochMs, 'well before the epoch ended');
  for (let p = 100; p < 150; p++) workers[p % 4]!.send({ k: 'scanner', p: String(p) });
  await sleep(300);
  const crossings = manager.lines.filter((l) => l.ev === 'crossing');
  assert.deepEqual(
    crossings.map((l) => l['key']),
    ['scanner'],
    'one crossing, for the scanner only',
  );
  for (const ch of [manager, ...workers]) ch.kill();
});

test('kill -9 of a worker mid-epoch makes the epoch result incomplete and names it', async () => {
  const epochMs = 2000;
  const { manager, workers } = await start(epochMs, 500);
  await awayFromBoundary(epochMs, 800);
  for (let p = 0; p < 40; p++) workers[p % 4]!.send({ k: 'scanner', p: String(p) });
  await sleep(100);
  const killedMs = Date.now();
  workers[2]!.kill('SIGKILL');
  const r = await manager.waitFor(
    (l) => l.ev === 'epoch' && (l['epochEndMs'] as number) > killedMs,
    3 * epochMs + 2000,
    'epoch after the kill',
  );
  console.log(`# epoch after kill -9: ${JSON.stringify(r)}`);
  assert.equal(r['complete'], false);
  assert.deepEqual(r['missing'], ['w2']);
  assert.equal(r['scanner'], 30, 'the three live workers’ ports are merged');
  for (const ch of [manager, ...workers]) ch.kill();
});
