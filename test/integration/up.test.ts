import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, getJson, startCli } from './helpers.js';
import type { Daemon } from './helpers.js';

interface Point {
  name: string;
  timestampMs: number;
  value: number | string;
  unit: string;
}

let stack: Daemon;
let api: string;
let putPort: number;

before(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'canopy-up-'));
  stack = startCli([
    'up',
    '--port',
    '0',
    '--wire-port',
    '0',
    '--put-port',
    '0',
    '--host',
    'this-host',
    '--data-dir',
    dataDir,
  ]);
  api = (await stack.waitFor(/Canopy is up: (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  putPort = Number((await stack.waitFor(/put port (\d+)/))[1]);
});

after(async () => {
  await stack.kill();
});

async function latest(select: string): Promise<Point[]> {
  const { status, body } = await getJson<{ points: Point[] }>(
    `${api}/api/latest?select=${encodeURIComponent(select)}`,
  );
  assert.equal(status, 200);
  return body.points;
}

test('canopy up serves this machine’s real meminfo', async () => {
  const points = await eventually(async () => {
    const p = await latest('Local::this-host:meminfo:MemTotal');
    return p.length > 0 ? p : undefined;
  });
  const memTotalKb = Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
  assert.equal(points.length, 1);
  assert.equal(points[0]!.name, 'Local::this-host:meminfo:MemTotal');
  // The plugin may report kB or bytes; either way it is this machine's figure.
  const v = points[0]!.value as number;
  assert.ok(v === memTotalKb || v === memTotalKb * 1024, `MemTotal ${v} vs /proc ${memTotalKb} kB`);
});

test('cpu counters come from /proc/stat and advance', async () => {
  const first = await eventually(async () => {
    const p = await latest('Local::this-host:cpu:user');
    return p.length === 1 ? p[0]! : undefined;
  });
  const procUser = Number(
    readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)[1],
  );
  assert.ok((first.value as number) <= procUser, 'sampled counter cannot be ahead of the kernel');
  assert.ok((first.value as number) > 0);
  const next = await eventually(async () => {
    const p = await latest('Local::this-host:cpu:user');
    return p[0] && p[0].timestampMs > first.timestampMs ? p[0] : undefined;
  });
  assert.ok(next.timestampMs - first.timestampMs >= 900, 'samples are one interval apart');
  const perCpu = await latest('Local::this-host:cpu:*:user');
  assert.ok(perCpu.length >= 1, 'per-cpu fields are present');
});

test('the tree lists the host and its groups', async () => {
  const { body } = await getJson<{
    tree: { name: string; hosts: { name: string; up: boolean; groups: { name: string }[] }[] }[];
  }>(`${api}/api/tree`);
  const local = body.tree.find((n) => n.name === 'Local');
  assert.ok(local, 'OU Local exists');
  const host = local.hosts.find((h) => h.name === 'this-host');
  assert.ok(host?.up, 'host is up');
  const groups = host.groups.map((g) => g.name);
  for (const g of ['cpu', 'meminfo', 'vmstat', 'loadavg', 'netdev', 'diskstats'])
    assert.ok(groups.includes(g), `group ${g} in ${groups.join(',')}`);
});

test('canopy put on behalf of another host reaches the API', async () => {
  const put = startCli([
    'put',
    '--to',
    `127.0.0.1:${putPort}`,
    '--name',
    'inlet',
    '--value',
    '23.5',
    '--unit',
    'C',
    '--group',
    'env',
    '--host',
    'rack-7',
  ]);
  await put.waitFor(/stored Local::rack-7:env:inlet = 23.5/);
  await put.kill();
  const p = await eventually(async () => {
    const pts = await latest('Local::rack-7:env:inlet');
    return pts.length > 0 ? pts : undefined;
  });
  assert.equal(p[0]!.value, 23.5);
  assert.equal(p[0]!.unit, 'C');
});

test('bad selectors get a coded 400 error', async () => {
  const { status, body } = await getJson<{ error: { code: string; message: string } }>(
    `${api}/api/latest?select=${encodeURIComponent('Local::/[/:x')}`,
  );
  assert.equal(status, 400);
  assert.equal(body.error.code, 'CANOPY_ERR_INVALID_SELECTOR');
  const missing = await getJson<{ error: { code: string } }>(
    `${api}/api/range?select=a::b:c&from=yesterday-ish`,
  );
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.code, 'CANOPY_ERR_INVALID_TIME');
});

test('/metrics exposes the stack’s own health in Prometheus text format', async () => {
  const res = await fetch(`${api}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const name of [
    'canopy_ingest_samples_total',
    'canopy_live_series',
    'canopy_replay_buffer_bytes',
    'canopy_replay_buffer_dropped_samples_total',
    'canopy_sampler_values_total',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), name);
  }
  const ingested = Number(
    /^canopy_ingest_samples_total\{daemon="local-l1"\} (\d+)$/m.exec(text)?.[1],
  );
  assert.ok(ingested > 0, 'samples were ingested');
  assert.match(
    text,
    /^canopy_replay_buffer_dropped_samples_total\{daemon="sampler-this-host",uplink="pull:local-l1:full",mode="full"\} 0$/m,
  );
});

test('canopy query --follow prints the history, then new points as they arrive, each once', async () => {
  const started = Date.now();
  const follow = startCli([
    'query',
    'Local::this-host:loadavg:load1',
    '--from',
    '-5s',
    '--follow',
    '--api',
    api,
  ]);
  try {
    await eventually(
      async () => {
        const times = follow
          .stdout()
          .split('\n')
          .filter((l) => l.includes('loadavg:load1'))
          .map((l) => Date.parse(l.split(/\s+/)[0]!));
        return times.some((t) => t >= started + 2000) ? true : undefined;
      },
      10_000,
      'points newer than the start of the follow',
    );
  } finally {
    await follow.kill();
  }
  const times = follow
    .stdout()
    .split('\n')
    .filter((l) => l.includes('Local::this-host:loadavg:load1'))
    .map((l) => Date.parse(l.split(/\s+/)[0]!));
  assert.ok(
    times.some((t) => t < started),
    'history came first',
  );
  for (let i = 1; i < times.length; i++)
    assert.ok(times[i]! > times[i - 1]!, `strictly increasing at ${i}: ${times.join(',')}`);
});

test('canopy up runs the controller on its embedded store: status, catalog, ctl and find', async () => {
  const { body } = await eventually(async () => {
    const r = await getJson<{
      aggregators: { name: string; live: boolean; producers: string[] }[];
      controllers: { leader: boolean }[];
      unassigned: string[];
    }>(`${api}/api/cluster`);
    return r.body.aggregators[0]?.producers.length === 1 ? r : undefined;
  });
  assert.deepEqual(body.aggregators, [
    { ...body.aggregators[0]!, name: 'local-l1', live: true, producers: ['sampler-this-host'] },
  ]);
  assert.equal(body.controllers.filter((c) => c.leader).length, 1);
  assert.deepEqual(body.unassigned, []);
  const ctl = startCli(['ctl', 'status', '--api', api]);
  await ctl.waitFor(/local-l1\s+local-l1\s+1\s+up\s+1/);
  const find = startCli(['find', 'this-*', '--api', api]);
  await find.waitFor(/this-host\s+local-l1\s+\S+\s+now \(live\)\s+up/);
});
