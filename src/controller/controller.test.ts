import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { parseClusterConfig } from '../cluster/index.js';
import { createLogger, silentLogger, systemClock } from '../common/index.js';
import { EmbeddedCoord } from '../coord/index.js';
import type {
  CoordStore,
  KeyValue,
  Lease,
  PutOptions,
  TxnCompare,
  TxnOp,
  Watch,
  WatchEvent,
  WatchOptions,
} from '../coord/index.js';
import { captureId, holdCaptures, planCaptures, releaseCaptures } from './captures.js';
import { parseHostHistory } from './catalog.js';
import { Controller } from './controller.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type {
  AssignmentRecord,
  ClusterEvent,
  MemberRecord,
  SamplerDesired,
  StoredConfig,
} from './keys.js';

const CLUSTER = 'ct';
const keys = new ClusterKeys(CLUSTER);
const YAML = `cluster: ${CLUSTER}
daemons:
  - names: 'sampler-[1-12]'
    hosts: 'node-[1-12]'
    endpoints: [{ names: 'node-[1-12]-ep', ports: 10002 }]
  - names: 'agg-[1-3]'
    hosts: 'ahost-[1-3]'
    endpoints: [{ names: 'agg-[1-3]-ep', ports: 7470 }]
aggregators:
  - daemons: 'agg-[1-3]'
    peers: [{ daemons: 'sampler-[1-12]' }]
samplers:
  - daemons: 'sampler-[1-12]'
    plugins: [{ name: loadavg, interval: 1s, offset: 0ms }]
ous:
  - { hosts: 'node-[1-12]', ou: Lab }
`;
const spec = parseClusterConfig(YAML, 'ct.yaml');
const AGGS = ['agg-1', 'agg-2', 'agg-3'];

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
 * A store that notes the key of every write a client makes, so a test can
 * tell which controller wrote what. Reads and watches pass straight through.
 */
class RecordingStore implements CoordStore {
  readonly kind: CoordStore['kind'];
  readonly writes: string[] = [];
  /** Watch events for keys under this prefix are dropped (a client that misses them). */
  blindTo: string | undefined;
  readonly #inner: CoordStore;

  constructor(inner: CoordStore) {
    this.#inner = inner;
    this.kind = inner.kind;
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#inner.get(key);
  }
  list(prefix: string): Promise<KeyValue[]> {
    return this.#inner.list(prefix);
  }
  put(key: string, value: string, opts?: PutOptions): Promise<number> {
    this.writes.push(key);
    return this.#inner.put(key, value, opts);
  }
  delete(key: string): Promise<boolean> {
    this.writes.push(key);
    return this.#inner.delete(key);
  }
  deletePrefix(prefix: string): Promise<number> {
    this.writes.push(prefix);
    return this.#inner.deletePrefix(prefix);
  }
  async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<boolean> {
    const ok = await this.#inner.txn(compares, ops);
    if (ok) this.writes.push(...ops.map((o) => o.key));
    return ok;
  }
  watch(prefix: string, onEvent: (e: WatchEvent) => void, opts?: WatchOptions): Promise<Watch> {
    return this.#inner.watch(
      prefix,
      (e) => {
        if (this.blindTo === undefined || !e.key.startsWith(this.blindTo)) onEvent(e);
      },
      opts,
    );
  }
  grantLease(ttlMs: number): Promise<Lease> {
    return this.#inner.grantLease(ttlMs);
  }
  revision(): Promise<number> {
    return this.#inner.revision();
  }
  close(): Promise<void> {
    return this.#inner.close();
  }

  /** Writes other than the election's own keys. */
  clusterWrites(): string[] {
    return this.writes.filter((k) => !k.startsWith(`${keys.leader}/`));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openStore(): Promise<EmbeddedCoord> {
  const store = await EmbeddedCoord.open({ dir: undefined, logger: silentLogger });
  cleanups.push(() => store.close());
  const config: StoredConfig = { file: 'ct.yaml', yaml: YAML, spec, loadedAtMs: Date.now() };
  await store.put(keys.config, JSON.stringify(config));
  return store;
}

/** A fake aggregator: its member record under a lease the test controls. */
async function join(
  store: CoordStore,
  name: string,
  startedAtMs = Date.now() - 60_000,
): Promise<Lease> {
  const lease = await store.grantLease(1000);
  await putMember(store, name, lease, 0, startedAtMs);
  return lease;
}

async function putMember(
  store: CoordStore,
  name: string,
  lease: Lease,
  samplesIn = 0,
  // Long settled by default: most tests are about failover, not the settle delay.
  startedAtMs = Date.now() - 60_000,
): Promise<void> {
  const r: MemberRecord = {
    name,
    role: 'aggregator',
    group: 'agg-[1-3]',
    level: 1,
    endpoint: { host: '127.0.0.1', port: 7470 },
    api: null,
    pid: 1,
    startedAtMs,
    health: {
      atMs: Date.now(),
      producersAssigned: 0,
      producersConnected: 0,
      samplesIn,
      replayBacklogSamples: 0,
    },
  };
  await store.put(keys.member(name), JSON.stringify(r), { lease });
}

function startController(store: CoordStore, id: string): Controller {
  const c = new Controller({
    store,
    cluster: CLUSTER,
    id,
    leaseTtlMs: 1000,
    settleMs: 1000,
    clock: systemClock,
    logger: silentLogger,
  });
  cleanups.push(() => c.close());
  c.start();
  return c;
}

async function assignments(store: CoordStore): Promise<Map<string, AssignmentRecord>> {
  const out = new Map<string, AssignmentRecord>();
  for (const kv of await store.list(keys.assignments)) {
    const r = parseRecord<AssignmentRecord>(kv.value);
    if (r) out.set(keys.nameOf(kv.key, keys.assignments), r);
  }
  return out;
}

async function heldBy(store: CoordStore): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [agg, r] of await assignments(store))
    out.set(
      agg,
      r.producers.map((p) => p.name),
    );
  return out;
}

async function loads(store: CoordStore): Promise<string> {
  const held = await heldBy(store);
  return AGGS.map((a) => held.get(a)?.length ?? 0).join('/');
}

async function events(store: CoordStore): Promise<ClusterEvent[]> {
  return (await store.list(keys.events)).map((kv) => parseRecord<ClusterEvent>(kv.value)!);
}

const hasEvent = (es: ClusterEvent[], kind: ClusterEvent['kind'], subject?: string): boolean =>
  es.some((e) => e.kind === kind && (subject === undefined || e.subject === subject));

async function desired(store: CoordStore, daemon: string): Promise<SamplerDesired | undefined> {
  return parseRecord<SamplerDesired>((await store.get(keys.sampler(daemon)))?.value);
}

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

  void it('folds a held capture into the sampler’s plugin list and reverts when the holder goes', async () => {
    const store = await openStore();
    for (const a of AGGS) await join(store, a);
    startController(store, 'ctl-a');
    await waitFor(
      'desired lists written',
      async () => (await desired(store, 'sampler-1')) !== undefined,
    );
    const plain = await store.get(keys.sampler('sampler-2'));
    assert.deepEqual(
      (await desired(store, 'sampler-1'))!.plugins.map((p) => [p.name, p.intervalMs]),
      [['loadavg', 1000]],
    );

    const plan = planCaptures(
      spec,
      { selector: 'Lab::node-1:loadavg:*', intervalMs: 200, forMs: 60_000 },
      Date.now(),
    );
    const id = captureId('sampler-1', 'loadavg', 200);
    await holdCaptures(store, CLUSTER, plan, { id: 'client-1', lease: undefined });
    await waitFor('capture folded in', async () => {
      const d = await desired(store, 'sampler-1');
      return d?.plugins[0]?.intervalMs === 200 && d.captures.includes(id);
    });
    assert.equal(
      (await store.get(keys.sampler('sampler-2')))?.modRevision,
      plain?.modRevision,
      'other samplers untouched',
    );

    await releaseCaptures(store, CLUSTER, [id], 'client-1');
    await waitFor('reverted and the capture removed', async () => {
      const d = await desired(store, 'sampler-1');
      return (
        d?.plugins[0]?.intervalMs === 1000 &&
        d.captures.length === 0 &&
        (await store.get(keys.capture(id))) === undefined
      );
    });
  });

  void it('loads a plugin for a capture and unloads it when the capture ends', async () => {
    const store = await openStore();
    for (const a of AGGS) await join(store, a);
    startController(store, 'ctl-a');
    await waitFor(
      'desired lists written',
      async () => (await desired(store, 'sampler-3')) !== undefined,
    );
    const lease = await store.grantLease(5000);
    cleanups.push(() => lease.revoke());
    const plan = planCaptures(
      spec,
      { selector: 'Lab::node-3:vmstat:*', intervalMs: 500, forMs: 800 },
      Date.now(),
    );
    const id = captureId('sampler-3', 'vmstat', 500);
    await holdCaptures(store, CLUSTER, plan, { id: 'client-1', lease });
    await waitFor('vmstat loaded', async () =>
      ((await desired(store, 'sampler-3'))?.plugins ?? []).some((p) => p.name === 'vmstat'),
    );
    // The holder stays: the capture ends at its time, and the controller notices by itself.
    await waitFor('vmstat unloaded at the end', async () => {
      const d = await desired(store, 'sampler-3');
      return (
        d !== undefined &&
        d.plugins.every((p) => p.name !== 'vmstat') &&
        (await store.list(keys.capture(id))).length === 0
      );
    });
  });

  void it('reassigns promptly while members keep refreshing their health', async () => {
    const store = await openStore();
    const leases = new Map<string, Lease>();
    for (const a of AGGS) leases.set(a, await join(store, a));
    startController(store, 'ctl-a');
    await waitFor('4/4/4 assigned', async () => (await loads(store)) === '4/4/4');
    // A large cluster's members refresh health all the time: a steady stream
    // of member puts, each closer to the last than the controller's coalescing delay.
    let stop = false;
    let n = 0;
    const storm = (async () => {
      while (!stop) {
        await putMember(store, 'agg-1', leases.get('agg-1')!, ++n);
        await sleep(5);
      }
    })();
    cleanups.push(async () => {
      stop = true;
      await storm;
    });
    await leases.get('agg-2')!.revoke();
    await waitFor(
      'agg-2 emptied during the storm',
      async () => (await loads(store)) === '6/0/6',
      3000,
    );
    assert.equal(stop, false, 'the storm was still running');
  });
});
