/**
 * Distributed SumStats between real daemons: two aggregators as workers, one
 * as manager (all from `--sumstats` files); a scanner's events split over the
 * two workers cross the threshold only in the manager's merged view.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { freePorts } from '../controller/cluster-support.js';
import { eventually, getJson, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';

const daemons: Daemon[] = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.kill()));
});

interface Summary {
  sumstats: { name: string }[];
  crossings: { sumstat: string; key: string; global: boolean; threshold: number }[];
}

test('workers reduce, the manager merges and fires the global crossing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-sumstats-d-'));
  const [mPort, mWire, mApi, w1Wire, w1Api, w2Wire, w2Api] = await freePorts(7);
  const managerFile = join(dir, 'manager.yaml');
  writeFileSync(
    managerFile,
    `sumstats:
  - name: scan
    epoch: 60s
    reducers: [{ name: ports, stream: conn.attempt, spec: { kind: hll_unique } }]
    threshold: { value: ports.estimate, threshold: 100 }
distribution: { role: manager, name: mgr, listen: 127.0.0.1:${mPort} }
`,
  );
  const workerFile = join(dir, 'worker.yaml');
  writeFileSync(
    workerFile,
    `distribution:
  role: worker
  managers: [{ name: mgr, endpoint: 127.0.0.1:${mPort} }]
`,
  );
  const agg = (name: string, wire: number, api: number, file: string): Daemon => {
    const d = startCli([
      'aggregator',
      '--name',
      name,
      '--listen',
      `127.0.0.1:${wire}`,
      '--api',
      `127.0.0.1:${api}`,
      '--sumstats',
      file,
    ]);
    daemons.push(d);
    return d;
  };
  await agg('mgr-node', mWire!, mApi!, managerFile).waitFor(/aggregator mgr-node/);
  await agg('w1', w1Wire!, w1Api!, workerFile).waitFor(/aggregator w1/);
  await agg('w2', w2Wire!, w2Api!, workerFile).waitFor(/aggregator w2/);
  // Workers get the definitions from the manager.
  for (const api of [w1Api, w2Api])
    await eventually(
      async () => {
        const r = await getJson<Summary>(`http://127.0.0.1:${api}/api/sumstats`);
        return r.body.sumstats.some((s) => s.name === 'scan') ? true : undefined;
      },
      15_000,
      'definitions pushed to workers',
    );
  const events = (key: string, from: number, n: number): string =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({ stream: 'conn.attempt', key, str: String(from + i) }),
    ).join('\n') + '\n';
  // 70 distinct ports on each worker: neither crosses 100 alone, together 140.
  writeFileSync(join(dir, 'w1.jsonl'), events('10.0.0.5', 0, 70) + events('10.0.0.6', 0, 30));
  writeFileSync(join(dir, 'w2.jsonl'), events('10.0.0.5', 70, 70) + events('10.0.0.6', 30, 30));
  for (const [api, f] of [
    [w1Api, 'w1.jsonl'],
    [w2Api, 'w2.jsonl'],
  ] as const)
    await startCli(['observe', '--file', join(dir, f), '--api', `http://127.0.0.1:${api}`]).waitFor(
      /accepted 100/,
    );
  const crossings = await eventually(
    async () => {
      const r = await getJson<Summary>(`http://127.0.0.1:${mApi}/api/sumstats`);
      return r.body.crossings.length > 0 ? r.body.crossings : undefined;
    },
    15_000,
    'the global crossing at the manager',
  );
  assert.deepEqual(
    crossings.map((c) => [c.sumstat, c.key, c.global, c.threshold]),
    [['scan', '10.0.0.5', true, 100]],
  );
  // Workers fire nothing themselves.
  const w1 = await getJson<Summary>(`http://127.0.0.1:${w1Api}/api/sumstats`);
  assert.deepEqual(w1.body.crossings, []);
  // A definition added at run time at the manager reaches the workers; a worker refuses one.
  const defFile = join(dir, 'ssh.yaml');
  writeFileSync(
    defFile,
    'name: ssh\nepoch: 60s\nreducers: [{ name: n, stream: ssh.failed, spec: { kind: count } }]\n',
  );
  await startCli(['sumstats', 'define', defFile, '--api', `http://127.0.0.1:${mApi}`]).waitFor(
    /defined ssh/,
  );
  await eventually(
    async () => {
      const r = await getJson<Summary>(`http://127.0.0.1:${w2Api}/api/sumstats`);
      return r.body.sumstats.some((x) => x.name === 'ssh') ? true : undefined;
    },
    15_000,
    'the runtime definition at a worker',
  );
  const refused = startCli(['sumstats', 'define', defFile, '--api', `http://127.0.0.1:${w1Api}`]);
  await new Promise((resolve) => refused.child.once('close', resolve));
  assert.match(refused.stderr(), /worker: define sumstats at its manager/);
});
