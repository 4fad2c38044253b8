import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseClusterConfig, producerWeight } from '../cluster/index.js';
import type { ClusterSpec, PluginPlan } from '../cluster/index.js';
import type { AssignmentRecord, CaptureRecord, MemberRecord } from './keys.js';
import { reconcile, withCaptures } from './reconcile.js';
import type { ReconcileOutput } from './reconcile.js';

const NOW = 10_000_000;
const SETTLE_MS = 3000;

/** `aggs` L1 aggregators pulling 30 samplers, plus 4 samplers that push into the same group. */
function countSpec(aggs: number): ClusterSpec {
  return parseClusterConfig(
    `cluster: rt
daemons:
  - names: 'sampler-[1-30]'
    hosts: 'node-[1-30]'
    endpoints: [{ names: 'node-[1-30]-ep', ports: 10002 }]
  - names: 'pusher-[1-4]'
    hosts: 'pnode-[1-4]'
    endpoints: [{ names: 'pnode-[1-4]-ep', ports: 10002 }]
  - names: 'agg-[1-${aggs}]'
    hosts: 'ahost-[1-${aggs}]'
    endpoints: [{ names: 'agg-[1-${aggs}]-ep', ports: 7470 }]
aggregators:
  - daemons: 'agg-[1-${aggs}]'
    peers:
      - { daemons: 'sampler-[1-30]' }
      - { daemons: 'pusher-[1-4]', type: passive, updaters: [{ mode: push }] }
samplers:
  - daemons: 'sampler-[1-30]'
    plugins: [{ name: loadavg, interval: 1s, offset: 300ms }]
  - daemons: 'pusher-[1-4]'
    plugins: [{ name: loadavg, interval: 1s }]
`,
    'rt.yaml',
  );
}

/** One heavy sampler (vmstat + cpu + meminfo) and ten light ones (loadavg) over two aggregators. */
function weightSpec(balance: 'count' | 'weight'): ClusterSpec {
  return parseClusterConfig(
    `cluster: wt
daemons:
  - { names: heavy-1, hosts: hnode-1, endpoints: [{ names: hnode-1-ep, ports: 10002 }] }
  - { names: 'light-[1-10]', hosts: 'lnode-[1-10]', endpoints: [{ names: 'lnode-[1-10]-ep', ports: 10002 }] }
  - { names: 'agg-[1-2]', hosts: 'ahost-[1-2]', endpoints: [{ names: 'agg-[1-2]-ep', ports: 7470 }] }
aggregators:
  - daemons: 'agg-[1-2]'
    balance: ${balance}
    peers: [{ daemons: heavy-1 }, { daemons: 'light-[1-10]' }]
samplers:
  - daemons: heavy-1
    plugins: [{ name: vmstat, interval: 1s }, { name: cpu, interval: 1s }, { name: meminfo, interval: 1s }]
  - daemons: 'light-[1-10]'
    plugins: [{ name: loadavg, interval: 1s }]
`,
    'wt.yaml',
  );
}

function member(name: string, startedAtMs = 0): MemberRecord {
  return {
    name,
    role: 'aggregator',
    group: 'agg',
    level: 1,
    endpoint: { host: '127.0.0.1', port: 7470 },
    api: null,
    pid: 1,
    startedAtMs,
  };
}

function members(...entries: (string | [string, number])[]): Map<string, MemberRecord> {
  return new Map(
    entries.map((e) => (typeof e === 'string' ? [e, member(e)] : [e[0], member(e[0], e[1])])),
  );
}

function run(
  spec: ClusterSpec,
  live: Map<string, MemberRecord>,
  assignments: ReadonlyMap<string, AssignmentRecord> = new Map(),
  o: { nowMs?: number; captures?: CaptureRecord[] } = {},
): ReconcileOutput {
  return reconcile({
    spec,
    members: live,
    assignments,
    captures: o.captures ?? [],
    nowMs: o.nowMs ?? NOW,
    settleMs: SETTLE_MS,
  });
}

/** Producer names held by each aggregator. */
function held(out: ReconcileOutput): Map<string, string[]> {
  return new Map([...out.assignments].map(([agg, r]) => [agg, r.producers.map((p) => p.name)]));
}

function holderOf(out: ReconcileOutput, producer: string): string | undefined {
  for (const [agg, r] of out.assignments)
    if (r.producers.some((p) => p.name === producer)) return agg;
  return undefined;
}

function counts(out: ReconcileOutput): number[] {
  return [...out.assignments.values()].map((r) => r.producers.length);
}

const SAMPLERS = Array.from({ length: 30 }, (_, i) => `sampler-${i + 1}`);

void describe('reconcile: count balancing and failover', () => {
  const spec = countSpec(3);

  void it('spreads 30 producers 10/10/10 over 3 live members, each producer once', () => {
    const out = run(spec, members('agg-1', 'agg-2', 'agg-3'));
    assert.deepEqual(counts(out), [10, 10, 10]);
    const all = [...held(out).values()].flat().sort();
    assert.deepEqual(all, [...SAMPLERS].sort());
    assert.equal(out.moves.length, 30);
    for (const m of out.moves) assert.equal(m.from, undefined);
    for (const r of out.assignments.values())
      for (const p of r.producers) {
        assert.deepEqual(p.takeover, []);
        assert.equal(p.mode, 'full');
        assert.equal(p.endpoint.port, 10002);
        assert.equal(p.host, `node-${p.name.slice('sampler-'.length)}`);
      }
    assert.equal(out.nextCheckMs, undefined);
  });

  void it('never assigns push peers', () => {
    const out = run(spec, members('agg-1', 'agg-2', 'agg-3'));
    const all = [...held(out).values()].flat();
    assert.equal(
      all.some((n) => n.startsWith('pusher-')),
      false,
    );
    assert.equal(all.length, 30);
  });

  void it('moves only a dead member’s producers, each naming it in takeover', () => {
    const before = run(spec, members('agg-1', 'agg-2', 'agg-3'));
    const after = run(spec, members('agg-1', 'agg-3'), before.assignments);
    const was = held(before);
    assert.deepEqual(held(after).get('agg-2'), []);
    for (const agg of ['agg-1', 'agg-3'])
      for (const p of was.get(agg)!) assert.equal(holderOf(after, p), agg, `${p} stayed on ${agg}`);
    assert.deepEqual(after.moves.map((m) => m.producer).sort(), [...was.get('agg-2')!].sort());
    for (const m of after.moves) {
      assert.equal(m.from, 'agg-2');
      assert.equal(m.group, 'agg-[1-3]');
      const entry = after.assignments.get(m.to)!.producers.find((p) => p.name === m.producer)!;
      assert.deepEqual(entry.takeover, ['agg-2']);
    }
    assert.deepEqual(counts(after), [15, 0, 15]);
    for (const agg of ['agg-1', 'agg-3'])
      for (const p of after.assignments.get(agg)!.producers)
        if (was.get(agg)!.includes(p.name)) assert.deepEqual(p.takeover, []);
  });

  void it('gives a new member nothing within settleMs, then its share with minimal moves', () => {
    const two = run(spec, members('agg-1', 'agg-2'));
    assert.deepEqual(counts(two), [15, 15, 0]);
    const joinedAt = NOW - 1000;
    const early = run(spec, members('agg-1', 'agg-2', ['agg-3', joinedAt]), two.assignments);
    assert.deepEqual(early.moves, []);
    assert.deepEqual(held(early), held(two));
    assert.equal(early.nextCheckMs, joinedAt + SETTLE_MS, 'reconcile again when it settles');

    const settled = run(spec, members('agg-1', 'agg-2', ['agg-3', joinedAt]), early.assignments, {
      nowMs: joinedAt + SETTLE_MS,
    });
    assert.deepEqual(counts(settled), [10, 10, 10]);
    assert.equal(settled.moves.length, 10, 'exactly its share moves, nothing else');
    for (const m of settled.moves) {
      assert.equal(m.to, 'agg-3');
      assert.ok(m.from === 'agg-1' || m.from === 'agg-2');
    }
    const was = held(two);
    for (const agg of ['agg-1', 'agg-2'])
      for (const p of held(settled).get(agg)!) assert.ok(was.get(agg)!.includes(p));
    assert.equal(settled.nextCheckMs, undefined);
  });

  void it('lets a restarted, unsettled member keep what it holds; orphans go to settled members', () => {
    const before = run(spec, members('agg-1', 'agg-2', 'agg-3'));
    const after = run(spec, members('agg-2', ['agg-3', NOW - 500]), before.assignments);
    const was = held(before);
    assert.deepEqual(held(after).get('agg-3'), was.get('agg-3'));
    assert.deepEqual(held(after).get('agg-1'), []);
    assert.equal(held(after).get('agg-2')!.length, 20);
    for (const m of after.moves) {
      assert.equal(m.from, 'agg-1');
      assert.equal(m.to, 'agg-2');
    }
  });

  void it('uses every live member while none has settled (a cluster starting up)', () => {
    const out = run(spec, members(['agg-1', NOW - 10], ['agg-2', NOW - 20], ['agg-3', NOW]));
    assert.deepEqual(counts(out), [10, 10, 10]);
    assert.equal(out.nextCheckMs, NOW - 20 + SETTLE_MS);
  });

  void it('empties the record of an aggregator the config no longer has', () => {
    const before = run(countSpec(4), members('agg-1', 'agg-2', 'agg-3', 'agg-4'));
    const dropped = held(before).get('agg-4')!;
    assert.ok(dropped.length > 0);
    const after = run(spec, members('agg-1', 'agg-2', 'agg-3', 'agg-4'), before.assignments);
    assert.deepEqual(held(after).get('agg-4'), []);
    assert.deepEqual(counts(after), [10, 10, 10, 0]);
    assert.deepEqual(after.moves.map((m) => m.producer).sort(), [...dropped].sort());
  });

  void it('keeps every assignment as it is when no member of the group is alive (outage rule)', () => {
    const before = run(spec, members('agg-1', 'agg-2', 'agg-3'));
    const after = run(spec, new Map(), before.assignments, { nowMs: NOW + 60_000 });
    assert.deepEqual(after.moves, []);
    assert.deepEqual(after.assignments, before.assignments);
  });
});

void describe('reconcile: takeover lists', () => {
  const spec = countSpec(6);
  const entry = (name: string, takeover: string[]) => ({
    name,
    host: `node-${name.slice('sampler-'.length)}`,
    endpoint: { host: 'node', port: 10002 },
    mode: 'full' as const,
    takeover,
  });

  void it('caps the list at four and never names the new holder', () => {
    const assignments = new Map<string, AssignmentRecord>([
      [
        'agg-1',
        {
          aggregator: 'agg-1',
          producers: [entry('sampler-1', ['agg-2', 'agg-3', 'agg-4', 'agg-5', 'agg-6'])],
          atMs: 0,
        },
      ],
      [
        'agg-2',
        { aggregator: 'agg-2', producers: [entry('sampler-2', ['agg-2', 'agg-6'])], atMs: 0 },
      ],
    ]);
    const out = run(spec, members('agg-2'), assignments);
    const got = new Map(out.assignments.get('agg-2')!.producers.map((p) => [p.name, p.takeover]));
    assert.equal(got.size, 30);
    assert.deepEqual(got.get('sampler-1'), ['agg-1', 'agg-3', 'agg-4', 'agg-5']);
    assert.deepEqual(got.get('sampler-2'), ['agg-6'], 'a producer that stays drops its own holder');
    for (const [name, t] of got)
      if (name !== 'sampler-1' && name !== 'sampler-2') assert.deepEqual(t, []);
  });

  void it('through a chain of failures: bounded, distinct, never the holder', () => {
    let out = run(spec, members('agg-1', 'agg-2', 'agg-3', 'agg-4', 'agg-5', 'agg-6'));
    const alive = ['agg-1', 'agg-2', 'agg-3', 'agg-4', 'agg-5', 'agg-6'];
    while (alive.length > 1) {
      alive.shift();
      out = run(spec, members(...alive), out.assignments);
      for (const [agg, r] of out.assignments)
        for (const p of r.producers) {
          assert.ok(p.takeover.length <= 4, `${p.name}: ${p.takeover.join(',')}`);
          assert.equal(p.takeover.includes(agg), false);
          assert.equal(new Set(p.takeover).size, p.takeover.length);
        }
      for (const m of out.moves) {
        const e = out.assignments.get(m.to)!.producers.find((p) => p.name === m.producer)!;
        assert.equal(e.takeover[0], m.from, 'the last holder comes first');
      }
    }
    assert.equal(out.assignments.get('agg-6')!.producers.length, 30);
  });
});

void describe('reconcile: weight mode', () => {
  void it('balances by producerWeight, not by count', () => {
    const spec = weightSpec('weight');
    assert.ok(producerWeight(spec, 'heavy-1') > 10 * producerWeight(spec, 'light-1'));
    const out = run(spec, members('agg-1', 'agg-2'));
    const heavyOn = holderOf(out, 'heavy-1')!;
    assert.deepEqual(
      held(out).get(heavyOn),
      ['heavy-1'],
      'the heavy producer weighs as much as all the light ones',
    );
    const other = heavyOn === 'agg-1' ? 'agg-2' : 'agg-1';
    assert.equal(held(out).get(other)!.length, 10);
  });

  void it('count mode on the same producers splits them 6/5', () => {
    const out = run(weightSpec('count'), members('agg-1', 'agg-2'));
    assert.deepEqual(
      counts(out).sort((a, b) => a - b),
      [5, 6],
    );
  });
});

void describe('reconcile: properties', () => {
  const spec = countSpec(5);
  const all = ['agg-1', 'agg-2', 'agg-3', 'agg-4', 'agg-5'];

  void it('each step: every producer once on a live member, balanced; a death moves only the dead one’s producers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.subarray(all, { minLength: 1 }), { minLength: 1, maxLength: 12 }),
        (steps) => {
          let out: ReconcileOutput | undefined;
          let prevLive: string[] = [];
          for (const live of steps) {
            const next = run(spec, members(...live), out?.assignments ?? new Map());
            const placed = [...next.assignments].flatMap(([agg, r]) =>
              r.producers.map((p) => [p.name, agg] as const),
            );
            assert.equal(placed.length, 30);
            assert.equal(new Set(placed.map((p) => p[0])).size, 30);
            for (const [, agg] of placed) assert.ok(live.includes(agg));
            const loads = live.map((a) => next.assignments.get(a)!.producers.length);
            assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, loads.join('/'));
            const onlyDeaths = out !== undefined && live.every((a) => prevLive.includes(a));
            if (onlyDeaths)
              for (const m of next.moves)
                assert.ok(!live.includes(m.from!), `${m.producer} moved off live ${m.from}`);
            out = next;
            prevLive = live;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

void describe('capture overlay', () => {
  const plugins: PluginPlan[] = [
    { name: 'loadavg', intervalMs: 1000, offsetMs: 300, config: {} },
    { name: 'cpu', intervalMs: 1000, offsetMs: 0, config: { x: 1 } },
  ];
  const capture = (
    o: Partial<CaptureRecord> & Pick<CaptureRecord, 'plugin' | 'intervalMs'>,
  ): CaptureRecord => ({
    id: `sampler-1.${o.plugin}.${o.intervalMs}ms`,
    selector: 'rt::node-1:*:*',
    host: 'node-1',
    daemon: 'sampler-1',
    untilMs: NOW + 60_000,
    createdAtMs: NOW,
    ...o,
  });

  void it('lowers an existing plugin’s interval and keeps the offset inside it', () => {
    const out = withCaptures(plugins, [capture({ plugin: 'loadavg', intervalMs: 200 })]);
    assert.deepEqual(out[0], { name: 'loadavg', intervalMs: 200, offsetMs: 100, config: {} });
    assert.deepEqual(out[1], plugins[1]);
    assert.equal(plugins[0]!.intervalMs, 1000, 'the configured list is not changed in place');
  });

  void it('never raises an interval, and the fastest of several captures wins', () => {
    const out = withCaptures(plugins, [
      capture({ plugin: 'loadavg', intervalMs: 5000 }),
      capture({ plugin: 'cpu', intervalMs: 500 }),
      capture({ plugin: 'cpu', intervalMs: 250 }),
      capture({ plugin: 'cpu', intervalMs: 400 }),
    ]);
    assert.equal(out[0]!.intervalMs, 1000);
    assert.equal(out[1]!.intervalMs, 250);
    assert.deepEqual(out[1]!.config, { x: 1 });
  });

  void it('adds a plugin that was not loaded', () => {
    const out = withCaptures(plugins, [capture({ plugin: 'vmstat', intervalMs: 500 })]);
    assert.equal(out.length, 3);
    assert.deepEqual(out[2], { name: 'vmstat', intervalMs: 500, offsetMs: 0, config: {} });
  });

  void it('reconcile folds active captures into the sampler’s desired list and ignores expired ones', () => {
    const spec = countSpec(3);
    const active = capture({ plugin: 'loadavg', intervalMs: 200 });
    const expired = capture({ plugin: 'vmstat', intervalMs: 100, untilMs: NOW });
    const out = run(spec, members('agg-1'), new Map(), { captures: [active, expired] });
    const d1 = out.desired.get('sampler-1')!;
    assert.deepEqual(d1.captures, [active.id]);
    assert.deepEqual(
      d1.plugins.map((p) => [p.name, p.intervalMs, p.offsetMs]),
      [['loadavg', 200, 100]],
    );
    const d2 = out.desired.get('sampler-2')!;
    assert.deepEqual(d2.captures, []);
    assert.deepEqual(
      d2.plugins.map((p) => [p.name, p.intervalMs, p.offsetMs]),
      [['loadavg', 1000, 300]],
    );
    assert.equal(out.desired.size, 34, 'every sampler, pushing ones included, has a desired list');
  });
});
