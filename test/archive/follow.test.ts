/**
 * Readable while written: a reader in another process follows the archive
 * while this process appends to it, through chunk sealing, WAL file rolls
 * and deletions. Every sample arrives, once, in order per set, and soon
 * after its append resolved (a functional bound with generous slack for the
 * 1 s requirement, not a performance figure).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArchiveWriter } from '../../src/archive/index.js';
import { crashItem, crashKeys } from './crash-data.js';

const CHILD = fileURLToPath(new URL('./follow-reader.js', import.meta.url));
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Follower {
  /** Arrival time (parent clock) of each `key t` delivered. */
  readonly arrived: Map<string, number>;
  readonly stderr: () => string;
  ready(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Start the follower child and record when each sample line arrives (checking once and in order). */
function startFollower(dir: string): Follower {
  const child = spawn(process.execPath, [CHILD, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  const arrived = new Map<string, number>();
  const order = new Map<string, number>();
  let buf = '';
  let err = '';
  let isReady = false;
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    const now = Date.now();
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const [what, key, t] = buf.slice(0, nl).split(' ');
      buf = buf.slice(nl + 1);
      if (what === 'ready') isReady = true;
      if (what !== 'got') continue;
      const id = `${key} ${t}`;
      assert.ok(!arrived.has(id), `${id} delivered twice`);
      assert.ok(Number(t) > (order.get(key!) ?? -Infinity), `${id} out of order`);
      order.set(key!, Number(t));
      arrived.set(id, now);
    }
  });
  return {
    arrived,
    stderr: () => err,
    async ready() {
      for (let i = 0; i < 200 && !isReady; i++) await sleep(50);
      return isReady;
    },
    async stop() {
      child.stdin.end();
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

describe('follow from another process', () => {
  it('delivers every appended sample within a second or so of its acknowledgement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-follow-'));
    dirs.push(dir);
    const w = await ArchiveWriter.open(dir, {
      chunkSamples: 10,
      walFileBytes: 1024,
      syncIntervalMs: 5,
    });
    const keys = crashKeys();
    // History before the follower starts is not delivered: only what appears afterwards.
    await w.append(keys.map((_, s) => crashItem(s, 1_000)));
    const f = startFollower(dir);
    try {
      assert.ok(await f.ready(), `follower did not start: ${f.stderr()}`);
      const acked = new Map<string, number>();
      for (let k = 2; k < 120; k++) {
        const t = k * 1000;
        await w.append(keys.map((_, s) => crashItem(s, t)));
        const now = Date.now();
        for (const key of keys) acked.set(`${key} ${t}`, now);
        await sleep(k % 10 === 0 ? 300 : 20);
      }
      for (let i = 0; i < 100 && f.arrived.size < acked.size; i++) await sleep(50);
      assert.equal(
        f.arrived.size,
        acked.size,
        `delivered ${f.arrived.size} of ${acked.size}; ${f.stderr()}`,
      );
      let maxDelay = 0;
      for (const [id, at] of acked) maxDelay = Math.max(maxDelay, f.arrived.get(id)! - at);
      assert.ok(maxDelay < 1500, `slowest delivery ${maxDelay} ms after its acknowledgement`);
      assert.ok(w.stats().chunksSealed > 0, 'the run crossed chunk seals');
      assert.ok(w.stats().walBytesWritten > 4 * 1024, 'and WAL file rolls and deletions');
    } finally {
      await f.stop();
      await w.close();
    }
  });
});
