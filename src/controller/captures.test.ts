import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseClusterConfig } from '../cluster/index.js';
import { silentLogger } from '../common/index.js';
import { EmbeddedCoord } from '../coord/index.js';
import { captureId, holdCaptures, planCaptures, releaseCaptures } from './captures.js';
import { ControllerError } from './errors.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type { CaptureRecord } from './keys.js';

const NOW = 1_700_000_000_000;
const spec = parseClusterConfig(
  `cluster: cap
daemons:
  - names: 'sampler-[1-6]'
    hosts: 'node-[1-6]'
    endpoints: [{ names: 'node-[1-6]-ep', ports: 10002 }]
  - { names: agg-1, hosts: ahost, endpoints: [{ names: agg-1-ep, ports: 7470 }] }
aggregators:
  - daemons: agg-1
    peers: [{ daemons: 'sampler-[1-6]' }]
samplers:
  - daemons: 'sampler-[1-6]'
    plugins: [{ name: cpu, interval: 1s }, { name: loadavg, interval: 10s }]
ous:
  - { hosts: 'node-[1-3]', ou: 'Lab:Rack1' }
  - { hosts: 'node-[4-6]', ou: 'Lab:Rack2' }
`,
  'cap.yaml',
);

const pairs = (rs: readonly CaptureRecord[]): string[] =>
  rs.map((r) => `${r.daemon}/${r.host}/${r.plugin}`).sort();

void describe('planCaptures', () => {
  void it('picks samplers by OU and host glob and plugins by the group token', () => {
    const rs = planCaptures(
      spec,
      { selector: 'Lab:Rack2::node-[45]:cpu:*', intervalMs: 100, forMs: 60_000 },
      NOW,
    );
    assert.deepEqual(pairs(rs), ['sampler-4/node-4/cpu', 'sampler-5/node-5/cpu']);
    for (const r of rs) {
      assert.equal(r.id, captureId(r.daemon, 'cpu', 100));
      assert.equal(r.intervalMs, 100);
      assert.equal(r.untilMs, NOW + 60_000);
      assert.equal(r.createdAtMs, NOW);
      assert.equal(r.selector, 'Lab:Rack2::node-[45]:cpu:*');
    }
  });

  void it('an OU prefix covers the OUs below it; a group glob names several plugins', () => {
    const rs = planCaptures(
      spec,
      { selector: 'Lab::node-1:*:*', intervalMs: 200, forMs: 1000 },
      NOW,
    );
    assert.deepEqual(pairs(rs), ['sampler-1/node-1/cpu', 'sampler-1/node-1/loadavg']);
    const rack1 = planCaptures(
      spec,
      { selector: 'Lab:Rack1::*:loadavg:*', intervalMs: 200, forMs: 1000 },
      NOW,
    );
    assert.deepEqual(pairs(rack1), [
      'sampler-1/node-1/loadavg',
      'sampler-2/node-2/loadavg',
      'sampler-3/node-3/loadavg',
    ]);
  });

  void it('names a registry plugin the samplers do not run yet', () => {
    const rs = planCaptures(
      spec,
      { selector: 'Lab::node-6:vmstat:*', intervalMs: 500, forMs: 1000 },
      NOW,
    );
    assert.deepEqual(pairs(rs), ['sampler-6/node-6/vmstat']);
    assert.equal(rs[0]!.id, 'sampler-6.vmstat.500ms');
  });

  void it('refuses a request that matches nothing with a coded error', () => {
    for (const selector of [
      'Elsewhere::node-1:cpu:*', // no such OU
      'Lab::node-99:cpu:*', // no such host
      'Lab::node-1:nosuch:*', // neither configured nor a known plugin
    ]) {
      assert.throws(
        () => planCaptures(spec, { selector, intervalMs: 100, forMs: 1000 }, NOW),
        (err: unknown) =>
          err instanceof ControllerError &&
          err.code === 'CANOPY_ERR_CAPTURE' &&
          err.message.includes(selector),
        selector,
      );
    }
  });
});

void describe('holdCaptures / releaseCaptures', () => {
  const keys = new ClusterKeys('cap');
  const stores: EmbeddedCoord[] = [];
  after(async () => {
    for (const s of stores) await s.close();
  });
  const open = async (): Promise<EmbeddedCoord> => {
    const s = await EmbeddedCoord.open({ dir: undefined, logger: silentLogger });
    stores.push(s);
    return s;
  };
  const plan = (forMs: number, nowMs = NOW): CaptureRecord[] =>
    planCaptures(spec, { selector: 'Lab::node-2:cpu:*', intervalMs: 100, forMs }, nowMs);

  void it('two holders share one record whose end is the later one', async () => {
    const store = await open();
    const lease = await store.grantLease(5000);
    const a = await holdCaptures(store, 'cap', plan(60_000), { id: 'client-a', lease });
    const b = await holdCaptures(store, 'cap', plan(10_000, NOW + 1000), {
      id: 'client-b',
      lease: undefined,
    });
    const id = captureId('sampler-2', 'cpu', 100);
    assert.deepEqual([a.map((r) => r.id), b.map((r) => r.id)], [[id], [id]]);
    const records = (await store.list(keys.captures)).filter((kv) => !kv.key.includes('/holders/'));
    assert.equal(records.length, 1);
    const rec = parseRecord<CaptureRecord>(records[0]!.value)!;
    assert.equal(rec.untilMs, NOW + 60_000, 'max of both ends');
    assert.equal(rec.createdAtMs, NOW, 'the first request created it');
    assert.equal(b[0]!.untilMs, NOW + 60_000, 'the joining client is told the shared end');

    const holders = await store.list(`${keys.capture(id)}/holders/`);
    assert.deepEqual(
      holders.map((kv) => kv.key),
      [keys.captureHolder(id, 'client-a'), keys.captureHolder(id, 'client-b')],
    );
    assert.equal(holders[0]!.lease, lease.id, 'a holder is bound to its client lease');
    assert.equal(holders[1]!.lease, undefined, 'a detached holder has none');

    await releaseCaptures(store, 'cap', [id], 'client-b');
    const left = await store.list(`${keys.capture(id)}/holders/`);
    assert.deepEqual(
      left.map((kv) => kv.key),
      [keys.captureHolder(id, 'client-a')],
    );
    assert.ok(await store.get(keys.capture(id)), 'the record stays for the controller to end');

    await lease.revoke();
    assert.deepEqual(await store.list(`${keys.capture(id)}/holders/`), []);
  });

  void it('a later, longer request extends the shared end', async () => {
    const store = await open();
    await holdCaptures(store, 'cap', plan(10_000), { id: 'a', lease: undefined });
    await holdCaptures(store, 'cap', plan(30_000, NOW + 5000), { id: 'b', lease: undefined });
    const rec = parseRecord<CaptureRecord>(
      (await store.get(keys.capture(captureId('sampler-2', 'cpu', 100))))?.value,
    )!;
    assert.equal(rec.untilMs, NOW + 35_000);
  });

  void it('many concurrent holders all land and keep one record', async () => {
    const store = await open();
    const ids = Array.from({ length: 8 }, (_, i) => `client-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        holdCaptures(store, 'cap', plan(1000 * (i + 1)), { id, lease: undefined }),
      ),
    );
    const id = captureId('sampler-2', 'cpu', 100);
    const holders = await store.list(`${keys.capture(id)}/holders/`);
    assert.equal(holders.length, ids.length);
    const rec = parseRecord<CaptureRecord>((await store.get(keys.capture(id)))?.value)!;
    assert.equal(rec.untilMs, NOW + 8000);
  });
});
