import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDaemonConfigs, loadClusterConfig } from '../cluster/index.js';
import type { ClusterSpec } from '../cluster/index.js';
import { ClusterKeys, clusterStatus, parseRecord } from '../controller/index.js';
import type { ClusterStatus, StoredConfig } from '../controller/index.js';
import type { CoordStore } from '../coord/index.js';
import { durationOption, stringOptions } from './args.js';
import {
  apiJson,
  CLUSTER_OPTIONS,
  CLUSTER_USAGE,
  clusterName,
  coordUrl,
  table,
  withCoord,
} from './cluster-args.js';
import type { Command, CommandContext } from './command.js';
import { CliError } from './errors.js';

const USAGE = `canopy ctl SUBCOMMAND [options]

Subcommands:
  validate FILE             check a cluster YAML; every problem as file:line:col path: message
  load FILE                 validate and store it in the coordination store (the controller applies it)
  generate FILE --out DIR   write each daemon's own config file (<daemon>.yaml) into DIR
  status                    controllers, aggregators (health, producers), unassigned producers, events
  set GROUP PLUGIN [--interval DUR] [--offset DUR]
                            change a sampler group's plugin schedule in the stored config at run time

Options:
${CLUSTER_USAGE}
  --out DIR            (generate) output directory
  --output FMT         (status) table or json (default table)
  --api URL            (status) ask a node's API instead of the store (e.g. a running canopy up)
  -h, --help           show this help`;

export const ctlCommand: Command = {
  name: 'ctl',
  summary: 'cluster config: validate, load, generate, status, set',
  usage: USAGE,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      options: stringOptions([...CLUSTER_OPTIONS, 'out', 'output', 'interval', 'offset', 'api']),
      allowPositionals: true,
      strict: true,
    });
    const [sub, ...args] = positionals;
    switch (sub) {
      case 'validate': {
        const spec = loadClusterConfig(need(args[0], 'validate needs a FILE'));
        ctx.stdout(`${args[0]}: valid — ${describe(spec)}\n`);
        return 0;
      }
      case 'load':
        return load(ctx, need(args[0], 'load needs a FILE'), values);
      case 'generate': {
        const spec = loadClusterConfig(need(args[0], 'generate needs a FILE'));
        const out = need(values.out, 'generate needs --out DIR');
        mkdirSync(out, { recursive: true });
        const files = generateDaemonConfigs(spec, { coordUrl: coordUrl(values.coord, spec.etcd) });
        for (const [name, text] of files) writeFileSync(join(out, name), text);
        ctx.stdout(`wrote ${files.size} daemon config files to ${out}\n`);
        return 0;
      }
      case 'status': {
        const cluster = clusterName(values.cluster);
        const status = values.api
          ? await apiJson<ClusterStatus>(values.api, '/api/cluster')
          : await withCoord(coordUrl(values.coord), ctx.logger, (s) => clusterStatus(s, cluster));
        ctx.stdout(
          values.output === 'json' ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status),
        );
        return 0;
      }
      case 'set':
        return set(
          ctx,
          need(args[0], 'set needs GROUP'),
          need(args[1], 'set needs PLUGIN'),
          values,
        );
      default:
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `unknown subcommand '${sub ?? ''}'\n\n${USAGE}`,
        );
    }
  },
};

function need<T>(v: T | undefined, message: string): T {
  if (v === undefined) throw new CliError('CANOPY_ERR_BAD_OPTION', message);
  return v;
}

function describe(spec: ClusterSpec): string {
  const roles = (r: string): number => spec.daemons.filter((d) => d.role === r).length;
  return `cluster '${spec.name}': ${roles('sampler')} samplers, ${roles('aggregator')} aggregators in ${spec.aggregatorGroups.length} groups`;
}

async function load(
  ctx: CommandContext,
  file: string,
  values: { coord?: string | undefined; cluster?: string | undefined },
): Promise<number> {
  // Validation first: nothing reaches the store when anything is wrong.
  const spec = loadClusterConfig(file);
  const cluster = clusterName(values.cluster, spec.name);
  const record: StoredConfig = {
    file: basename(file),
    yaml: readFileSync(file, 'utf8'),
    spec: { ...spec, name: cluster },
    loadedAtMs: Date.now(),
  };
  const rev = await withCoord(coordUrl(values.coord, spec.etcd), ctx.logger, (s) =>
    s.put(new ClusterKeys(cluster).config, JSON.stringify(record)),
  );
  ctx.stdout(`loaded ${file} as ${describe(record.spec)} (revision ${rev})\n`);
  return 0;
}

async function set(
  ctx: CommandContext,
  group: string,
  plugin: string,
  values: {
    coord?: string | undefined;
    cluster?: string | undefined;
    interval?: string | undefined;
    offset?: string | undefined;
  },
): Promise<number> {
  const cluster = clusterName(values.cluster);
  const key = new ClusterKeys(cluster).config;
  return withCoord(coordUrl(values.coord), ctx.logger, async (store: CoordStore) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const kv = await store.get(key);
      const record = parseRecord<StoredConfig>(kv?.value);
      if (!kv || !record)
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `cluster '${cluster}' has no config loaded (canopy ctl load FILE)`,
        );
      const g = record.spec.samplerGroups.find(
        (x) => x.group === group || x.members.includes(group),
      );
      if (!g)
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `no sampler group '${group}' in cluster '${cluster}' (groups: ${record.spec.samplerGroups.map((x) => x.group).join(', ')})`,
        );
      const p = g.plugins.find((x) => x.name === plugin);
      if (!p)
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `group '${g.group}' runs no plugin '${plugin}' (plugins: ${g.plugins.map((x) => x.name).join(', ')})`,
        );
      p.intervalMs = durationOption(values.interval, 'interval', p.intervalMs);
      p.offsetMs = durationOption(values.offset, 'offset', p.offsetMs);
      if (!(p.intervalMs > 0) || p.offsetMs < 0 || p.offsetMs >= p.intervalMs)
        throw new CliError(
          'CANOPY_ERR_BAD_OPTION',
          `offset (${p.offsetMs} ms) must be ≥ 0 and less than interval (${p.intervalMs} ms)`,
        );
      if (
        await store.txn(
          [{ key, modRevision: kv.modRevision }],
          [{ op: 'put', key, value: JSON.stringify(record) }],
        )
      ) {
        ctx.stdout(
          `${g.group} ${plugin}: interval ${p.intervalMs} ms, offset ${p.offsetMs} ms (until the next ctl load)\n`,
        );
        return 0;
      }
    }
    throw new CliError('CANOPY_ERR_BAD_OPTION', 'the stored config kept changing; try again');
  });
}

function formatStatus(s: ClusterStatus): string {
  const when = (ms: number): string => new Date(ms).toISOString();
  let out = `cluster ${s.cluster}: ${s.config ? `${s.config.file}, ${s.config.daemons} daemons, loaded ${when(s.config.loadedAtMs)}` : 'no config loaded'}\n`;
  out += `controllers: ${s.controllers.map((c) => (c.leader ? `${c.id} (leader)` : c.id)).join(', ') || 'none'}\n\n`;
  out += table(
    ['AGGREGATOR', 'GROUP', 'LEVEL', 'HEALTH', 'PRODUCERS', 'CONNECTED', 'BACKLOG', 'API'],
    s.aggregators.map((a) => [
      a.name,
      a.group,
      String(a.level),
      a.live ? 'up' : 'DOWN',
      String(a.producers.length),
      a.health ? String(a.health.producersConnected) : '-',
      a.health ? String(a.health.replayBacklogSamples) : '-',
      a.api ?? '-',
    ]),
  );
  if (s.unassigned.length > 0) out += `\nunassigned producers: ${s.unassigned.join(', ')}\n`;
  if (s.events.length > 0)
    out += `\nrecent events:\n${s.events.map((e) => `  ${when(e.atMs)} ${e.kind} ${e.subject}: ${e.detail}`).join('\n')}\n`;
  return out;
}
