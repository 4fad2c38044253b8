/**
 * SumStats in a running stack: definitions from a file, pushed events through
 * `canopy observe`, a metric-source rule over the machine's own samples, a
 * threshold crossing delivered to a command action and shown by the API.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, getJson, startCli } from './helpers.js';
import type { Daemon } from './helpers.js';

const daemons: Daemon[] = [];
after(async () => {
  await Promise.all(daemons.map((d) => d.kill()));
});

interface Summary {
  sumstats: { name: string; keys: number }[];
  crossings: { sumstat: string; key: string; value: number; threshold: number }[];
}

test('scan detection and a metric rule in canopy up, fed by canopy observe', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-sumstats-'));
  const out = join(dir, 'crossings.jsonl');
  const file = join(dir, 'sumstats.yaml');
  writeFileSync(
    file,
    `sumstats:
  - name: scan
    epoch: 60s
    reducers:
      - { name: ports, stream: conn.attempt, spec: { kind: unique, n: 10000 } }
    threshold: { value: ports.count, threshold: 100 }
  - name: load
    epoch: 10s
    reducers:
      - { name: peak, stream: load, spec: { kind: max } }
metrics:
  - { select: 'Local::*:loadavg:load1', stream: load, key: host }
actions:
  commands: ['cat >> ${out}']
`,
  );
  const up = startCli([
    'up',
    '--port',
    '0',
    '--wire-port',
    '0',
    '--put-port',
    '0',
    '--host',
    'h',
    '--data-dir',
    'off',
    '--sumstats',
    file,
  ]);
  daemons.push(up);
  const api = (await up.waitFor(/Canopy is up: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  const events = [
    ...Array.from({ length: 150 }, (_, i) => ({
      stream: 'conn.attempt',
      key: '10.0.0.5',
      str: String(1000 + i),
    })),
    ...Array.from({ length: 50 }, (_, i) => ({
      stream: 'conn.attempt',
      key: '10.0.0.6',
      str: String(1000 + i),
    })),
  ];
  const eventsFile = join(dir, 'events.jsonl');
  writeFileSync(eventsFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const obs = startCli(['observe', '--file', eventsFile, '--api', api]);
  await obs.waitFor(/accepted 200/);
  const { body } = await getJson<Summary>(`${api}/api/sumstats`);
  assert.deepEqual(
    body.crossings.map((c) => [c.sumstat, c.key, c.threshold]),
    [['scan', '10.0.0.5', 100]],
  );
  const line = await eventually(
    async () => {
      if (!existsSync(out)) return undefined;
      const text = readFileSync(out, 'utf8').trim();
      return text === '' ? undefined : text.split('\n')[0];
    },
    10_000,
    'the command action',
  );
  assert.match(line!, /"type":"crossing".*"key":"10\.0\.0\.5"/);
  // The metric rule observes this machine's load average once samples flow.
  await eventually(
    async () => {
      const r = await getJson<Summary>(`${api}/api/sumstats`);
      return (r.body.sumstats.find((s) => s.name === 'load')?.keys ?? 0) === 1 ? true : undefined;
    },
    15_000,
    'load keyed by host',
  );
  // Definitions change at run time through the CLI (and HTTP).
  const defFile = join(dir, 'ssh.yaml');
  writeFileSync(
    defFile,
    `name: ssh
epoch: manual
reducers: [{ name: failures, stream: ssh.failed, spec: { kind: count } }]
threshold: { value: failures, series: [3, 5] }
`,
  );
  await startCli(['sumstats', 'define', defFile, '--api', api]).waitFor(/defined ssh/);
  for (let i = 0; i < 6; i++)
    await startCli([
      'observe',
      '--stream',
      'ssh.failed',
      '--key',
      '10.0.0.9',
      '--api',
      api,
    ]).waitFor(/accepted 1/);
  const ssh = await getJson<Summary>(`${api}/api/sumstats`);
  assert.deepEqual(
    ssh.body.crossings.filter((c) => c.sumstat === 'ssh').map((c) => c.threshold),
    [3, 5],
  );
  await startCli(['sumstats', 'remove', 'ssh', '--api', api]).waitFor(/removed ssh/);
  const list = startCli(['sumstats', 'list', '--api', api]);
  await list.waitFor(/scan\s+60s/);
  assert.doesNotMatch(list.stdout(), /^ssh /m);
  const badFile = join(dir, 'bad-def.yaml');
  writeFileSync(
    badFile,
    'name: bad\nepoch: 10s\nreducers: [{ name: x, stream: s, spec: { kind: nope } }]\n',
  );
  const badDef = startCli(['sumstats', 'define', badFile, '--api', api]);
  await new Promise((resolve) => badDef.child.once('close', resolve));
  assert.equal(badDef.child.exitCode, 2);
  assert.match(badDef.stderr(), /body\.reducers\[0\]\.spec\.kind: /);
  // The same events batched over the wire protocol to the aggregator's listener.
  const wirePort = Number((await up.waitFor(/wire port (\d+)/))[1]);
  await startCli(['observe', '--file', eventsFile, '--wire', `127.0.0.1:${wirePort}`]).waitFor(
    /accepted 200/,
  );
  const badEvents = join(dir, 'bad.jsonl');
  writeFileSync(badEvents, '{"stream":"s","key":"k","num":"x"}\n');
  const overWire = startCli(['observe', '--file', badEvents, '--wire', `127.0.0.1:${wirePort}`]);
  await new Promise((resolve) => overWire.child.once('close', resolve));
  assert.equal(overWire.child.exitCode, 1);
  assert.match(overWire.stderr(), /refused batch 1: \[0\]\.num: must be a finite number/);
  // Bad pushed events get a located 400.
  const res = await fetch(`${api}/api/observe`, {
    method: 'POST',
    body: JSON.stringify([{ stream: 's', key: 'k', num: 'x' }]),
  });
  assert.equal(res.status, 400);
  assert.match(
    ((await res.json()) as { error: { message: string } }).error.message,
    /^\[0\]\.num: must be a finite number/,
  );
});

test('a bad sumstats file stops canopy up with every problem located', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-sumstats-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    `sumstats:
  - name: scan
    epoch: sometimes
    reducers: [{ name: ports, stream: s, spec: { kind: unique } }]
  - name: q
    epoch: 10s
    reducers: [{ name: lat, stream: s, spec: { kind: quantile, n: 3 } }]
`,
  );
  const up = startCli([
    'up',
    '--port',
    '0',
    '--wire-port',
    '0',
    '--put-port',
    '0',
    '--data-dir',
    'off',
    '--sumstats',
    file,
  ]);
  daemons.push(up);
  const code = await new Promise<number | null>((resolve) => up.child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(up.stderr(), /bad\.yaml:3:12 sumstats\[0\]\.epoch: expected a duration/);
  assert.match(up.stderr(), /bad\.yaml:7:\d+ sumstats\[1\]\.reducers\[0\]\.spec(\.n)?: /);
});
