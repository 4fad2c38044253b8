/**
 * The aggregator tree on loopback, all real processes:
 *
 *   sampler A (10 synthetic hosts, Lab:A) ──push──▶ L1 l1-a ──push/summary──▶ L2 l2-sum
 *   sampler lonely (1 host, Lab:A)        ──push──▶ l1-a   ──push/full (via a cutting proxy)──▶ L2 l2-full
 *   sampler B (10 synthetic hosts, Lab:B) ◀─pull── L1 l1-b ──push/summary──▶ l2-sum
 *                                                   l1-b ◀──pull/full── l2-full
 *   l2-sum ──push/summary──▶ L3 l3-top (host data lives two levels below it)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, freePort, getJson, sleep, startCli } from './helpers.js';
import type { Daemon } from './helpers.js';

const INTERVAL_MS = 500;
const daemons: Daemon[] = [];
let proxy: TcpProxy;
const api: Record<string, string> = {};

interface Series {
  name: string;
  points: [number, number][];
}
interface SummarySeries {
  ou: string;
  metric: string;
  points: { timestampMs: number; count: number; sum: number; min: number; max: number }[];
}

function start(args: string[]): Daemon {
  const d = startCli(args);
  daemons.push(d);
  return d;
}

async function aggregator(
  name: string,
  level: number,
  ou: string,
  extra: string[],
): Promise<{ wire: number }> {
  const wire = await freePort();
  const apiPort = await freePort();
  const d = start([
    'aggregator',
    '--name',
    name,
    '--level',
    String(level),
    '--ou',
    ou,
    '--listen',
    `127.0.0.1:${wire}`,
    '--api',
    `127.0.0.1:${apiPort}`,
    '--summary-grace',
    '200ms',
    ...extra,
  ]);
  await d.waitFor(/ wire 127/);
  api[name] = `http://127.0.0.1:${apiPort}`;
  return { wire };
}

function sampler(args: string[]): Daemon {
  return start([
    'sampler',
    '--plugins',
    'synthetic',
    '--synthetic-metrics',
    '4',
    '--interval',
    `${INTERVAL_MS}ms`,
    ...args,
  ]);
}

const q = (s: string): string => encodeURIComponent(s);

before(async () => {
  const l3 = await aggregator('l3-top', 3, 'World', []);
  const l2sum = await aggregator('l2-sum', 2, 'Lab', ['--push', `127.0.0.1:${l3.wire}/summary`]);
  const l2fullWire = await freePort();
  proxy = new TcpProxy({ host: '127.0.0.1', port: l2fullWire });
  await proxy.listen();
  const sbPort = await freePort();
  sampler([
    '--host',
    'gen-b',
    '--ou',
    'Lab:B',
    '--synthetic-hosts',
    '10',
    '--synthetic-first-host',
    '10',
    '--put-listen',
    `127.0.0.1:${sbPort}`,
  ]);
  const l1b = await aggregator('l1-b', 1, 'Lab:B', [
    '--pull',
    `127.0.0.1:${sbPort}/full`,
    '--push',
    `127.0.0.1:${l2sum.wire}/summary`,
  ]);
  const l1a = await aggregator('l1-a', 1, 'Lab:A', [
    '--push',
    `127.0.0.1:${l2sum.wire}/summary`,
    '--push',
    `127.0.0.1:${proxy.port}/full`,
  ]);
  // l2-full listens behind the proxy and pulls l1-b directly.
  const fullApi = await freePort();
  const full = start([
    'aggregator',
    '--name',
    'l2-full',
    '--level',
    '2',
    '--ou',
    'Lab',
    '--listen',
    `127.0.0.1:${l2fullWire}`,
    '--api',
    `127.0.0.1:${fullApi}`,
    '--pull',
    `127.0.0.1:${l1b.wire}/full`,
  ]);
  await full.waitFor(/ wire 127/);
  api['l2-full'] = `http://127.0.0.1:${fullApi}`;
  sampler([
    '--host',
    'gen-a',
    '--ou',
    'Lab:A',
    '--synthetic-hosts',
    '10',
    '--aggregator',
    `127.0.0.1:${l1a.wire}`,
    '--put-listen',
    'off',
  ]);
  sampler([
    '--host',
    'gen-lonely',
    '--ou',
    'Lab:A',
    '--synthetic-hosts',
    '1',
    '--synthetic-prefix',
    'lonely-',
    '--aggregator',
    `127.0.0.1:${l1a.wire}`,
    '--put-listen',
    'off',
  ]);
  await eventually(
    async () => {
      const { body } = await getJson<{ series: SummarySeries[] }>(
        `${api['l2-sum']}/api/summary?select=${q('Lab::*:synth:gauge_0')}&from=-5s`,
      );
      const ous = new Set(body.series.map((s) => s.ou));
      return ous.has('Lab:A') && ous.has('Lab:B') ? true : undefined;
    },
    20_000,
    'summaries of both OUs at l2-sum',
  );
});

after(async () => {
  await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
  await proxy?.close();
});

test('summaries at the summary L2 equal count/sum/min/max of the host values at the same timestamp', async () => {
  await sleep(1500);
  const metric = 'synth:gauge_0';
  const { body: summary } = await getJson<{ series: SummarySeries[] }>(
    `${api['l2-sum']}/api/summary?select=${q(`Lab::*:${metric}`)}&from=-20s`,
  );
  for (const ou of ['Lab:A', 'Lab:B']) {
    const l1 = ou === 'Lab:A' ? 'l1-a' : 'l1-b';
    const { body: hosts } = await getJson<{ series: Series[] }>(
      `${api[l1]}/api/range?select=${q(`${ou}::*:${metric}`)}&from=-30s`,
    );
    const s = summary.series.find((x) => x.ou === ou && x.metric === metric);
    assert.ok(s, `summary for ${ou}`);
    assert.ok(s.points.length >= 3, `${ou}: ${s.points.length} summary points`);
    let checked = 0;
    for (const p of s.points) {
      const values = hosts.series.flatMap((h) =>
        h.points.filter(([t]) => t === p.timestampMs).map(([, v]) => v),
      );
      if (values.length !== p.count) continue; // a host's window may have moved on; compare complete slots
      // Float sums depend on the order of addition; hosts arrive in any order.
      const sum = values.reduce((a, b) => a + b, 0);
      assert.ok(
        Math.abs(p.sum - sum) <= 1e-9 * Math.max(1, Math.abs(sum)),
        `${ou} sum at ${p.timestampMs}: ${p.sum} vs ${sum}`,
      );
      assert.equal(p.min, Math.min(...values));
      assert.equal(p.max, Math.max(...values));
      checked++;
    }
    assert.ok(checked >= 3, `${ou}: ${checked} timestamps compared`);
    // The newest slot may still wait for a late host; every host is counted in a complete one.
    assert.equal(
      Math.max(...s.points.map((p) => p.count)),
      ou === 'Lab:A' ? 11 : 10,
      `${ou}: every host counted`,
    );
  }
});

test('a host-level query at the summary L2 returns the same points as the L1 that holds them', async () => {
  const to = Date.now() - 1000;
  const from = to - 5000;
  for (const sel of [
    'Lab:A::synth-3:synth:*',
    'Lab:B::synth-13:synth:counter_1',
    'Lab::*:synth:gauge_2',
  ]) {
    const path = `/api/range?select=${q(sel)}&from=${from}&to=${to}`;
    const up = await getJson<{ series: Series[]; partial?: boolean }>(`${api['l2-sum']}${path}`);
    assert.equal(up.status, 200);
    assert.equal(up.body.partial, undefined, 'every delegate answered');
    const direct = [
      ...(await getJson<{ series: Series[] }>(`${api['l1-a']}${path}`)).body.series,
      ...(await getJson<{ series: Series[] }>(`${api['l1-b']}${path}`)).body.series,
    ];
    const byName = (xs: Series[]): Series[] => [...xs].sort((a, b) => a.name.localeCompare(b.name));
    assert.ok(direct.length > 0, `${sel} selects something`);
    assert.deepEqual(byName(up.body.series), byName(direct), sel);
  }
  const latest = await getJson<{ points: { name: string }[] }>(
    `${api['l2-sum']}/api/latest?select=${q('Lab::*:synth:gauge_0')}`,
  );
  assert.equal(latest.body.points.length, 21, '10 + 10 + 1 hosts through two delegates');
});

test('the full L2 stores every host, with no gap or duplicate after its link is cut twice', async () => {
  const cutAt = Date.now();
  proxy.cutAll();
  await sleep(1200);
  proxy.cutAll();
  await sleep(1200);
  const series = await eventually(
    async () => {
      const { body } = await getJson<{ series: Series[] }>(
        `${api['l2-full']}/api/range?select=${q('Lab:A::*:synth:gauge_0')}&from=-60s`,
      );
      return body.series.length === 11 &&
        body.series.every((s) => s.points.at(-1)![0] > Date.now() - 1500)
        ? body.series
        : undefined;
    },
    20_000,
    'l2-full caught up after the cuts',
  );
  for (const s of series) {
    const ts = s.points.map((p) => p[0]);
    assert.ok(ts[0]! < cutAt - 2 * INTERVAL_MS, `${s.name} has data from before the cut`);
    // One point per interval: a read late under load (beyond the snap tolerance)
    // keeps its true time, so spacing is checked around the interval, not exactly.
    for (let i = 1; i < ts.length; i++) {
      const gap = ts[i]! - ts[i - 1]!;
      assert.ok(
        gap > INTERVAL_MS / 2 && gap < INTERVAL_MS * 1.5,
        `${s.name}: no missing or repeated point at ${ts[i]} (gap ${gap} ms)`,
      );
    }
  }
  const { body } = await getJson<{ series: Series[] }>(
    `${api['l2-full']}/api/range?select=${q('Lab:B::*:synth:gauge_0')}&from=-10s`,
  );
  assert.equal(body.series.length, 10, 'Lab:B arrives by pull');
});

test('a host that stops reporting is down after 4 intervals, at its L1 and in the summary L2 host counts', async () => {
  const lonely = daemons.find((d) => d.child.spawnargs.includes('gen-lonely'))!;
  await lonely.kill('SIGKILL');
  type Tree = {
    tree: {
      name: string;
      ous: { name: string; hosts: { name: string; up: boolean; lastSeenMs: number }[] }[];
    }[];
  };
  let lastUpAt = Date.now();
  const { downAt, lastSeenMs } = await eventually(
    async () => {
      const { body } = await getJson<Tree>(`${api['l1-a']}/api/tree`);
      const host = body.tree[0]?.ous
        .find((o) => o.name === 'A')
        ?.hosts.find((h) => h.name === 'lonely-0');
      if (host?.up) lastUpAt = Date.now();
      return host && !host.up ? { downAt: Date.now(), lastSeenMs: host.lastSeenMs } : undefined;
    },
    10_000,
    'lonely-0 down at l1-a',
  );
  // TN (time since the last data) passed TMAX = 4 intervals, and not before.
  assert.ok(
    downAt - lastSeenMs >= 4 * INTERVAL_MS,
    `down only after 4 intervals of silence (${downAt - lastSeenMs} ms)`,
  );
  assert.ok(
    lastUpAt - lastSeenMs <= 4 * INTERVAL_MS + 500,
    `still up while silent for less than 4 intervals (${lastUpAt - lastSeenMs} ms)`,
  );
  await eventually(
    async () => {
      const { body } = await getJson<{ ous: { ou: string; up: number; down: number }[] }>(
        `${api['l2-sum']}/api/hosts?ou=Lab`,
      );
      const a = body.ous.find((o) => o.ou === 'Lab:A');
      const b = body.ous.find((o) => o.ou === 'Lab:B');
      return a?.down === 1 && a.up === 10 && b?.up === 10 && b.down === 0 ? true : undefined;
    },
    10_000,
    'hosts up/down at l2-sum',
  );
});

test('a query expression at the summary L2 aggregates host data fetched from both L1s', async () => {
  const to = Date.now() - 1500;
  const from = to - 4000;
  const q = encodeURIComponent('sum by (ou) (Lab::*:synth:gauge_0)');
  const { status, body } = await getJson<{
    series: { name: string; labels: Record<string, string>; points: [number, number][] }[];
    partial?: boolean;
  }>(`${api['l2-sum']}/api/query?q=${q}&from=${from}&to=${to}&step=${INTERVAL_MS}`);
  assert.equal(status, 200);
  assert.equal(body.partial, undefined);
  const byOu = new Map(body.series.map((s) => [s.labels.ou, s]));
  assert.deepEqual([...byOu.keys()].sort(), ['Lab:A', 'Lab:B']);
  // Each grid point equals the sum over that OU's hosts, asked of its L1 directly.
  for (const [ou, l1] of [
    ['Lab:A', 'l1-a'],
    ['Lab:B', 'l1-b'],
  ] as const) {
    const { body: hosts } = await getJson<{ series: Series[] }>(
      `${api[l1]}/api/range?select=${encodeURIComponent(`${ou}::*:synth:gauge_0`)}&from=${from}&to=${to}`,
    );
    const points = byOu.get(ou)!.points;
    assert.ok(points.length >= 6, `${ou}: ${points.length} grid points`);
    let compared = 0;
    for (const [t, v] of points) {
      // Nearest-sample interpolation may take a host's sample from up to one step away
      // (the host killed earlier); compare the grid times where every host is exact or absent.
      const near = hosts.series.filter((h) =>
        h.points.some(([ht]) => Math.abs(ht - t) <= INTERVAL_MS && ht !== t),
      );
      if (near.some((h) => !h.points.some(([ht]) => ht === t))) continue;
      compared++;
      const vals = hosts.series
        .map((h) => h.points.find(([ht]) => ht === t)?.[1])
        .filter((x): x is number => x !== undefined);
      const sum = vals.reduce((a, b) => a + b, 0);
      assert.ok(
        Math.abs(v - sum) <= 1e-9 * Math.max(1, Math.abs(sum)),
        `${ou} at ${t}: ${v} vs ${sum}`,
      );
    }
    assert.ok(compared >= 4, `${ou}: ${compared} grid points compared`);
  }
  const bad = await getJson<{ error: { code: string; message: string } }>(
    `${api['l2-sum']}/api/query?q=${encodeURIComponent('sum by (ou (Lab::*:x')}`,
  );
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'CANOPY_ERR_INVALID_QUERY');
});

test('the top node answers host-level queries for data two levels below it', async () => {
  const to = Date.now() - 1000;
  const from = to - 3000;
  const path = `/api/range?select=${encodeURIComponent('Lab::*:synth:gauge_2')}&from=${from}&to=${to}`;
  const top = await getJson<{ series: Series[]; partial?: boolean }>(`${api['l3-top']}${path}`);
  assert.equal(top.status, 200);
  assert.equal(top.body.partial, undefined);
  const direct = [
    ...(await getJson<{ series: Series[] }>(`${api['l1-a']}${path}`)).body.series,
    ...(await getJson<{ series: Series[] }>(`${api['l1-b']}${path}`)).body.series,
  ];
  const byName = (xs: Series[]): Series[] => [...xs].sort((a, b) => a.name.localeCompare(b.name));
  assert.equal(top.body.series.length, 21);
  assert.deepEqual(byName(top.body.series), byName(direct));
  const { body: hosts } = await getJson<{ ous: { ou: string; up: number }[] }>(
    `${api['l3-top']}/api/hosts`,
  );
  assert.ok(
    hosts.ous.some((o) => o.ou === 'Lab:B' && o.up === 10),
    'host counts reach the top through two summary links',
  );
});
