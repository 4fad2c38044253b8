import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLogger, ManualClock, silentLogger } from '../common/index.js';
import { runContract } from './contract-test-support.js';
import type { ContractHarness } from './contract-test-support.js';
import { EmbeddedCoord } from './embedded-coord.js';
import type { EmbeddedLease } from './embedded-lease.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import type { CoordStore, Lease, WatchEvent } from './types.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'canopy-coord-'));
}

function embeddedHarness(name: string, dir: string | undefined): ContractHarness {
  const clock = new ManualClock(1_000_000);
  return {
    name,
    open: () => EmbeddedCoord.open({ dir, clock, logger: silentLogger }),
    advance: async (ms) => {
      // Small steps, like real time: keep-alive timers get to run in between.
      for (let t = 0; t < ms; t += 100) clock.advance(Math.min(100, ms - t));
    },
    release: (lease: Lease) => (lease as EmbeddedLease).release(),
    revokeById: (store: CoordStore, id: string) => (store as EmbeddedCoord).revokeLease(id),
    ttlMs: 1000,
    waitMs: 2000,
    cleanup: async () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

runContract(embeddedHarness('embedded in memory', undefined));
runContract(embeddedHarness('embedded on disk', tempDir()));

function isCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => err instanceof CoordError && err.code === code;
}

describe('EmbeddedCoord on disk', () => {
  test('a restart keeps data and revision, and drops the keys of leases', async () => {
    const dir = tempDir();
    const clock = new ManualClock(0);
    const a = await EmbeddedCoord.open({ dir, clock, logger: silentLogger });
    await a.put('/cfg/x', '1');
    await a.put('/cfg/y', '2');
    await a.delete('/cfg/y');
    const lease = await a.grantLease(5000);
    await a.put('/members/m1', 'up', { lease });
    await a.put('/cfg/x', '3');
    const rev = await a.revision();
    await a.close();

    const b = await EmbeddedCoord.open({ dir, clock, logger: silentLogger });
    assert.deepEqual(await b.get('/cfg/x'), {
      key: '/cfg/x',
      value: '3',
      modRevision: rev,
      createRevision: 2,
      lease: undefined,
    });
    assert.equal(await b.get('/cfg/y'), undefined);
    assert.equal(await b.get('/members/m1'), undefined, 'lease keys die with the process');
    assert.equal(await b.revision(), rev + 1, 'dropping the lease keys is one new revision');
    const events: WatchEvent[] = [];
    const w = await b.watch('/', (e) => events.push(e), { afterRevision: rev - 1 });
    await b.put('/cfg/z', 'after');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      events.map((e) => [e.type, e.key, e.modRevision]),
      [
        ['put', '/cfg/x', rev],
        ['delete', '/members/m1', rev + 1],
        ['put', '/cfg/z', rev + 2],
      ],
    );
    await w.close();
    await b.close();
    rmSync(dir, { recursive: true });
  });

  test('snapshots compact the log and a restart reads snapshot plus log', async () => {
    const dir = tempDir();
    const a = await EmbeddedCoord.open({ dir, logger: silentLogger, snapshotEveryRecords: 4 });
    for (let i = 0; i < 10; i++) await a.put(`/k/${i % 3}`, `v${i}`);
    await a.snapshot();
    assert.equal(readFileSync(join(dir, 'coord.log'), 'utf8'), '', 'log emptied by the snapshot');
    await a.put('/k/after', 'x');
    const list = await a.list('/k/');
    const rev = await a.revision();
    await a.close();
    const b = await EmbeddedCoord.open({ dir, logger: silentLogger });
    assert.deepEqual(await b.list('/k/'), list);
    assert.equal(await b.revision(), rev);
    await assert.rejects(
      b.watch('/k/', () => undefined, { afterRevision: 3 }),
      isCode(COORD_ERROR_CODES.compacted),
    );
    await b.close();
    rmSync(dir, { recursive: true });
  });

  test('records already inside the snapshot (crash before the log was emptied) are skipped', async () => {
    const dir = tempDir();
    const a = await EmbeddedCoord.open({ dir, logger: silentLogger });
    await a.put('/a', '1');
    await a.put('/b', '2');
    const logBefore = readFileSync(join(dir, 'coord.log'));
    await a.snapshot();
    await a.put('/c', '3');
    await a.close();
    // The state right after the rename: old records still in front of the new one.
    writeFileSync(
      join(dir, 'coord.log'),
      Buffer.concat([logBefore, readFileSync(join(dir, 'coord.log'))]),
    );
    const b = await EmbeddedCoord.open({ dir, logger: silentLogger });
    assert.deepEqual(
      (await b.list('/')).map((k) => [k.key, k.value]),
      [
        ['/a', '1'],
        ['/b', '2'],
        ['/c', '3'],
      ],
    );
    assert.equal(await b.revision(), 4);
    await b.close();
    rmSync(dir, { recursive: true });
  });

  test('a torn last line is cut with a warning; everything before it is kept', async () => {
    const dir = tempDir();
    const a = await EmbeddedCoord.open({ dir, logger: silentLogger });
    await a.put('/a', '1');
    await a.put('/b', '2');
    await a.close();
    const whole = readFileSync(join(dir, 'coord.log'));
    appendFileSync(join(dir, 'coord.log'), '{"rev":4,"ops":[{"put":"/c","val');
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => warnings.push(line) });
    const b = await EmbeddedCoord.open({ dir, logger });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /torn last line/);
    assert.deepEqual(
      readFileSync(join(dir, 'coord.log')),
      whole,
      'file cut back to the last whole line',
    );
    assert.deepEqual(
      (await b.list('/')).map((k) => k.key),
      ['/a', '/b'],
    );
    assert.equal(await b.put('/c', '3'), 4);
    await b.close();
    const c = await EmbeddedCoord.open({ dir, logger: silentLogger });
    assert.equal((await c.get('/c'))?.value, '3');
    await c.close();
    rmSync(dir, { recursive: true });
  });

  test('damage before the last line is refused, not dropped', async () => {
    const dir = tempDir();
    const a = await EmbeddedCoord.open({ dir, logger: silentLogger });
    await a.put('/a', '1');
    await a.put('/b', '2');
    await a.close();
    const lines = readFileSync(join(dir, 'coord.log'), 'utf8').split('\n');
    writeFileSync(
      join(dir, 'coord.log'),
      ['{"rev":2,"ops":[{"put":"/a"', ...lines.slice(1)].join('\n'),
    );
    await assert.rejects(
      EmbeddedCoord.open({ dir, logger: silentLogger }),
      (err: unknown) =>
        isCode(COORD_ERROR_CODES.corrupt)(err) && /coord\.log:1/.test((err as Error).message),
    );
    writeFileSync(join(dir, 'coord.snapshot'), '{"format":"something-else"}');
    await assert.rejects(
      EmbeddedCoord.open({ dir, logger: silentLogger }),
      isCode(COORD_ERROR_CODES.corrupt),
    );
    rmSync(dir, { recursive: true });
  });

  test('the directory is locked: same process, another live process, stale pid taken over', async () => {
    const dir = tempDir();
    const a = await EmbeddedCoord.open({ dir, logger: silentLogger });
    await assert.rejects(
      EmbeddedCoord.open({ dir, logger: silentLogger }),
      (err: unknown) =>
        isCode(COORD_ERROR_CODES.locked)(err) &&
        (err as Error).message.includes(String(process.pid)),
    );
    const script = `import('${new URL('./index.js', import.meta.url).href}').then(({ EmbeddedCoord }) =>
      EmbeddedCoord.open({ dir: ${JSON.stringify(dir)} }).then(() => console.log('opened'), (e) => console.log(e.code + ' ' + e.message)))`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.match(child.stdout, new RegExp(`^${COORD_ERROR_CODES.locked} .*process ${process.pid}`));
    await a.close();

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'LOCK'), `${dead.stdout}\n`);
    const b = await EmbeddedCoord.open({ dir, logger: silentLogger });
    assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8').trim(), String(process.pid));
    await b.close();
    rmSync(dir, { recursive: true });
  });
});

describe('EmbeddedCoord leases and watches', () => {
  test('a released lease expires exactly at its TTL on the injected clock', async () => {
    const clock = new ManualClock(0);
    const store = await EmbeddedCoord.open({ dir: undefined, clock, logger: silentLogger });
    const lease = (await store.grantLease(3000)) as EmbeddedLease;
    await store.put('/m', 'up', { lease });
    clock.advance(30_000);
    assert.equal((await store.get('/m'))?.value, 'up', 'a kept-alive lease never expires');
    lease.release();
    clock.advance(2000);
    assert.equal((await store.get('/m'))?.value, 'up');
    clock.advance(1500);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await store.get('/m'), undefined);
    assert.equal(lease.alive, false);
    await store.close();
  });

  test('watch history is bounded: replay from before it is refused as compacted', async () => {
    const store = await EmbeddedCoord.open({
      dir: undefined,
      historyLimit: 3,
      logger: silentLogger,
    });
    for (let i = 0; i < 6; i++) await store.put('/k', String(i));
    await assert.rejects(
      store.watch('/', () => undefined, { afterRevision: 2 }),
      isCode(COORD_ERROR_CODES.compacted),
    );
    const events: WatchEvent[] = [];
    await store.watch('/', (e) => events.push(e), { afterRevision: 4 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      events.map((e) => e.modRevision),
      [5, 6, 7],
    );
    await store.close();
  });

  test('a closed store refuses calls; a lease from another store is refused', async () => {
    const one = await EmbeddedCoord.open({ dir: undefined, logger: silentLogger });
    const two = await EmbeddedCoord.open({ dir: undefined, logger: silentLogger });
    const lease = await two.grantLease(1000);
    await assert.rejects(one.put('/k', 'v', { lease }), isCode(COORD_ERROR_CODES.invalidArgument));
    await one.close();
    await assert.rejects(one.get('/k'), isCode(COORD_ERROR_CODES.closed));
    await two.close();
  });
});
