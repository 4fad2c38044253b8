/** A controller-managed cluster on loopback for integration tests: real etcd, CLI daemons, in-process samplers. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startCli } from '../integration/helpers.js';
import type { Daemon } from '../integration/helpers.js';

export interface ClusterLayout {
  dir: string;
  file: string;
  samplerPorts: number[];
  aggWirePorts: number[];
  aggApiPorts: number[];
}

export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) out.add(await freePort());
  return [...out];
}

/** Write a cluster YAML: `samplers` samplers pulled by `aggregators` L1 aggregators. */
export async function writeCluster(o: {
  name: string;
  samplers: number;
  aggregators: number;
  intervalMs: number;
  dir?: string;
  ports?: Omit<ClusterLayout, 'dir' | 'file'>;
}): Promise<ClusterLayout> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'canopy-cluster-'));
  // One draw for every port, so no two listeners can be handed the same one.
  const drawn = o.ports ? [] : await freePorts(o.samplers + 2 * o.aggregators);
  const samplerPorts = o.ports?.samplerPorts ?? drawn.slice(0, o.samplers);
  const aggWirePorts = o.ports?.aggWirePorts ?? drawn.slice(o.samplers, o.samplers + o.aggregators);
  const aggApiPorts = o.ports?.aggApiPorts ?? drawn.slice(o.samplers + o.aggregators);
  const yaml = `cluster: ${o.name}
daemons:
  - names: &samplers 'sampler-[1-${o.samplers}]'
    hosts: 'node-[1-${o.samplers}]'
    address: 127.0.0.1
    endpoints:
      - names: &sampler-ep 'node-[1-${o.samplers}]-ep'
        ports: '[${samplerPorts.join(',')}]'
        xprt: sock
        auth: { name: none }
  - names: &l1 'l1-[1-${o.aggregators}]'
    hosts: 'agg-[1-${o.aggregators}]'
    address: 127.0.0.1
    endpoints:
      - { names: &l1-ep 'agg-[1-${o.aggregators}]-ep', ports: '[${aggWirePorts.join(',')}]', xprt: sock, auth: { name: none } }
    api: { ports: '[${aggApiPorts.join(',')}]' }
aggregators:
  - daemons: *l1
    balance: count
    peers:
      - daemons: *samplers
        endpoints: *sampler-ep
        reconnect: 1s
        type: active
        updaters: [{ mode: pull, interval: 1s, offset: 0ms }]
samplers:
  - daemons: *samplers
    plugins:
      - { name: loadavg, interval: ${o.intervalMs}ms, offset: 0ms }
ous:
  - { hosts: 'node-[1-${o.samplers}]', ou: Lab }
`;
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, yaml);
  return { dir, file, samplerPorts, aggWirePorts, aggApiPorts };
}

/** Run a short CLI command to completion; resolves with its exit code and output. */
export async function runCli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const d: Daemon = startCli(args);
  const code = await new Promise<number>((resolve) =>
    d.child.once('close', (c) => resolve(c ?? -1)),
  );
  return { code, stdout: d.stdout(), stderr: d.stderr() };
}
