import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as flushIo } from 'node:timers/promises';
import { ManualClock } from '../common/index.js';
import type { Clock, TimerHandle } from '../common/index.js';
import { AlignedScheduler } from './scheduler.js';
import type { AlignedSchedulerOptions } from './scheduler.js';

/** A manual clock whose timers fire `lateMs()` after they are due, like a busy event loop. */
class LateClock implements Clock {
  readonly inner: ManualClock;
  lateMs: (delayMs: number) => number;

  constructor(startMs: number, lateMs: (delayMs: number) => number) {
    this.inner = new ManualClock(startMs);
    this.lateMs = lateMs;
  }

  now(): number {
    return this.inner.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.inner.setTimeout(fn, delayMs + this.lateMs(delayMs));
  }
}

interface Recorded {
  slots: number[];
  starts: number[];
  errors: { err: Error; slotMs: number }[];
}

function scheduler(
  clock: Clock,
  options: Partial<AlignedSchedulerOptions> = {},
): { s: AlignedScheduler; rec: Recorded } {
  const rec: Recorded = { slots: [], starts: [], errors: [] };
  const s = new AlignedScheduler({
    clock,
    intervalMs: 1000,
    offsetMs: 200,
    tick: (slotMs) => {
      rec.slots.push(slotMs);
      rec.starts.push(clock.now());
    },
    onError: (err, slotMs) => rec.errors.push({ err, slotMs }),
    ...options,
  });
  return { s, rec };
}

/** Advance the manual clock in steps, letting tick promises settle between steps. */
async function run(clock: ManualClock, totalMs: number, stepMs = 100): Promise<void> {
  for (let t = 0; t < totalMs; t += stepMs) {
    clock.advance(Math.min(stepMs, totalMs - t));
    await flushIo();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('AlignedScheduler', () => {
  it('aligns the first and every later slot to k × interval + offset from any start time', async () => {
    for (const start of [
      1_700_000_000_000, 1_700_000_000_199, 1_700_000_000_200, 1_700_000_000_201, 1_700_000_000_999,
    ]) {
      const clock = new ManualClock(start);
      const { s, rec } = scheduler(clock);
      s.start();
      await run(clock, 3500);
      await s.shutdown();
      const first = Math.ceil((start - 200) / 1000) * 1000 + 200;
      assert.equal(rec.slots[0], first, `start ${start}`);
      assert.equal(rec.slots.length, Math.floor((start + 3500 - first) / 1000) + 1);
      rec.slots.forEach((slot, k) => assert.equal(slot, first + k * 1000));
      assert.equal(s.stats().lastLatenessMs, 0, 'the manual clock fires exactly on time');
    }
  });

  it("starts after a given slot, so a successor never repeats its predecessor's slot", async () => {
    const clock = new ManualClock(1_700_000_000_200); // exactly on a slot
    const plain = scheduler(clock);
    const successor = scheduler(clock);
    plain.s.start();
    successor.s.start(1_700_000_000_200);
    await run(clock, 2100);
    await plain.s.shutdown();
    await successor.s.shutdown();
    assert.deepEqual(plain.rec.slots, [1_700_000_000_200, 1_700_000_001_200, 1_700_000_002_200]);
    assert.deepEqual(successor.rec.slots, [1_700_000_001_200, 1_700_000_002_200]);
  });

  it('does not drift over a simulated hour even when every timer fires late', async () => {
    let n = 0;
    // Deterministic lateness 0..349 ms.
    const clock = new LateClock(1_700_000_000_000, () => (n++ * 7919) % 350);
    const { s, rec } = scheduler(clock);
    s.start();
    for (let i = 0; i < 3600 * 4; i++) {
      clock.inner.advance(250);
      await flushIo();
    }
    await s.shutdown();
    assert.ok(rec.slots.length >= 3599, `ticks: ${rec.slots.length}`);
    const first = rec.slots[0]!;
    rec.slots.forEach((slot, k) => {
      assert.equal(slot, first + k * 1000, `slot ${k}`);
      assert.equal(slot % 1000, 200);
      assert.ok(rec.starts[k]! - slot < 1000, 'started within its interval');
    });
    assert.equal(s.skippedTicks, 0);
    assert.ok(
      rec.starts.some((t, k) => t > rec.slots[k]!),
      'lateness was simulated',
    );
  });

  it('never overlaps: slots that come while a tick runs are skipped and counted', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    const slots: number[] = [];
    const { s, rec } = scheduler(clock, {
      timeoutMs: 2500,
      tick: async (slotMs) => {
        slots.push(slotMs);
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (slots.length === 1) await gate.promise;
        running--;
      },
    });
    s.start();
    await run(clock, 4000); // slots .200, 1.200, 2.200, 3.200: the first still runs
    assert.equal(slots.length, 1);
    assert.equal(s.skippedTicks, 3);
    assert.equal(s.stats().overruns, 1);
    assert.equal(rec.errors[0]?.err.name, 'SamplerError');
    assert.equal((rec.errors[0]?.err as { code?: string }).code, 'CANOPY_ERR_TICK_TIMEOUT');
    gate.resolve();
    await flushIo();
    await run(clock, 2000);
    await s.shutdown();
    assert.equal(maxRunning, 1);
    assert.deepEqual(slots.slice(1), [slots[0]! + 4000, slots[0]! + 5000]);
    assert.equal(s.stats().ticks, 3);
  });

  it('runs the latest due slot and counts the missed ones when the process was stalled', async () => {
    const clock = new LateClock(1_700_000_000_000, () => 0);
    // Tick timeouts are 5 s, so the 1 s timers are the slot timers.
    const { s, rec } = scheduler(clock, { timeoutMs: 5000 });
    s.start();
    let stall = 2600; // the next slot timer fires 2.6 intervals late, later ones on time
    clock.lateMs = (delayMs) => {
      if (delayMs !== 1000) return 0;
      const late = stall;
      stall = 0;
      return late;
    };
    await run(clock.inner, 5000);
    await s.shutdown();
    assert.deepEqual(
      rec.slots.map((t) => t - 1_700_000_000_000),
      [200, 3200, 4200],
      'after waking at 3.800 it runs the 3.200 slot, not the stale 1.200',
    );
    assert.equal(s.skippedTicks, 2, '1.200 and 2.200 never ran');
    assert.equal(rec.starts[1]! - rec.slots[1]!, 600);
  });

  it('changes interval and offset at runtime from the next slot', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const { s, rec } = scheduler(clock);
    s.start();
    await run(clock, 2100); // slots .200 and 1.200 ran
    s.setSchedule(500, 50);
    assert.equal(s.nextSlotMs, 1_700_000_002_550);
    await run(clock, 1500);
    await s.shutdown();
    assert.deepEqual(
      rec.slots.map((t) => t - 1_700_000_000_000),
      [200, 1200, 2550, 3050, 3550],
    );
    assert.throws(() => s.setSchedule(5, 0), { code: 'CANOPY_ERR_BAD_SCHEDULE' });
  });

  it('validates interval, offset and timeout', () => {
    const clock = new ManualClock(0);
    for (const [intervalMs, offsetMs] of [
      [9, 0],
      [1000, 1000],
      [1000, -1],
      [1000.5, 0],
      [NaN, 0],
      [1000, 0.5],
    ]) {
      assert.throws(() => scheduler(clock, { intervalMs: intervalMs!, offsetMs: offsetMs! }), {
        code: 'CANOPY_ERR_BAD_SCHEDULE',
      });
    }
    assert.throws(() => scheduler(clock, { timeoutMs: 0 }), { code: 'CANOPY_ERR_BAD_SCHEDULE' });
    assert.doesNotThrow(() => scheduler(clock, { intervalMs: 10, offsetMs: 9 }));
  });

  it('shutdown waits for the tick in flight, signals it and stops scheduling', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const gate = deferred();
    let signal: AbortSignal | undefined;
    let ticks = 0;
    const { s } = scheduler(clock, {
      tick: async (_slot, sig) => {
        ticks++;
        signal = sig;
        await gate.promise;
      },
    });
    s.start();
    await run(clock, 300);
    assert.equal(ticks, 1);
    let stopped = false;
    const stopping = s.shutdown().then(() => (stopped = true));
    await flushIo();
    assert.equal(stopped, false, 'still waiting for the tick');
    assert.equal(signal?.aborted, true);
    gate.resolve();
    await stopping;
    assert.equal(stopped, true);
    await run(clock, 5000);
    assert.equal(ticks, 1);
    assert.equal(clock.pending(), 0, 'no timer left behind');
    s.start(); // a stopped scheduler stays stopped
    await run(clock, 2000);
    assert.equal(ticks, 1);
  });

  it('reports thrown and rejected errors to onError and keeps ticking', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    let n = 0;
    const { s, rec } = scheduler(clock, {
      tick: (slotMs) => {
        n++;
        if (n === 1) throw new Error(`sync ${slotMs}`);
        if (n === 2) return Promise.reject(new Error('async'));
        return undefined;
      },
    });
    s.start();
    await run(clock, 3000);
    await s.shutdown();
    assert.equal(n, 3);
    assert.deepEqual(
      rec.errors.map((e) => [e.err.message, e.slotMs]),
      [
        ['sync 1700000000200', 1_700_000_000_200],
        ['async', 1_700_000_001_200],
      ],
    );
    assert.equal(s.stats().errors, 2);
  });

  it('survives an onError handler that throws', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    let n = 0;
    const s = new AlignedScheduler({
      clock,
      intervalMs: 1000,
      tick: () => {
        n++;
        throw new Error('tick');
      },
      onError: () => {
        throw new Error('handler');
      },
    });
    s.start();
    await run(clock, 3000);
    await s.shutdown();
    assert.equal(n, 4, 'slots 0, 1000, 2000 and 3000 ms');
  });
});
