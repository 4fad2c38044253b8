import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Aggregator } from '../aggregator/index.js';
import { silentLogger, systemClock } from '../common/index.js';
import { EmbeddedCoord } from '../coord/index.js';
import { Sampler } from '../sampler/index.js';
import { AggregatorAgent } from './aggregator-agent.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type {
  AssignedProducer,
  AssignmentRecord,
  DirectoryRecord,
  MemberRecord,
  SamplerDesired,
} from './keys.js';

const CLUSTER = 'at';
const keys = new ClusterKeys(CLUSTER);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `ok` holds; fail naming `what` after `timeoutMs` (a bound, not a timing assertion). */
async function waitFor(
  what: string,
  ok: () => boolean | Promise<boolean>,
  timeoutMs = 8000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * One real aggregator with its agent on a memory store, and two real
 * samplers listening for pullers. The tests play the controller: they write
 * the assignment and desired-plugin records by hand.
 */
void describe('AggregatorAgent', () => {
  let store: EmbeddedCoord;
  let aggregator: Aggregator;
  let agent: AggregatorAgent;
  const samplers = new Map<string, { sampler: Sampler; port: number; host: string }>();

  before(async () => {
    store = await EmbeddedCoord.open({ dir: undefined, logger: silentLogger });
    for (const [name, host] of [
      ['sampler-1', 'node-1'],
      ['sampler-2', 'node-2'],
    ] as const) {
      const sampler = new Sampler({
        name,
        host,
        ous: ['Lab'],
        plugins: [{ name: 'loadavg', intervalMs: 1000, offsetMs: 0, config: {} }],
        putListen: { host: '127.0.0.1', port: 0, auth: { mode: 'none' } },
        replayBufferBytes: 1 << 20,
        clock: systemClock,
        logger: silentLogger,
      });
      const { putPort } = await sampler.start();
      samplers.set(name, { sampler, port: putPort!, host });
    }
    aggregator = new Aggregator({
      name: 'agg-1',
      level: 1,
      ous: ['Lab'],
      listen: { host: '127.0.0.1', port: 0 },
      auth: { mode: 'none' },
      clock: systemClock,
      logger: silentLogger,
    });
    const endpoint = await aggregator.start();
    agent = new AggregatorAgent({
      store,
      cluster: CLUSTER,
      aggregator,
      name: 'agg-1',
      group: 'agg-[1-2]',
      level: 1,
      endpoint,
      api: 'http://127.0.0.1:1',
      archiveDir: '/var/lib/canopy/agg-1',
      leaseTtlMs: 1000,
      healthEveryMs: 50,
      clock: systemClock,
      logger: silentLogger,
    });
    await agent.start();
  });

  after(async () => {
    await agent.close();
    await aggregator.shutdown();
    for (const s of samplers.values()) await s.sampler.shutdown();
    await store.close();
  });

  const producer = (name: string, takeover: string[] = []): AssignedProducer => {
    const s = samplers.get(name)!;
    return {
      name,
      host: s.host,
      endpoint: { host: '127.0.0.1', port: s.port },
      mode: 'full',
      takeover,
    };
  };
  const assign = async (...producers: AssignedProducer[]): Promise<void> => {
    const r: AssignmentRecord = { aggregator: 'agg-1', producers, atMs: Date.now() };
    await store.put(keys.assignment('agg-1'), JSON.stringify(r));
  };
  const desire = async (daemon: string, intervalMs: number): Promise<number> => {
    const r: SamplerDesired = {
      daemon,
      plugins: [{ name: 'loadavg', intervalMs, offsetMs: 0, config: {} }],
      captures: [],
    };
    return store.put(keys.sampler(daemon), JSON.stringify(r));
  };
  const connected = (): string[] =>
    aggregator
      .stats()
      .pulls.filter((p) => p.state === 'connected')
      .map((p) => p.producer)
      .sort();
  const samplesFrom = (producer: string): number =>
    aggregator.stats().pulls.find((p) => p.producer === producer)?.samplesIn ?? 0;
  /** Whether agg-1 is subscribed to the sampler right now (its side of the link). */
  const subscribedTo = (name: string): boolean =>
    samplers
      .get(name)!
      .sampler.stats()
      .uplinks.some((u) => u.name === 'pull:agg-1:full' && u.connected);
  const hostsHeld = (): string[] =>
    [...new Set([...aggregator.store.sets()].map((s) => s.set.host))].sort();
  const member = async (): Promise<
    { record: MemberRecord; lease: string | undefined } | undefined
  > => {
    const kv = await store.get(keys.member('agg-1'));
    const record = parseRecord<MemberRecord>(kv?.value);
    return kv && record ? { record, lease: kv.lease } : undefined;
  };

  void it('registers a lease-bound member key with health, and a directory entry', async () => {
    const m = await member();
    assert.ok(m, 'member key present');
    assert.notEqual(m.lease, undefined, 'the member key is attached to a lease');
    assert.equal(m.record.role, 'aggregator');
    assert.equal(m.record.group, 'agg-[1-2]');
    assert.equal(m.record.endpoint?.port, aggregator.port);
    assert.equal(typeof m.record.health?.atMs, 'number');
    const dir = parseRecord<DirectoryRecord>(
      (await store.get(keys.directoryEntry('agg-1')))?.value,
    );
    assert.equal(dir?.archiveDir, '/var/lib/canopy/agg-1');
    assert.equal(dir?.api, 'http://127.0.0.1:1');
    assert.deepEqual(agent.assignment?.producers, [], 'nothing assigned yet');
    assert.deepEqual(aggregator.pulls.keys(), []);
  });

  void it('pulls exactly the assigned producer', async () => {
    await assign(producer('sampler-1'));
    await waitFor('sampler-1 connected', () => connected().join() === 'sampler-1');
    await waitFor('data from node-1', () => samplesFrom('sampler-1') > 0);
    assert.deepEqual(aggregator.pulls.keys(), ['sampler-1']);
    assert.deepEqual(hostsHeld(), ['node-1']);
    assert.equal(subscribedTo('sampler-2'), false, 'the unassigned sampler is not pulled');
    await waitFor('health counts the producer', async () => {
      const h = (await member())?.record.health;
      return h?.producersAssigned === 1 && h.producersConnected === 1 && h.samplesIn > 0;
    });
  });

  void it('sends a held producer its desired plugin list when the record changes', async () => {
    const rev = await desire('sampler-1', 200);
    const s1 = samplers.get('sampler-1')!.sampler;
    await waitFor('sampler-1 applied the record', () => s1.stats().configRevision === rev);
    assert.equal(s1.stats().plugins[0]?.intervalMs, 200);
    // A record for a sampler this aggregator does not hold is not sent to it;
    // a later change to a held one shows the watch got past it.
    await desire('sampler-2', 300);
    const barrier = await desire('sampler-1', 250);
    await waitFor('sampler-1 applied the next record', () => s1.stats().configRevision === barrier);
    const s2 = samplers.get('sampler-2')!.sampler;
    assert.equal(s2.stats().configRevision, 0);
    assert.equal(s2.stats().plugins[0]?.intervalMs, 1000);
    assert.equal(subscribedTo('sampler-2'), false);
  });

  void it('greets a newly assigned producer with its waiting desired list', async () => {
    const rev = (await store.get(keys.sampler('sampler-2')))!.modRevision;
    await assign(producer('sampler-1'), producer('sampler-2', ['agg-9']));
    await waitFor('both connected', () => connected().join() === 'sampler-1,sampler-2');
    const s2 = samplers.get('sampler-2')!.sampler;
    await waitFor(
      'sampler-2 applied the record on connect',
      () => s2.stats().configRevision === rev,
    );
    assert.equal(s2.stats().plugins[0]?.intervalMs, 300);
    assert.deepEqual(agent.assignment?.producers.find((p) => p.name === 'sampler-2')?.takeover, [
      'agg-9',
    ]);
  });

  void it('drops a producer removed from the assignment', async () => {
    await waitFor('data from node-2', () => samplesFrom('sampler-2') > 0);
    await assign(producer('sampler-2'));
    await waitFor('sampler-1 dropped', () => !subscribedTo('sampler-1'));
    assert.deepEqual(aggregator.pulls.keys(), ['sampler-2']);
    assert.deepEqual(connected(), ['sampler-2']);
    await waitFor(
      'health follows',
      async () => (await member())?.record.health?.producersAssigned === 1,
    );
  });

  void it('ignores a malformed assignment record and keeps pulling', async () => {
    await store.put(keys.assignment('agg-1'), '{"aggregator":"agg-1","producers":"nope"}');
    await store.put(
      keys.assignment('agg-10'),
      JSON.stringify({ aggregator: 'agg-10', producers: [], atMs: 0 }),
    );
    // Watch events arrive in revision order: once this one is applied the two above were seen.
    const barrier = await desire('sampler-2', 400);
    const s2 = samplers.get('sampler-2')!.sampler;
    await waitFor('sampler-2 applied the next record', () => s2.stats().configRevision === barrier);
    assert.equal(s2.stats().plugins[0]?.intervalMs, 400);
    assert.deepEqual(aggregator.pulls.keys(), ['sampler-2']);
    assert.equal(agent.assignment?.producers[0]?.name, 'sampler-2');
  });

  void it('re-registers on a new lease after losing its lease, stamped as a rejoin', async () => {
    const old = (await member())!;
    const lostAtMs = Date.now();
    assert.ok(old.record.startedAtMs < lostAtMs);
    assert.equal(await store.revokeLease(old.lease!), true);
    await waitFor('member key back on a new lease', async () => {
      const m = await member();
      return m !== undefined && m.lease !== old.lease;
    });
    const m = (await member())!;
    assert.ok(
      m.record.startedAtMs >= lostAtMs,
      'the controller must let a rejoining member settle again',
    );
    assert.deepEqual(aggregator.pulls.keys(), ['sampler-2'], 'pulls go on meanwhile');
  });

  void it('close() revokes the member key at once; the directory entry stays', async () => {
    await agent.close();
    assert.equal(await store.get(keys.member('agg-1')), undefined);
    assert.ok(await store.get(keys.directoryEntry('agg-1')));
  });
});
