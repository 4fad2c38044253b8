import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { AGGREGATOR_DEFAULTS, Aggregator, loadAggregatorConfig } from '../aggregator/index.js';
import type { AggregatorConfig } from '../aggregator/index.js';
import { ApiServer } from '../api/index.js';
import { systemClock } from '../common/index.js';
import { FORWARD_MODES } from '../link/index.js';
import type { ForwardMode } from '../link/index.js';
import { CsvStore } from '../stores/index.js';
import { aggregatorSource } from './aggregator-source.js';
import { openArchive } from './archive-options.js';
import {
  authFrom,
  byteSizeOption,
  durationOption,
  intOption,
  parseEndpoint,
  stringOptions,
} from './args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';
import { sanitizeHost } from './local-stack.js';
import { clusterView } from './cluster-view.js';
import { startAgent } from './managed-aggregator.js';
import { startSumStats } from './sumstats-node.js';
import { loadSumStatsConfig } from '../sumstats/index.js';
import { openCoord } from '../coord/index.js';

export const aggregatorCommand: Command = {
  name: 'aggregator',
  summary: 'run an aggregator daemon (any level of the tree)',
  usage: `canopy aggregator [--config FILE] [options]

Accepts producers (samplers, lower aggregators) that push, pulls from the
producers it is told to, keeps the live tree, forwards up in full or summary
mode, and serves the HTTP API for its whole subtree. Options override the
config file (docs/aggregator.md).

Options:
  --config FILE            YAML config file
  --name NAME              aggregator name (default agg-<hostname>)
  --level N                level in the tree (default 1)
  --ou OU[:OU…]            the OU subtree it is responsible for (default Local)
  --listen HOST:PORT       wire listener (default 127.0.0.1:7470)
  --api HOST:PORT          HTTP API (default 127.0.0.1:8470; 'off' disables)
  --pull HOST:PORT[/MODE]  pull from a producer (repeatable; MODE full|summary, default full)
  --push HOST:PORT[/MODE]  push to an upper aggregator (repeatable; default full)
  --window N               samples kept per set in the live window (default 600)
  --tmax-intervals N       a host is down after N of its intervals without data (default 4)
  --dmax DUR               drop sets silent this long from the live tree (default 0 = never)
  --summary-grace DUR      wait this long after a timestamp before summarising it (default 500ms)
  --buffer SIZE            replay buffer bound per uplink (default 256MiB)
  --archive DIR            keep every received series in a compressed, crash-safe archive under DIR
  --csv DIR[=REGEX]        also write sets (whose schema matches REGEX) as CSV under DIR (repeatable)
  --secret-file PATH       shared cluster secret (mode 600); without it only loopback peers
  --coord URL              controller-managed: coordination store (etcd://H:P[,H:P], file:DIR)
  --cluster NAME           cluster name in the coordination store (with --coord)
  --group NAME             aggregator group of the cluster config (with --coord)
  --sumstats FILE          run summary statistics over what arrives (docs/sumstats.md);
                           adds /api/sumstats and POST /api/observe
  -h, --help               show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: {
        ...stringOptions([
          'archive',
          'config',
          'name',
          'level',
          'ou',
          'listen',
          'api',
          'window',
          'tmax-intervals',
          'dmax',
          'summary-grace',
          'buffer',
          'secret-file',
          'coord',
          'cluster',
          'group',
          'sumstats',
        ]),
        pull: { type: 'string', multiple: true },
        push: { type: 'string', multiple: true },
        csv: { type: 'string', multiple: true },
      },
      strict: true,
    });
    const c = mergeOptions(values.config ? loadAggregatorConfig(values.config) : undefined, values);
    const a = c.archiveDir ? await openArchive(c.archiveDir, systemClock) : undefined;
    const coord = c.coord ? await openCoord(c.coord.url, { logger: ctx.logger }) : undefined;
    const sumstatsFile = values.sumstats ?? c.sumstatsFile;
    const sumstats = sumstatsFile
      ? await startSumStats(loadSumStatsConfig(sumstatsFile), {
          clock: systemClock,
          logger: ctx.logger,
          name: c.name,
          auth: authFrom(c.secretFile),
        })
      : undefined;
    const aggregator = new Aggregator({
      ...(sumstats
        ? {
            observers: [sumstats.source],
            onObserve: (events: unknown) => sumstats.view.observe(events),
          }
        : {}),
      name: c.name,
      level: c.level,
      ous: c.ous,
      listen: c.listen,
      auth: authFrom(c.secretFile),
      clock: systemClock,
      logger: ctx.logger,
      pull: c.pull,
      push: c.push,
      windowSamples: c.windowSamples,
      staleness: { tmaxIntervals: c.tmaxIntervals },
      dmaxMs: c.dmaxMs,
      summaryGraceMs: c.summaryGraceMs,
      replayBufferBytes: c.replayBufferBytes,
      ...(a ? { archive: a.archive, pickTier: a.pickTier } : {}),
      stores: [
        ...(a ? [a.store] : []),
        ...c.csv.map(
          (x) =>
            new CsvStore({
              dir: x.dir,
              ...(x.schemas ? { schemas: x.schemas } : {}),
              ...(x.rotateMs ? { rotateMs: x.rotateMs } : {}),
              clock: systemClock,
              logger: ctx.logger,
            }),
        ),
      ],
    });
    let api: ApiServer | undefined;
    let apiUrl = '';
    if (c.api) {
      api = new ApiServer({
        ...c.api,
        logger: ctx.logger,
        source: aggregatorSource(aggregator),
        ...(sumstats ? { sumstats: sumstats.view } : {}),
        ...(coord && c.coord ? { cluster: clusterView(coord, c.coord.cluster) } : {}),
      });
      const addr = await api.listen();
      apiUrl = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
      aggregator.setApiUrl(apiUrl);
    }
    const wire = await aggregator.start();
    ctx.stdout(
      `aggregator ${c.name} (L${c.level}, ${c.ous.join(':')}) wire ${wire.host}:${wire.port}${api ? `, api ${apiUrl}` : ''}\n`,
    );
    const agent =
      coord && c.coord
        ? startAgent(coord, c.coord, {
            aggregator,
            name: c.name,
            level: c.level,
            wire,
            apiUrl,
            archiveDir: c.archiveDir,
            logger: ctx.logger,
          })
        : undefined;
    await ctx.stopSignal;
    await agent?.stop();
    await aggregator.shutdown();
    await api?.close();
    await sumstats?.close();
    return 0;
  },
};

type Flags = Partial<
  Record<
    | 'archive'
    | 'config'
    | 'name'
    | 'level'
    | 'ou'
    | 'listen'
    | 'api'
    | 'window'
    | 'tmax-intervals'
    | 'dmax'
    | 'summary-grace'
    | 'buffer'
    | 'secret-file'
    | 'coord'
    | 'cluster'
    | 'group'
    | 'sumstats',
    string
  >
> & {
  pull?: string[] | undefined;
  push?: string[] | undefined;
  csv?: string[] | undefined;
};

function linkOption(
  text: string,
  option: string,
): { host: string; port: number; mode: ForwardMode } {
  const [ep = '', mode = 'full'] = text.split('/');
  if (!(FORWARD_MODES as readonly string[]).includes(mode)) {
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      `--${option}: mode '${mode}' is not one of ${FORWARD_MODES.join(', ')}`,
    );
  }
  return { ...parseEndpoint(ep, option), mode: mode as ForwardMode };
}

/** Flags override the file; without a file, flags over the defaults. */
function mergeOptions(file: AggregatorConfig | undefined, f: Flags): AggregatorConfig {
  const name = f.name ?? file?.name ?? `agg-${sanitizeHost(hostname())}`;
  const d = AGGREGATOR_DEFAULTS;
  return {
    name,
    level: intOption(f.level, 'level', file?.level ?? d.level, 1),
    ous: (f.ou ?? file?.ous.join(':') ?? d.ou).split(':'),
    listen: f.listen
      ? parseEndpoint(f.listen, 'listen')
      : (file?.listen ?? parseEndpoint(d.listen, 'listen')),
    api:
      f.api === 'off'
        ? null
        : f.api
          ? parseEndpoint(f.api, 'api')
          : file
            ? file.api
            : parseEndpoint(d.api, 'api'),
    secretFile: f['secret-file'] ?? file?.secretFile,
    windowSamples: intOption(f.window, 'window', file?.windowSamples ?? d.windowSamples, 1),
    tmaxIntervals: intOption(
      f['tmax-intervals'],
      'tmax-intervals',
      file?.tmaxIntervals ?? d.tmaxIntervals,
      1,
    ),
    dmaxMs: durationOption(f.dmax, 'dmax', file?.dmaxMs ?? 0),
    summaryGraceMs: durationOption(
      f['summary-grace'],
      'summary-grace',
      file?.summaryGraceMs ?? d.summaryGraceMs,
    ),
    replayBufferBytes: byteSizeOption(
      f.buffer,
      'buffer',
      file?.replayBufferBytes ?? d.replayBufferBytes,
    ),
    pull: [...(file?.pull ?? []), ...(f.pull ?? []).map((p) => linkOption(p, 'pull'))],
    push: [...(file?.push ?? []), ...(f.push ?? []).map((p) => linkOption(p, 'push'))],
    csv: [...(file?.csv ?? []), ...(f.csv ?? []).map(csvOption)],
    archiveDir: f.archive ?? file?.archiveDir,
    coord: coordOptions(file?.coord, f),
    sumstatsFile: f.sumstats ?? file?.sumstatsFile,
  };
}

function csvOption(text: string): AggregatorConfig['csv'][number] {
  const at = text.indexOf('=');
  const dir = at < 0 ? text : text.slice(0, at);
  if (dir === '')
    throw new CliError('CANOPY_ERR_BAD_OPTION', `--csv: ${JSON.stringify(text)} has no directory`);
  try {
    return {
      dir,
      schemas: at < 0 ? undefined : new RegExp(text.slice(at + 1)),
      rotateMs: undefined,
    };
  } catch (err) {
    throw new CliError('CANOPY_ERR_BAD_OPTION', `--csv: ${(err as Error).message}`);
  }
}

function coordOptions(file: AggregatorConfig['coord'], f: Flags): AggregatorConfig['coord'] {
  const url = f.coord ?? file?.url;
  if (url === undefined) {
    if (f.cluster !== undefined || f.group !== undefined)
      throw new CliError('CANOPY_ERR_BAD_OPTION', '--cluster and --group need --coord');
    return undefined;
  }
  const cluster = f.cluster ?? file?.cluster;
  if (cluster === undefined)
    throw new CliError(
      'CANOPY_ERR_BAD_OPTION',
      '--coord needs --cluster (or coord.cluster in the config)',
    );
  return { url, cluster, group: f.group ?? file?.group, leaseTtlMs: file?.leaseTtlMs };
}
