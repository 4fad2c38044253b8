/** Controller: leading, failover, settling, config reloads, leadership. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parseClusterConfig } from '../cluster/index.js';
import { createLogger, systemClock } from '../common/index.js';
import type { Lease, WatchEvent } from '../coord/index.js';
import { parseHostHistory } from './catalog.js';
import { Controller } from './controller.js';
import { parseRecord } from './keys.js';
import type { StoredConfig } from './keys.js';
import {
  CLUSTER,
  keys,
  YAML,
  spec,
  AGGS,
  waitFor,
  RecordingStore,
  openStore,
  join,
  startController,
  assignments,
  heldBy,
  loads,
  events,
  hasEvent,
  desired,
  cleanupAll,
  cleanups,
} from './controller-test-support.js';

afterEach(cleanupAll);

void describe('Controller', () => {
  void it('assigns, moves a dead member’s producers with contiguous catalog spans, records events', async () => {
    const store = await openStore();
    const leases = new Map<string, Lease>();
    for (const a of AGGS) leases.set(a, await join(store, a));
    const c = startController(store, 'ctl-a');
    await waitFor('4/4/4 assigned', async () => (await loads(store)) === '4/4/4');
    assert.equal(c.isLeader, true);
    const before = await heldBy(store);
    const tBefore = Date.now();

    await leases.get('agg-2')!.revoke();
    await waitFor('agg-2 emptied, 6/6', async () => (await loads(store)) === '6/0/6');
    const after = await assignments(store);
    const moved = new Set(before.get('agg-2'));
    for (const agg of ['agg-1', 'agg-3'])
      for (const p of before.get(agg)!)
        assert.ok(
          after.get(agg)!.producers.some((x) => x.name === p),
          `${p} stayed on ${agg}`,
        );
    for (const agg of ['agg-1', 'agg-3'])
      for (const p of after.get(agg)!.producers)
        assert.deepEqual(p.takeover, moved.has(p.name) ? ['agg-2'] : [], p.name);

    const daemons = new Map(spec.daemons.map((d) => [d.name, d.host]));
    for (const [agg, r] of after)
      for (const p of r.producers) {
        const h = parseHostHistory(
          parseRecord((await store.get(keys.catalogEntry(p.host)))?.value),
        );
        assert.ok(h, `catalog/${p.host} is a valid history`);
        assert.equal(h.host, daemons.get(p.name));
        assert.equal(h.producer, p.name);
        const last = h.spans[h.spans.length - 1]!;
        assert.equal(last.aggregator, agg);
        assert.equal(last.toMs, undefined, 'the current holder’s span is open');
        if (!moved.has(p.name)) {
          assert.equal(h.spans.length, 1);
          continue;
        }
        assert.equal(h.spans.length, 2, `${p.host}: ${JSON.stringify(h.spans)}`);
        assert.equal(h.spans[0]!.aggregator, 'agg-2');
        assert.equal(h.spans[0]!.toMs, h.spans[1]!.fromMs, 'contiguous hand-over');
        assert.ok(h.spans[0]!.fromMs <= tBefore && h.spans[1]!.fromMs >= tBefore);
      }

    await waitFor('member-down, reassign and leader events', async () => {
      const es = await events(store);
      return (
        hasEvent(es, 'member-down', 'agg-2') &&
        hasEvent(es, 'reassign', 'agg-1') &&
        hasEvent(es, 'reassign', 'agg-3') &&
        hasEvent(es, 'leader', 'ctl-a')
      );
    });
    const es = await events(store);
    for (const a of AGGS) assert.ok(hasEvent(es, 'member-up', a), `member-up ${a}`);
    assert.equal(es.filter((e) => e.kind === 'member-down').length, 1);
    const times = es.map((e) => e.atMs);
    assert.deepEqual(
      times,
      [...times].sort((x, y) => x - y),
      'event keys sort by time',
    );
  });

  void it('lets a rejoining member settle, then moves just its share to it', async () => {
    const store = await openStore();
    const leases = new Map<string, Lease>();
    for (const a of AGGS) leases.set(a, await join(store, a));
    startController(store, 'ctl-a');
    await waitFor('4/4/4 assigned', async () => (await loads(store)) === '4/4/4');
    await leases.get('agg-2')!.revoke();
    await waitFor('agg-2 emptied', async () => (await loads(store)) === '6/0/6');
    const before = await heldBy(store);

    const rejoinedAtMs = Date.now();
    await join(store, 'agg-2', rejoinedAtMs);
    await waitFor('agg-2 given its share', async () => (await loads(store)) === '4/4/4');
    const after = await heldBy(store);
    for (const agg of ['agg-1', 'agg-3'])
      for (const p of after.get(agg)!) assert.ok(before.get(agg)!.includes(p), `${p} stayed`);
    for (const p of after.get('agg-2')!) {
      const host = spec.daemons.find((d) => d.name === p)!.host;
      const h = parseHostHistory(parseRecord((await store.get(keys.catalogEntry(host)))?.value))!;
      const last = h.spans[h.spans.length - 1]!;
      assert.equal(last.aggregator, 'agg-2');
      assert.ok(
        last.fromMs >= rejoinedAtMs + 1000,
        `${p} moved ${last.fromMs - rejoinedAtMs} ms after the rejoin, before settleMs`,
      );
    }
  });

  void it('applies a reloaded config: a dropped aggregator is emptied, new plugin intervals go out', async () => {
    const store = await openStore();
    for (const a of AGGS) await join(store, a);
    startController(store, 'ctl-a');
    await waitFor('4/4/4 assigned', async () => (await loads(store)) === '4/4/4');
    const before = await heldBy(store);
    const yaml = YAML.replaceAll('agg-[1-3]', 'agg-[1-2]')
      .replaceAll('ahost-[1-3]', 'ahost-[1-2]')
      .replace('interval: 1s, offset: 0ms', 'interval: 2s, offset: 0ms');
    const reloaded: StoredConfig = {
      file: 'ct.yaml',
      yaml,
      spec: parseClusterConfig(yaml, 'ct.yaml'),
      loadedAtMs: Date.now(),
    };
    await store.put(keys.config, JSON.stringify(reloaded));
    await waitFor('agg-3 emptied', async () => (await loads(store)) === '6/6/0');
    const after = await heldBy(store);
    for (const agg of ['agg-1', 'agg-2'])
      for (const p of before.get(agg)!) assert.ok(after.get(agg)!.includes(p), `${p} stayed`);
    await waitFor('new interval in every desired list', async () => {
      for (let i = 1; i <= 12; i++)
        if ((await desired(store, `sampler-${i}`))?.plugins[0]?.intervalMs !== 2000) return false;
      return true;
    });
    await waitFor('config event', async () => hasEvent(await events(store), 'config'));
  });

  void it('two instances: exactly one leads and writes; the other takes over without moving anything', async () => {
    const store = await openStore();
    const leases = new Map<string, Lease>();
    for (const a of AGGS) leases.set(a, await join(store, a));
    const recA = new RecordingStore(store);
    const recB = new RecordingStore(store);
    const a = startController(recA, 'ctl-a');
    const b = startController(recB, 'ctl-b');
    await waitFor('assigned', async () => (await loads(store)) === '4/4/4');
    await waitFor('a leader', () => a.isLeader || b.isLeader);
    assert.notEqual(a.isLeader, b.isLeader, 'exactly one leads');
    const [leader, standby, recLeader, recStandby] = a.isLeader
      ? [a, b, recA, recB]
      : [b, a, recB, recA];
    await waitFor('leader event', async () => hasEvent(await events(store), 'leader'));
    assert.ok(recLeader.clusterWrites().some((k) => k.startsWith(keys.assignments)));
    assert.deepEqual(recStandby.clusterWrites(), [], 'the standby writes nothing');
    assert.equal(standby.reconciles, 0);

    const revisions = async (prefix: string): Promise<string> =>
      JSON.stringify((await store.list(prefix)).map((kv) => [kv.key, kv.modRevision]));
    const assignRevs = await revisions(keys.assignments);
    const catalogRevs = await revisions(keys.catalog);
    const samplerRevs = await revisions(keys.samplers);
    const leaderId = leader === a ? 'ctl-a' : 'ctl-b';
    const standbyId = leader === a ? 'ctl-b' : 'ctl-a';

    await leader.close();
    await waitFor('the standby leads', () => standby.isLeader);
    await waitFor('the new leader reconciled', () => standby.reconciles > 0);
    assert.equal(leader.isLeader, false);
    assert.equal(await revisions(keys.assignments), assignRevs, 'no assignment rewritten');
    assert.equal(await revisions(keys.catalog), catalogRevs, 'no catalog change');
    assert.equal(await revisions(keys.samplers), samplerRevs, 'no sampler list rewritten');
    assert.deepEqual(
      recStandby.clusterWrites().filter((k) => !k.startsWith(keys.events)),
      [],
      'taking over writes nothing but events',
    );
    await waitFor('leader event of the new leader', async () =>
      hasEvent(await events(store), 'leader', standbyId),
    );
    assert.ok(hasEvent(await events(store), 'leader', leaderId));

    // It really leads: a death is handled by it, and only by it.
    const leaderWrites = recLeader.clusterWrites().length;
    await leases.get('agg-1')!.revoke();
    await waitFor('agg-1 emptied by the new leader', async () => (await loads(store)) === '0/6/6');
    assert.ok(recStandby.clusterWrites().includes(keys.assignment('agg-2')));
    assert.equal(recLeader.clusterWrites().length, leaderWrites, 'the closed one writes nothing');
  });

  void it('closing a standby withdraws its candidacy quietly', async () => {
    const store = await openStore();
    const lines: string[] = [];
    const a = startController(store, 'ctl-a');
    await waitFor('ctl-a leads', () => a.isLeader);
    const b = new Controller({
      store,
      cluster: CLUSTER,
      id: 'ctl-b',
      leaseTtlMs: 1000,
      clock: systemClock,
      logger: createLogger({ level: 'warn', write: (l) => lines.push(l) }),
    });
    cleanups.push(() => b.close());
    b.start();
    await waitFor('two candidates', async () => (await store.list(`${keys.leader}/`)).length === 2);
    await b.close();
    await waitFor(
      'one candidate left',
      async () => (await store.list(`${keys.leader}/`)).length === 1,
    );
    assert.deepEqual(lines, [], 'no warning for an orderly close');
    assert.equal(a.isLeader, true);
  });

  void it('a deposed leader that has not noticed cannot write', async () => {
    const store = await openStore();
    const leases = new Map<string, Lease>();
    for (const a of AGGS) leases.set(a, await join(store, a));
    const rec = new RecordingStore(store);
    const c = startController(rec, 'ctl-a');
    await waitFor('4/4/4 assigned', async () => (await loads(store)) === '4/4/4');
    assert.equal(c.isLeader, true);
    // Its election key vanishes and it misses the news (a partition, say).
    rec.blindTo = `${keys.leader}/`;
    const [own] = await store.list(`${keys.leader}/`);
    assert.ok(own);
    const seen: WatchEvent[] = [];
    const w = await store.watch(keys.prefix, (e) => seen.push(e));
    cleanups.push(() => w.close());
    await store.delete(own.key);

    await leases.get('agg-2')!.revoke();
    // It tries, is refused, steps down, wins a fresh election and only then writes.
    await waitFor('agg-2 emptied', async () => (await loads(store)) === '6/0/6');
    const firstAssign = seen.find((e) => e.type === 'put' && e.key.startsWith(keys.assignments));
    const newKey = seen.find((e) => e.type === 'put' && e.key.startsWith(`${keys.leader}/`));
    assert.ok(firstAssign && newKey, 'a new election key and an assignment write');
    assert.notEqual(newKey.key, own.key);
    assert.ok(
      newKey.modRevision < firstAssign.modRevision,
      'no assignment was written without a live election key',
    );
  });
});
