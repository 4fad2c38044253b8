/**
 * Child process of the crash test: opens the archive (recovering it), first
 * re-appends the samples the parent lists as sent but never acknowledged
 * (as a producer replays after a reconnect), then appends batches in a loop
 * with a few appends in flight. It prints `sent <key> <t>` before handing a
 * sample to append and `acked <key> <t>` once that append resolved. On
 * SIGTERM it stops, waits for what is in flight, closes and prints `closed`;
 * the test mostly kills it with SIGKILL instead.
 *
 * Usage: node crash-writer.js DIR PENDING_JSON
 */
import { readFileSync } from 'node:fs';
import { ArchiveWriter } from '../../src/archive/index.js';
import type { AppendItem } from '../../src/archive/index.js';
import { crashItem, crashKeys } from './crash-data.js';

const [dir, pendingFile] = process.argv.slice(2) as [string, string];
const pending = JSON.parse(readFileSync(pendingFile, 'utf8')) as [string, number][];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function append(items: AppendItem[], keys: string[]): Promise<void> {
  for (let i = 0; i < items.length; i++) say(`sent ${keys[i]} ${items[i]!.sample.timestampMs}`);
  await w.append(items);
  for (let i = 0; i < items.length; i++) say(`acked ${keys[i]} ${items[i]!.sample.timestampMs}`);
}

const w = await ArchiveWriter.open(dir, {
  chunkSamples: 8,
  segmentMs: 30_000,
  syncIntervalMs: 2,
  walFileBytes: 4096,
  walKeyframeBytes: 1024,
  chunkMaxAgeMs: 20_000,
});
let stop = false;
process.on('SIGTERM', () => (stop = true));
say('ready');

const keys = crashKeys();
const next = new Map<string, number>();
for (const s of w.sets()) next.set(s.key, s.lastMs + 1000);
for (const [key, t] of pending) next.set(key, Math.max(next.get(key) ?? 0, t + 1000));
await append(
  pending.map(([key, t]) => crashItem(keys.indexOf(key), t)),
  pending.map(([key]) => key),
);

const inFlight = new Set<Promise<void>>();
let round = 0;
while (!stop) {
  const items: AppendItem[] = [];
  const itemKeys: string[] = [];
  keys.forEach((key, s) => {
    for (let j = 0; j < 1 + ((round + s) % 3); j++) {
      const t = next.get(key) ?? 1_700_000_000_000;
      items.push(crashItem(s, t));
      itemKeys.push(key);
      next.set(key, t + 1000);
    }
  });
  round++;
  const p = append(items, itemKeys).finally(() => inFlight.delete(p));
  inFlight.add(p);
  if (inFlight.size >= 3) await Promise.race(inFlight);
}
await Promise.all(inFlight);
await w.close();
say('closed');
