/**
 * Child process of the retention test: opens a reader, prints `before <n>`
 * (points of the range given), then for each stdin line `check` prints
 * `stale <n>` (same query, no refresh), refreshes and prints `fresh <n>
 * <problems>`.
 *
 * Usage: node retention-reader.js DIR KEY FROM TO
 */
import { createInterface } from 'node:readline';
import { ArchiveReader } from '../../src/archive/index.js';

const [dir, key, from, to] = process.argv.slice(2) as [string, string, string, string];
const r = await ArchiveReader.open(dir);
const count = (): number => r.range(key, 0, Number(from), Number(to)).length;
process.stdout.write(`before ${count()}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'check') continue;
  process.stdout.write(`stale ${count()}\n`);
  await r.refresh();
  process.stdout.write(`fresh ${count()} ${r.problems().length}\n`);
}
await r.close();
