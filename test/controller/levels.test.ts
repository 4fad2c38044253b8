/**
 * Upper levels are balanced by producer too: two L2 aggregators share two L1
 * aggregators (which share four samplers); when an L2 dies the other takes its
 * L1 over, with the L1's replay buffer for the dead one, and sees every host.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { clusterStatus } from '../../src/controller/index.js';
import { openCoord } from '../../src/coord/index.js';
import type { CoordStore } from '../../src/coord/index.js';
import { eventually, getJson, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';
import { startEtcd } from '../support/etcd.js';
import type { EtcdServer } from '../support/etcd.js';
import { startSamplerFarm } from '../support/sampler-farm.js';
import type { SamplerFarm } from '../support/sampler-farm.js';
import { freePorts, runCli } from './cluster-support.js';

let etcd: EtcdServer | undefined;
let store: CoordStore | undefined;
let farm: SamplerFarm | undefined;
const daemons: Daemon[] = [];

after(async () => {
  await farm?.stop();
  await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
  await store?.close();
  await etcd?.stop();
});

/** Hosts whose loadavg the aggregator on `apiPort` holds, with their newest timestamp. */
async function hostsAt(apiPort: number): Promise<Map<string, number>> {
  const select = encodeURIComponent('Lab::*:loadavg:load1');
  const { body } = await getJson<{ points: { name: string; timestampMs: number }[] }>(
    `http://127.0.0.1:${apiPort}/api/latest?select=${select}`,
  ).catch(() => ({ body: { points: [] } }));
  return new Map(body.points.map((p) => [p.name.split('::')[1]!.split(':')[0]!, p.timestampMs]));
}

test('L2 aggregators are balanced over L1 aggregators and fail over like L1s', async () => {
  etcd = await startEtcd();
  store = await openCoord(etcd.url);
  const dir = mkdtempSync(join(tmpdir(), 'canopy-levels-'));
  const [s1, s2, s3, s4, w1, w2, w3, w4, a1, a2, a3, a4] = await freePorts(12);
  const file = join(dir, 'cluster.yaml');
  writeFileSync(
    file,
    `cluster: lv
daemons:
  - names: &samplers 'sampler-[1-4]'
    hosts: 'node-[1-4]'
    address: 127.0.0.1
    endpoints: [{ names: &sep 'node-[1-4]-ep', ports: '[${s1},${s2},${s3},${s4}]', xprt: sock, auth: { name: none } }]
  - names: &l1 'l1-[1-2]'
    hosts: 'agg-[1-2]'
    address: 127.0.0.1
    endpoints: [{ names: &l1ep 'agg-[1-2]-ep', ports: '[${w1},${w2}]', xprt: sock, auth: { name: none } }]
    api: { ports: '[${a1},${a2}]' }
  - names: &l2 'l2-[1-2]'
    hosts: 'top-[1-2]'
    address: 127.0.0.1
    endpoints: [{ names: 'top-[1-2]-ep', ports: '[${w3},${w4}]', xprt: sock, auth: { name: none } }]
    api: { ports: '[${a3},${a4}]' }
aggregators:
  - daemons: *l1
    peers: [{ daemons: *samplers, endpoints: *sep, type: active, updaters: [{ mode: pull, interval: 1s }] }]
  - daemons: *l2
    mode: full
    peers: [{ daemons: *l1, endpoints: *l1ep, type: active, updaters: [{ mode: pull, interval: 1s }] }]
samplers:
  - daemons: *samplers
    plugins: [{ name: loadavg, interval: 1s, offset: 0ms }]
ous:
  - { hosts: 'node-[1-4]', ou: Lab }
`,
  );
  const gen = join(dir, 'gen');
  for (const args of [
    ['ctl', 'generate', file, '--out', gen, '--coord', etcd.url],
    ['ctl', 'load', file, '--coord', etcd.url],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
  }
  const controller = startCli([
    'controller',
    '--coord',
    etcd.url,
    '--cluster',
    'lv',
    '--settle',
    '1s',
  ]);
  daemons.push(controller);
  const start = (name: string): Daemon => {
    const d = startCli(['aggregator', '--config', join(gen, `${name}.yaml`)]);
    daemons.push(d);
    return d;
  };
  for (const name of ['l1-1', 'l1-2', 'l2-1', 'l2-2']) await start(name).waitFor(/aggregator /);
  farm = await startSamplerFarm({
    members: [s1, s2, s3, s4].map((port, i) => ({
      name: `sampler-${i + 1}`,
      host: `node-${i + 1}`,
      port: port!,
    })),
    ous: ['Lab'],
    plugins: [{ name: 'loadavg', intervalMs: 1000, offsetMs: 0, config: {} }],
  });
  const st = await eventually(
    async () => {
      const s = await clusterStatus(store!, 'lv');
      const l2 = s.aggregators.filter((a) => a.name.startsWith('l2-'));
      return l2.length === 2 && l2.every((a) => a.producers.length === 1) ? s : undefined;
    },
    20_000,
    'each L2 holding one L1',
  );
  assert.equal(st.aggregators.find((a) => a.name === 'l2-1')!.level, 2);
  // Between them the two L2s see all four hosts.
  await eventually(
    async () => {
      const [x, y] = [await hostsAt(a3!), await hostsAt(a4!)];
      return new Set([...x.keys(), ...y.keys()]).size === 4 ? true : undefined;
    },
    20_000,
    'all hosts at level 2',
  );
  const killedAt = Date.now();
  await daemons[3]!.kill('SIGKILL'); // l2-1
  await eventually(
    async () => {
      const at = await hostsAt(a4!);
      return at.size === 4 && [...at.values()].every((t) => t > killedAt) ? true : undefined;
    },
    20_000,
    'l2-2 holding every host after l2-1 died',
  );
  const after = await clusterStatus(store, 'lv');
  assert.deepEqual(after.aggregators.find((a) => a.name === 'l2-2')!.producers, ['l1-1', 'l1-2']);
});
