import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { byteSizeOption, durationOption, intOption, stringOptions } from './args.js';
import type { Command } from './command.js';
import { CliError } from './errors.js';
import { startLocalStack } from './local-stack.js';
import { loadSumStatsConfig } from '../sumstats/index.js';

export const upCommand: Command = {
  name: 'up',
  summary: 'run the whole stack in one process on embedded defaults',
  usage: `canopy up [options]

Runs a sampler for this machine, an L1 aggregator and the HTTP API, all on
loopback, and prints the API URL. Stops on Ctrl-C.

Options:
  --bind HOST          address every listener binds to (default 127.0.0.1)
  --port N             HTTP API port (default 8470; 0 = any free port)
  --wire-port N        aggregator wire port (default 7470; 0 = any)
  --put-port N         sampler port for 'canopy put' (default 7471; 0 = any)
  --interval DUR       sampling interval (default 1s)
  --offset DUR         sampling offset within the interval (default 0ms)
  --ou OU[:OU…]        organisational units of this host (default Local)
  --host NAME          host name in the namespace (default: this machine's)
  --buffer SIZE        sampler replay buffer bound (default 64MiB)
  --data-dir DIR       where the archive is kept (default .canopy/data; 'off' = live window only)
  --sumstats FILE      summary statistics over this machine's samples and pushed events
                       (docs/sumstats.md; /api/sumstats, POST /api/observe, canopy observe)
  -h, --help           show this help`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: stringOptions([
        'bind',
        'port',
        'wire-port',
        'put-port',
        'interval',
        'offset',
        'ou',
        'host',
        'buffer',
        'data-dir',
        'sumstats',
      ]),
      strict: true,
    });
    const intervalMs = durationOption(values.interval, 'interval', 1000);
    const offsetMs = durationOption(values.offset, 'offset', 0);
    if (offsetMs >= intervalMs)
      throw new CliError(
        'CANOPY_ERR_BAD_OPTION',
        `--offset (${offsetMs} ms) must be less than --interval (${intervalMs} ms)`,
      );
    const stack = await startLocalStack({
      bindHost: values.bind ?? '127.0.0.1',
      apiPort: intOption(values.port, 'port', 8470),
      wirePort: intOption(values['wire-port'], 'wire-port', 7470),
      putPort: intOption(values['put-port'], 'put-port', 7471),
      intervalMs,
      offsetMs,
      ous: (values.ou ?? 'Local').split(':'),
      ...(values.host === undefined ? {} : { host: values.host }),
      replayBufferBytes: byteSizeOption(values.buffer, 'buffer', 64 * 1024 * 1024),
      dataDir:
        values['data-dir'] === 'off' ? undefined : (values['data-dir'] ?? join('.canopy', 'data')),
      logger: ctx.logger,
      sumstats: values.sumstats ? loadSumStatsConfig(values.sumstats) : undefined,
    });
    ctx.stdout(`Canopy is up: ${stack.apiUrl}\n`);
    ctx.stdout(`  latest values: ${stack.apiUrl}/api/latest?select=*::*:cpu:*\n`);
    ctx.stdout(`  wire port ${stack.wirePort}, put port ${stack.putPort}\n`);
    await ctx.stopSignal;
    await stack.shutdown();
    return 0;
  },
};
