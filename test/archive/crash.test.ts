/**
 * Crash safety across processes: a writer child is killed with SIGKILL at
 * random moments, again and again on the same archive. After every kill the
 * archive opens (alternately with writer recovery and with a plain reader)
 * and every acknowledged sample is there with its exact values, nothing is
 * duplicated, and nothing appears that was never sent. A last child replays
 * what was sent but not acknowledged and stops cleanly: the archive then
 * holds exactly the acknowledged samples.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArchiveReader, ArchiveWriter } from '../../src/archive/index.js';
import { prng } from '../../src/archive/test-support.js';
import { crashKeys, crashValues } from './crash-data.js';

const CHILD = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const ROUNDS = 22;

interface Run {
  sent: Set<string>;
  acked: Set<string>;
  closed: boolean;
}

const id = (key: string, t: number): string => `${key} ${t}`;

/** Run the child until `ready`, then for `runMs` (SIGKILL) or until it closes after SIGTERM. */
function runChild(
  dir: string,
  pending: [string, number][],
  runMs: number,
  graceful: boolean,
): Promise<Run> {
  const pendingFile = join(dir, '..', `pending-${process.pid}.json`);
  writeFileSync(pendingFile, JSON.stringify(pending));
  const child = spawn(process.execPath, [CHILD, dir, pendingFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { sent: new Set(), acked: new Set(), closed: false };
  let buf = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [what, key, t] = line.split(' ');
        if (what === 'sent') run.sent.add(id(key!, Number(t)));
        else if (what === 'acked') run.acked.add(id(key!, Number(t)));
        else if (what === 'closed') run.closed = true;
        else if (what === 'ready')
          setTimeout(() => child.kill(graceful ? 'SIGTERM' : 'SIGKILL'), runMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (graceful ? code !== 0 : signal !== 'SIGKILL')
        reject(new Error(`child exit ${code} ${signal}: ${err}`));
      else resolve(run);
    });
  });
}

/** Everything stored, as `key t` ids, checking values, order and uniqueness. */
function stored(r: ArchiveReader | ArchiveWriter): Set<string> {
  const out = new Set<string>();
  crashKeys().forEach((key, s) => {
    const x = r.range(key, 0, -Infinity, Infinity);
    const n = r.range(key, 1, -Infinity, Infinity);
    const states = r.rangeStrings(key, 2, -Infinity, Infinity);
    assert.equal(n.length, x.length);
    assert.equal(states.length, x.length);
    x.forEach(([t, v], j) => {
      const want = crashValues(s, t);
      if (j > 0) assert.ok(t > x[j - 1]![0], 'timestamps strictly increase: no duplicates');
      assert.equal(v, want.x);
      assert.deepEqual(n[j], [t, want.n]);
      assert.deepEqual(states[j], [t, want.state]);
      out.add(id(key, t));
    });
  });
  return out;
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('crash safety', () => {
  it(`keeps every acknowledged sample through ${ROUNDS} SIGKILLs at random moments`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'canopy-crash-'));
    dirs.push(root);
    const dir = join(root, 'archive');
    const rnd = prng(7);
    const sent = new Set<string>();
    const acked = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const run = await runChild(dir, [], 50 + Math.floor(rnd() * 250), false);
      run.sent.forEach((s) => sent.add(s));
      run.acked.forEach((s) => acked.add(s));
      assert.ok(run.acked.size > 0, `round ${round}: the child acknowledged something`);
      // Alternate: recovery by a writer (which then seals everything), and a plain reader.
      const r = round % 2 === 0 ? await ArchiveWriter.open(dir) : await ArchiveReader.open(dir);
      const have = stored(r);
      for (const a of acked) assert.ok(have.has(a), `round ${round}: acknowledged ${a} is missing`);
      for (const h of have) assert.ok(sent.has(h), `round ${round}: ${h} was never sent`);
      await r.close();
    }
    // Replay what was sent and never acknowledged, then stop cleanly.
    const pending = [...sent]
      .filter((s) => !acked.has(s))
      .map((s) => s.split(' '))
      .map(([k, t]) => [k!, Number(t)] as [string, number]);
    const last = await runChild(dir, pending, 100, true);
    assert.ok(last.closed);
    last.acked.forEach((s) => acked.add(s));
    const r = await ArchiveReader.open(dir);
    const have = stored(r);
    assert.equal(have.size, acked.size, 'the archive holds exactly the acknowledged samples');
    for (const a of acked) assert.ok(have.has(a));
    assert.deepEqual(r.problems(), [], 'after a clean close nothing is torn');
    await r.close();
  });
});
