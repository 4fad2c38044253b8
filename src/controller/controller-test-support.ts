/** Shared fixtures of the controller tests: a small cluster, fake members, a recording store. */
import assert from 'node:assert/strict';
import { parseClusterConfig } from '../cluster/index.js';
import { silentLogger, systemClock } from '../common/index.js';
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
import { Controller } from './controller.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type {
  AssignmentRecord,
  ClusterEvent,
  MemberRecord,
  SamplerDesired,
  StoredConfig,
} from './keys.js';

export const CLUSTER = 'ct';
export const keys = new ClusterKeys(CLUSTER);
export const YAML = `cluster: ${CLUSTER}
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
export const spec = parseClusterConfig(YAML, 'ct.yaml');
export const AGGS = ['agg-1', 'agg-2', 'agg-3'];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `ok` holds; fail naming `what` after `timeoutMs` (a bound, not a timing assertion). */
export async function waitFor(
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
export class RecordingStore implements CoordStore {
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

export const cleanups: (() => Promise<void>)[] = [];

/** Close everything the last test opened (register with afterEach in each test file). */
export async function cleanupAll(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c();
}

export async function openStore(): Promise<EmbeddedCoord> {
  const store = await EmbeddedCoord.open({ dir: undefined, logger: silentLogger });
  cleanups.push(() => store.close());
  const config: StoredConfig = { file: 'ct.yaml', yaml: YAML, spec, loadedAtMs: Date.now() };
  await store.put(keys.config, JSON.stringify(config));
  return store;
}

/** A fake aggregator: its member record under a lease the test controls. */
export async function join(
  store: CoordStore,
  name: string,
  startedAtMs = Date.now() - 60_000,
): Promise<Lease> {
  const lease = await store.grantLease(1000);
  await putMember(store, name, lease, 0, startedAtMs);
  return lease;
}

export async function putMember(
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

export function startController(store: CoordStore, id: string): Controller {
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

export async function assignments(store: CoordStore): Promise<Map<string, AssignmentRecord>> {
  const out = new Map<string, AssignmentRecord>();
  for (const kv of await store.list(keys.assignments)) {
    const r = parseRecord<AssignmentRecord>(kv.value);
    if (r) out.set(keys.nameOf(kv.key, keys.assignments), r);
  }
  return out;
}

export async function heldBy(store: CoordStore): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [agg, r] of await assignments(store))
    out.set(
      agg,
      r.producers.map((p) => p.name),
    );
  return out;
}

export async function loads(store: CoordStore): Promise<string> {
  const held = await heldBy(store);
  return AGGS.map((a) => held.get(a)?.length ?? 0).join('/');
}

export async function events(store: CoordStore): Promise<ClusterEvent[]> {
  return (await store.list(keys.events)).map((kv) => parseRecord<ClusterEvent>(kv.value)!);
}

export const hasEvent = (
  es: ClusterEvent[],
  kind: ClusterEvent['kind'],
  subject?: string,
): boolean => es.some((e) => e.kind === kind && (subject === undefined || e.subject === subject));

export async function desired(
  store: CoordStore,
  daemon: string,
): Promise<SamplerDesired | undefined> {
  return parseRecord<SamplerDesired>((await store.get(keys.sampler(daemon)))?.value);
}
