import { parseArgs } from 'node:util';
import { Aggregator } from '../aggregator/index.js';
import { ApiServer } from '../api/index.js';
import { systemClock } from '../common/index.js';
import { authFrom, durationOption, intOption, parseEndpoint, stringOptions } from './args.js';
import type { Command } from './command.js';

export const aggregatorCommand: Command = {
  name: 'aggregator',
  summary: 'run an aggregator daemon',
  usage: `canopy aggregator [options]

Accepts samplers (and lower aggregators) over the wire protocol, keeps the
live tree and serves the HTTP API over it.

Options:
  --name NAME            aggregator name (default agg-1)
  --level N              level in the tree (default 1)
  --listen HOST:PORT     wire listener (default 127.0.0.1:7470)
  --api HOST:PORT        HTTP API (default 127.0.0.1:8470; 'off' disables)
  --window N             samples kept per set in the live window (default 600)
  --down-after DUR       a host is down after this long without data (default 4s)
  --dmax DUR             drop sets silent this long from the live tree (default 0 = never)
  --secret-file PATH     shared cluster secret (mode 600); without it only loopback peers
  -h, --help             show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: stringOptions([
        'name',
        'level',
        'listen',
        'api',
        'window',
        'down-after',
        'dmax',
        'secret-file',
      ]),
      strict: true,
    });
    const auth = authFrom(values['secret-file']);
    const aggregator = new Aggregator({
      name: values.name ?? 'agg-1',
      level: intOption(values.level, 'level', 1, 1),
      listen: parseEndpoint(values.listen ?? '127.0.0.1:7470', 'listen'),
      auth,
      clock: systemClock,
      logger: ctx.logger,
      windowSamples: intOption(values.window, 'window', 600, 1),
      downAfterMs: durationOption(values['down-after'], 'down-after', 4000),
      dmaxMs: durationOption(values.dmax, 'dmax', 0),
    });
    const wire = await aggregator.start();
    let api: ApiServer | undefined;
    const apiOpt = values.api ?? '127.0.0.1:8470';
    if (apiOpt !== 'off') {
      api = new ApiServer({
        ...parseEndpoint(apiOpt, 'api'),
        logger: ctx.logger,
        source: {
          latest: (sel, limit) => aggregator.latest(sel, limit),
          range: (sel, from, to, limit) => aggregator.range(sel, from, to, limit),
          tree: () => aggregator.tree(),
          status: () => ({ aggregators: [aggregator.stats()] }),
        },
      });
      const addr = await api.listen();
      ctx.stdout(
        `aggregator wire ${wire.host}:${wire.port}, api http://${addr.address}:${addr.port}\n`,
      );
    } else {
      ctx.stdout(`aggregator wire ${wire.host}:${wire.port}\n`);
    }
    await ctx.stopSignal;
    await api?.close();
    await aggregator.shutdown();
    return 0;
  },
};
