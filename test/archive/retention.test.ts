/**
 * Retention with a reader in another process: the writer deletes old raw
 * segments while the child holds them open; the child keeps answering from
 * its open descriptors, and after a refresh no longer has the old data.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ArchiveWriter } from '../../src/archive/index.js';
import type { SetInstance } from '../../src/model/index.js';

const CHILD = fileURLToPath(new URL('./retention-reader.js', import.meta.url));
const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SET: SetInstance = {
  ous: ['Lab'],
  host: 'n1',
  groups: ['g'],
  schema: {
    name: 'g',
    metrics: [{ name: 'v', type: 'f64', unit: 'u', semantics: 'instant', description: 'v' }],
  },
};
const KEY = 'Lab::n1:g';

describe('retention with a reader in another process', () => {
  it('keeps the reader working, and drops the removed segments on refresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'canopy-retention-'));
    dirs.push(dir);
    const start = Math.floor(Date.now() / HOUR) * HOUR - 2 * DAY;
    const end = start + 2 * DAY - MIN;
    const w = await ArchiveWriter.open(dir, { retention: { rawMs: DAY }, retentionCheckMs: 1e9 });
    const items = [];
    for (let t = start; t <= end; t += MIN) {
      items.push({
        set: SET,
        sample: { timestampMs: t, values: Float64Array.of(t % 997), strings: null },
      });
    }
    await w.append(items);
    await w.flush();

    const child = spawn(
      process.execPath,
      [CHILD, dir, KEY, String(start), String(start + 3 * HOUR)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<string> => String((await lines.next()).value);
    assert.equal(await next(), 'before 181');
    assert.ok((await w.enforceRetention(end)) >= 10);
    child.stdin.write('check\n');
    assert.equal(await next(), 'stale 181');
    assert.equal(await next(), 'fresh 0 0');
    child.stdin.end();
    await new Promise((resolve) => child.on('exit', resolve));
    await w.close();
  });
});
