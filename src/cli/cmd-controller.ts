import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { systemClock } from '../common/index.js';
import { Controller } from '../controller/index.js';
import { openCoord } from '../coord/index.js';
import { durationOption, stringOptions } from './args.js';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, clusterName, coordUrl } from './cluster-args.js';
import type { Command } from './command.js';

export const controllerCommand: Command = {
  name: 'controller',
  summary: 'run a controller instance (several may run; one leads)',
  usage: `canopy controller [options]

Campaigns for leadership of the cluster in the coordination store. The leader
balances producers over the live aggregators of each group, reassigns a dead
aggregator's producers, pushes sampler plugin changes and records the catalog
of which aggregator held which host when (docs/controller.md). Standbys take
over when the leader's lease expires. Stops on Ctrl-C (resigning first).

Options:
${CLUSTER_USAGE}
  --id ID              this instance's name in the election (default HOST:PID)
  --lease-ttl DUR      leadership lease (default 2s; a dead leader is replaced after ~this)
  --settle DUR         a (re)joining aggregator gets others' producers after this (default 3s)
  -h, --help           show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: stringOptions([...CLUSTER_OPTIONS, 'id', 'lease-ttl', 'settle']),
      strict: true,
    });
    const cluster = clusterName(values.cluster);
    const id = values.id ?? `${hostname()}:${process.pid}`;
    const store = await openCoord(coordUrl(values.coord), { logger: ctx.logger });
    const controller = new Controller({
      store,
      cluster,
      id,
      leaseTtlMs: durationOption(values['lease-ttl'], 'lease-ttl', 2000),
      settleMs: durationOption(values.settle, 'settle', 3000),
      clock: systemClock,
      logger: ctx.logger.child({ component: 'controller', id }),
      onLeadership: (leading) =>
        ctx.stdout(
          `controller ${id} ${leading ? 'leads' : 'stands by'} (${new Date().toISOString()})\n`,
        ),
    });
    controller.start();
    ctx.stdout(`controller ${id} campaigning for cluster ${cluster}\n`);
    await ctx.stopSignal;
    await controller.close();
    await store.close();
    return 0;
  },
};
