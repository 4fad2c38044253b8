import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import {
  ClusterKeys,
  holdCaptures,
  parseRecord,
  planCaptures,
  releaseCaptures,
} from '../controller/index.js';
import type { StoredConfig } from '../controller/index.js';
import { durationOption, stringOptions } from './args.js';
import {
  CLUSTER_OPTIONS,
  CLUSTER_USAGE,
  clusterName,
  coordUrl,
  withCoord,
} from './cluster-args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';

/** How long a capture outlives a client that died without letting go. */
const HOLDER_LEASE_MS = 5000;

export const captureCommand: Command = {
  name: 'capture',
  summary: 'temporarily sample a set faster (or load a plugin) on some hosts',
  usage: `canopy capture SELECTOR --interval DUR --for DUR [options]

Raises the sampling rate of the plugin named by the selector's group on the
matching hosts (or loads that plugin if they do not run it) for a while, then
reverts. The samples flow and are archived like any others. Clients asking for
the same capture share it; it ends when the last one lets go (or its time is up).

  canopy capture 'Lab::node-7:cpu:*' --interval 100ms --for 10m

Options:
  --interval DUR       sampling interval during the capture (required)
  --for DUR            how long (required)
  --detach             return at once; the capture ends at its time
${CLUSTER_USAGE}
  -h, --help           show this help`,
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: ctx.argv,
      options: {
        ...stringOptions([...CLUSTER_OPTIONS, 'interval', 'for']),
        detach: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
    const selector = positionals[0];
    if (!selector)
      throw new CliError(
        'CANOPY_ERR_BAD_OPTION',
        'capture needs a SELECTOR such as Lab::node-7:cpu:*',
      );
    if (!values.interval || !values.for)
      throw new CliError('CANOPY_ERR_BAD_OPTION', 'capture needs --interval and --for');
    const intervalMs = durationOption(values.interval, 'interval', 1000);
    const forMs = durationOption(values.for, 'for', 0);
    if (intervalMs < 10 || forMs <= 0)
      throw new CliError('CANOPY_ERR_BAD_OPTION', '--interval must be ≥ 10ms and --for > 0');
    const cluster = clusterName(values.cluster);
    return withCoord(coordUrl(values.coord), ctx.logger, async (store) => {
      const spec = parseRecord<StoredConfig>(
        (await store.get(new ClusterKeys(cluster).config))?.value,
      )?.spec;
      if (!spec)
        throw new CliError('CANOPY_ERR_BAD_OPTION', `cluster '${cluster}' has no config loaded`);
      const plan = planCaptures(spec, { selector, intervalMs, forMs }, Date.now());
      const lease = values.detach ? undefined : await store.grantLease(HOLDER_LEASE_MS);
      const holder = lease ? `${hostname()}-${process.pid}-${lease.id}` : `detached-${Date.now()}`;
      const held = await holdCaptures(store, cluster, plan, { id: holder, lease });
      for (const c of held)
        ctx.stdout(
          `capturing ${c.daemon} ${c.plugin} every ${c.intervalMs} ms until ${new Date(c.untilMs).toISOString()} (${c.id})\n`,
        );
      if (!lease) return 0;
      await Promise.race([ctx.stopSignal, new Promise((r) => setTimeout(r, forMs))]);
      await releaseCaptures(
        store,
        cluster,
        held.map((c) => c.id),
        holder,
      );
      await lease.revoke();
      ctx.stdout(
        `capture released; find the data with: canopy find ${[...new Set(held.map((c) => c.host))].join(' ')}\n`,
      );
      return 0;
    });
  },
};
