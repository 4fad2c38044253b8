/**
 * The operator's path, every daemon a real process: `ctl generate` writes the
 * files, `canopy sampler --config` and `canopy aggregator --config` run them,
 * the controller assigns; an edited YAML loaded again changes the running
 * sampler process's interval.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, getJson, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';
import { startEtcd } from '../support/etcd.js';
import type { EtcdServer } from '../support/etcd.js';
import { runCli, writeCluster } from './cluster-support.js';

let etcd: EtcdServer | undefined;
const daemons: Daemon[] = [];

after(async () => {
  await Promise.all(daemons.map((d) => d.kill('SIGKILL')));
  await etcd?.stop();
});

interface Range {
  series: { name: string; points: [number, number][] }[];
}

test('generated configs run as processes; a reloaded interval reaches the sampler process', async () => {
  etcd = await startEtcd();
  const layout = await writeCluster({ name: 'cd', samplers: 2, aggregators: 1, intervalMs: 1000 });
  const gen = join(layout.dir, 'gen');
  for (const args of [
    ['ctl', 'generate', layout.file, '--out', gen, '--coord', etcd.url],
    ['ctl', 'load', layout.file, '--coord', etcd.url],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
  }
  const run = (args: string[]): Daemon => {
    const d = startCli(args);
    daemons.push(d);
    return d;
  };
  run(['controller', '--coord', etcd.url, '--cluster', 'cd', '--settle', '0s']);
  await run(['aggregator', '--config', join(gen, 'l1-1.yaml')]).waitFor(/aggregator l1-1/);
  for (const n of [1, 2]) run(['sampler', '--config', join(gen, `sampler-${n}.yaml`)]);
  const api = `http://127.0.0.1:${layout.aggApiPorts[0]}`;
  const select = encodeURIComponent('Lab::node-1:loadavg:load1');
  await eventually(
    async () => {
      const { body } = await getJson<Range>(`${api}/api/range?select=${select}&from=-30s`);
      return (body.series[0]?.points.length ?? 0) >= 2 ? true : undefined;
    },
    20_000,
    'node-1 data at the aggregator',
  );
  writeFileSync(
    layout.file,
    readFileSync(layout.file, 'utf8').replace('interval: 1000ms', 'interval: 250ms'),
  );
  const loadedAt = Date.now();
  const r = await runCli(['ctl', 'load', layout.file, '--coord', etcd.url]);
  assert.equal(r.code, 0, r.stderr);
  const gaps = await eventually(
    async () => {
      const { body } = await getJson<Range>(`${api}/api/range?select=${select}&from=${loadedAt}`);
      const ts = (body.series[0]?.points ?? []).map((p) => p[0]);
      const d = ts.slice(1).map((t, i) => t - ts[i]!);
      return d.length >= 4 && d.slice(-4).every((x) => x === 250) ? d : undefined;
    },
    20_000,
    'samples 250 ms apart from the running sampler process',
  );
  assert.ok(gaps.length >= 4);
});
