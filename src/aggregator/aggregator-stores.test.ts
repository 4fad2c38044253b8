import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { silentLogger, systemClock } from '../common/index.js';
import { ReplayBuffer, UpstreamLink } from '../link/index.js';
import type { SetInstance } from '../model/index.js';
import type { Store, StoredItem } from '../stores/index.js';
import { Aggregator } from './aggregator.js';

/** A durable store whose writes complete only when the test says so. */
class GatedStore implements Store {
  readonly name = 'gated';
  readonly durable = true;
  readonly items: StoredItem[] = [];
  #release: (() => void)[] = [];
  accepts(set: SetInstance): boolean {
    return set.schema.name === 'g';
  }
  write(items: readonly StoredItem[]): Promise<void> {
    this.items.push(...items);
    return new Promise((resolve) => this.#release.push(resolve));
  }
  releaseAll(): void {
    for (const r of this.#release.splice(0)) r();
  }
  async close(): Promise<void> {
    this.releaseAll();
  }
  stats(): Record<string, number> {
    return { items: this.items.length };
  }
}

const set = (schema: string): SetInstance => ({
  ous: ['Lab'],
  host: 'h1',
  groups: [schema],
  schema: {
    name: schema,
    metrics: [{ name: 'v', type: 'f64', unit: '', semantics: 'instant', description: '' }],
  },
});
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a producer keeps samples in its replay buffer until every durable store has them', async () => {
  const gated = new GatedStore();
  const agg = new Aggregator({
    name: 'agg',
    level: 1,
    ous: ['Lab'],
    listen: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'none' },
    clock: systemClock,
    logger: silentLogger,
    stores: [gated],
  });
  const { port } = await agg.start();
  closers.push(() => agg.shutdown());
  const buffer = new ReplayBuffer(1 << 20);
  const link = new UpstreamLink({
    host: '127.0.0.1',
    port,
    name: 's',
    role: 'sampler',
    auth: { mode: 'none' },
    buffer,
    clock: systemClock,
    logger: silentLogger,
  });
  closers.push(() => link.close());
  link.start();
  buffer.push(set('g'), { timestampMs: 1000, values: Float64Array.of(1), strings: null });
  buffer.push(set('other'), { timestampMs: 1000, values: Float64Array.of(2), strings: null });
  link.kick();
  for (let i = 0; i < 100 && gated.items.length === 0; i++) await sleep(10);
  assert.equal(gated.items.length, 1, 'the store got only the schema it accepts');
  assert.equal(agg.store.stats().samples, 2, 'the live tree has both at once');
  await sleep(100);
  assert.equal(
    buffer.stats().samples,
    2,
    'nothing acknowledged while the durable store is writing',
  );
  gated.releaseAll();
  for (let i = 0; i < 100 && buffer.stats().samples > 0; i++) await sleep(10);
  assert.equal(buffer.stats().samples, 0, 'acknowledged once stored');
});
